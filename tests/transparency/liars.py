"""A key server that lies, for the tests of what clients catch: a proxy in
front of a real key server (the `json_server` fixture) that answers some
lookups with answers the test makes, signed with the real server key, and
passes every other path through."""
import base64
import json

from host_tools.protocol import directory, tlog
from tests.fixtures.keyserver import http


def proxy(json_server, real, lies):
    """A json_server forwarding to `real` except the paths in `lies` (path
    without query -> answer dict)."""
    def answer(path):
        lie = lies.get(path.split("?")[0])
        if lie is not None:
            return json.dumps(lie).encode()
        return http("GET", real.url + path).body
    return json_server(answer)


def signed_answer(real, username, keys, log):
    """A lookup answer for `keys`, signed with the real server's key, carrying `log`."""
    b64 = [base64.b64encode(k).decode() for k in keys]
    return {
        "response": {"username": username, "public_key_message": b64[0], "public_key_sign": b64[1]},
        "signature": directory.sign_lookup(real.accounts.server_key.seed, username, *keys),
        "log": log,
    }


def logged_answer(real, username, index):
    """A signed answer with the keys of log entry `index` and its valid proof
    against the current checkpoint: a logged entry, perhaps not the latest."""
    log = real.accounts.log
    path = "/log/" + tlog.tile_path("entries", index // 256, index % 256 + 1)
    entry = tlog.decode_entry(tlog.parse_bundle(http("GET", real.url + path).body)[index % 256])
    size = log.size()
    member = {"index": index, "kind": entry["kind"], "serial": entry["serial"], "time": entry["time"],
              "proof": tlog.encode_proof(log.inclusion(index, size)), "checkpoint": log.checkpoint()}
    return signed_answer(real, username, (entry["public_key_message"], entry["public_key_sign"]), member)
