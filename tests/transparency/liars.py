"""A key server that lies, for the tests of what clients catch: a proxy in
front of a real key server (the `json_server` fixture) that answers some
lookups with answers the test makes, signed with the real server key, and
passes every other path through."""
import json
import time

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


def signed_answer(real, username, keys, log, serial=None):
    """A fresh lookup answer for `keys` under `serial` (the name's current one
    when None), carrying `log`, signed with the real server's key as the
    "lookup logged" statement of the log state in `log` (docs/PROTOCOL.md §10)."""
    serial = real.accounts.store.answer(username)[2] if serial is None else serial
    now = int(time.time())
    answer = directory.sign_answer(real.accounts.server_key.seed, username, serial, now,
                                   now + real.accounts.config["LOOKUP_VALIDITY"], keys,
                                   tlog.answer_commitment(log))
    answer["log"] = log
    return answer


def logged_answer(real, username, index, forge_map=False):
    """A signed answer with the keys of log entry `index` and its valid proof
    against the current checkpoint: a logged entry, perhaps not the latest
    (with the map proof of the name's latest entry: the best a liar has). With
    `forge_map`, the checkpoint is signed anew with a name map that holds only
    this entry for the name: a server lying about the map itself. The answer
    has the entry's serial (clients rebuild the entry with the answer's)."""
    log = real.accounts.log
    path = "/log/" + tlog.tile_path("entries", index // 256, index % 256 + 1)
    entry = tlog.decode_entry(tlog.parse_bundle(http("GET", real.url + path).body)[index % 256])
    size = log.size()
    member = {"index": index, "kind": entry["kind"], "time": entry["time"],
              "proof": tlog.encode_proof(log.inclusion(index, size)), "checkpoint": log.checkpoint(),
              "map": log.lookup_proof(username)["map"]}
    if forge_map:
        text = tlog.open_note(member["checkpoint"], log.origin, log.server_key.public)
        _, size, root = tlog.parse_checkpoint(text)
        leaf = tlog.leaf_hash(tlog.encode_entry(entry["kind"], username, entry["serial"], entry["time"],
                                                entry["public_key_message"], entry["public_key_sign"]))
        forged = tlog.map_leaf(tlog.map_key(username), leaf)  # a map of this one name
        member.update(map=tlog.encode_map_proof([]), checkpoint=tlog.sign_note(
            tlog.checkpoint_text(log.origin, size, root, forged), log.origin, log.server_key.seed))
    return signed_answer(real, username, (entry["public_key_message"], entry["public_key_sign"]), member,
                         entry["serial"])


def superseded(json_server, real, username):
    """`username` registered, deactivated and registered again: a proxy that
    serves her first keys (log entry 0, validly proved but superseded), with
    the stale and the current answer."""
    real.register_and_activate(username)
    if real.deactivate(username)[0] != 200:
        raise RuntimeError("deactivating %s failed" % username)
    current = real.register_and_activate(username)
    stale = logged_answer(real, username, 0)
    return proxy(json_server, real, {"/users/" + username: stale}), stale, current
