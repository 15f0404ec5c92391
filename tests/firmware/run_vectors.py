"""MicroPython script: run every tests/vectors/*.vec file (docs/PROTOCOL.md
§12) through the firmware's nes.proto.envelope, or every lookup vector
(tests/vectors/lookup/*.vec, a `status` line) through nes.proto.directory,
and print one line per file, `PASS <name>` or `FAIL <name>: <why>`, then
`N passed, M failed`.

Usage: micropython run_vectors.py VECTOR_DIR   (firmware/ on MICROPYPATH)
Test data is parsed with MicroPython's own json and binascii, not with the
firmware's parsers under test."""
import binascii
import json
import os
import sys

from nes.proto import directory, envelope
from nes.proto.errors import DirectoryError, ProtocolError
from nes.proto.replay import ReplayCache

B64 = ("sender_sign_seed", "sender_sign_public", "recipient_message_secret",
       "recipient_message_public", "ephemeral", "file_key", "iv", "frame_b64",
       "server_sign_seed", "server_sign_public", "public_key_message", "public_key_sign")
INTS = ("timestamp", "now", "opens", "seen_serial", "status", "serial", "issued_at", "expires_at")


def parse(text):
    v = {"directory": {}}
    for line in text.split("\n"):
        if not line.strip() or line.startswith("#"):
            continue
        name, _, value = line.partition(":")
        value = value.strip()
        if name == "directory":
            user, key = value.split()
            v["directory"][user] = binascii.a2b_base64(key)
        elif name in B64:
            v["frame" if name == "frame_b64" else name] = binascii.a2b_base64(value)
        elif name in INTS:
            v[name] = int(value)
        elif name == "frame" or name == "body":
            v[name] = json.loads(value).encode("utf-8")
        elif name == "message":
            v[name] = json.loads(value)
        else:
            v[name] = value
    return v


def check_message(m, v):
    got = (m.sender, m.recipient, m.timestamp, m.text)
    want = (v["sender"], v["recipient"], v["timestamp"], v["message"])
    if got != want:
        return "opened to %r, expected %r" % (got[:3], want[:3]) if got[:3] != want[:3] \
            else "opened text differs"
    return None


def run_lookup(v):
    """None when a lookup vector passes, else why not."""
    try:
        got = directory.read_answer(v["status"], json.loads(v["body"]), v["username"],
                                    v["server_sign_public"], v["now"], v["seen_serial"])
    except DirectoryError as e:
        name = type(e).__name__
        return None if name == v["expect"] else "raised %s, expected %s" % (name, v["expect"])
    if v["expect"] not in ("keys", "absent"):
        return "accepted, expected %s" % v["expect"]
    keys = (v["public_key_message"], v["public_key_sign"]) if v["expect"] == "keys" else None
    want = (keys, v["serial"], v["issued_at"], v["expires_at"])
    return None if got == want else "read %r, expected %r" % (got[1:], want[1:])


def run(v):
    """None when the vector passes, else why not."""
    if "status" in v:
        return run_lookup(v)
    if "ephemeral" in v:
        sealed = envelope.seal_with(
            v["sender"], v["sender_sign_seed"], v["recipient"], v["recipient_message_public"],
            v["message"], v["timestamp"], v["ephemeral"], v["file_key"], v["iv"])
        if sealed != v["frame"]:
            return "seal_with does not reproduce the frame"
    replay = ReplayCache()
    opens = v["opens"]
    for i in range(opens):
        last = i == opens - 1
        try:
            m = envelope.open_frame(v["frame"], v["receiver"], v["recipient_message_secret"],
                                    v["directory"].get, v["now"], replay)
        except ProtocolError as e:
            name = type(e).__name__
            if last and name == v["expect"]:
                return None
            return "open %d of %d raised %s, expected %s" % (
                i + 1, opens, name, v["expect"] if last else "success")
        if not last or v["expect"] == "ok":
            why = check_message(m, v) if "message" in v else None
            if why:
                return why
        if last and v["expect"] != "ok":
            return "opened, expected %s" % v["expect"]
    return None


def main(directory):
    names = sorted(n for n in os.listdir(directory) if n.endswith(".vec"))
    passed = failed = 0
    for name in names:
        with open(directory + "/" + name, "rb") as f:
            text = f.read().decode("utf-8")
        try:
            why = run(parse(text))
        except Exception as e:  # a crash is a failure of this vector, not of the run
            why = "crashed: %s %s" % (type(e).__name__, e)
        if why is None:
            passed += 1
            print("PASS", name)
        else:
            failed += 1
            print("FAIL %s: %s" % (name, why))
    print("%d passed, %d failed" % (passed, failed))


main(sys.argv[1])
