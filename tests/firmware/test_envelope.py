"""nes.proto.envelope (with nes.proto.replay and nes.proto.directory) under the MicroPython unix
port: round trips, a 1 KiB message sealed and opened in a 68 KiB heap, and
every error class raised by the case it names."""
import base64
import hashlib
import json
import os
import subprocess
import sys

import pytest

from host_tools.protocol import directory, inner, signing
from tests.fixtures.paths import ROOT

SENDER, RECIPIENT, TS = "alice", "bob", 1700000000000
# Seals a text for bob and opens it again; prints one line per text:
# sha256(text) sender recipient timestamp.
ROUND_TRIP = """
import sys, hashlib
from binascii import hexlify, unhexlify
from nes.proto import envelope, keys, replay
m, M, s, S = keys.generate()
cache = replay.ReplayCache()
for i, line in enumerate(sys.stdin.read().split()):
    text = unhexlify(line[1:]).decode()  # each line is "h" + hex: "" stays a line
    frame = envelope.seal("alice", s, "bob", M, text, %d + i)
    msg = envelope.open_frame(frame, "bob", m, {"alice": S}.get, %d + i, cache)
    print(hexlify(hashlib.sha256(msg.text.encode()).digest()).decode(),
          msg.sender, msg.recipient, msg.timestamp)
""" % (TS, TS)


def max_text_length():
    return 3072 - len(inner.encode(SENDER, RECIPIENT, TS, ""))


def test_round_trip(micropython):
    n = max_text_length()
    texts = ["", "hello bob", "grüße, 世界 😀", "\x00\x01\x1f\x7f\"\\/\b\f\n\r\t",
             "x" * n, "é" * (n // 2), "😀" * (n // 4)]
    stdin = "\n".join("h" + t.encode().hex() for t in texts).encode()
    out = micropython(ROUND_TRIP, stdin=stdin).check().stdout.split("\n")
    for i, text in enumerate(texts):
        assert out[i].split() == [hashlib.sha256(text.encode()).hexdigest(),
                                  SENDER, RECIPIENT, str(TS + i)]


@pytest.fixture(scope="module")
def compiled_firmware(tmp_path_factory):
    """The .mpy tree of the unix board as tools/build_firmware.py builds it
    (-O3: no line-number tables; each module's dotted name as its source
    name, no file name interned per module): the unix port's compiler alone
    needs more than a 64 KiB heap to compile these sources."""
    out = tmp_path_factory.mktemp("mpy")
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_firmware.py"), "unix", "--out", str(out)],
                   check=True, capture_output=True)
    return out / "unix" / "lib"


def test_one_kib_message_in_a_small_heap(micropython, compiled_firmware):
    """Seal and open a 1 KiB message in a 68 KiB heap, the firmware as the
    board build compiles it (docs/FIRMWARE.md, Memory). At 64k it failed 4
    times in 400 (and once in a full `make test`): the keys are random, so the
    heap's layout varies, and the open sometimes found no 1,025-byte block for
    the decoded text. At 68k it passed 900 of 900."""
    code = """
import gc
from nes.proto import envelope, keys
m, M, s, S = keys.generate()
text = "grüße " * 128  # 1024 bytes of UTF-8
frame = envelope.seal("alice", s, "bob", M, text, 1700000000000)
msg = envelope.open_frame(frame, "bob", m, {"alice": S}.get, 1700000000000)
gc.collect()
print(len(text.encode()), len(frame), msg.text == text, gc.mem_free())
"""
    run = micropython(code, heapsize="68k", extra_path=[compiled_firmware]).check()
    size, frame_size, same, _free = run.stdout.split()
    assert (size, same) == ("1024", "True")
    assert int(frame_size) > 1024 * 4 // 3


ERRORS = """
import sys
from binascii import a2b_base64, b2a_base64
from nes.proto import envelope, errors, keys, directory, replay
am, aM, as_, aS = keys.generate()
bm, bM, bs, bS = keys.generate()
SECRET_TEXT = "the secret text"
frame = envelope.seal("alice", as_, "bob", bM, SECRET_TEXT, 1700000000000)
known = {"alice": aS}.get

def tampered_tag(frame):
    head, _, rest = frame.partition(b'"ciphertext":"')
    b64, _, tail = rest.partition(b'"')
    raw = bytearray(a2b_base64(b64))
    raw[-1] ^= 1
    return head + b'"ciphertext":"' + b2a_base64(raw)[:-1] + b'"' + tail

def attempt(label, fn):
    try:
        fn()
        print(label, "accepted")
    except Exception as e:
        print(label, type(e).__name__, isinstance(e, errors.ProtocolError),
              SECRET_TEXT in str(e))

cache = replay.ReplayCache()
attempt("format", lambda: envelope.open_frame(b'{"cipherkey":1}', "bob", bm, known, 1700000000000))
attempt("authentication", lambda: envelope.open_frame(tampered_tag(frame), "bob", bm, known, 1700000000000))
attempt("wrong_key", lambda: envelope.open_frame(frame, "bob", am, known, 1700000000000))
attempt("unknown_sender", lambda: envelope.open_frame(frame, "bob", bm, {}.get, 1700000000000))
attempt("forged_sender", lambda: envelope.open_frame(frame, "bob", bm, {"alice": bS}.get, 1700000000000))
attempt("recipient", lambda: envelope.open_frame(frame, "carol", bm, known, 1700000000000))
attempt("timestamp_old", lambda: envelope.open_frame(frame, "bob", bm, known, 1700000000000 + 86400001))
attempt("timestamp_future", lambda: envelope.open_frame(frame, "bob", bm, known, 1700000000000 - 300001))
envelope.open_frame(frame, "bob", bm, known, 1700000000000, cache)
attempt("replay", lambda: envelope.open_frame(frame, "bob", bm, known, 1700000000000, cache))
attempt("directory", lambda: directory.verify_lookup({"response": {}}, "alice", aS, 1700000000))
attempt("seal_too_long", lambda: envelope.seal("alice", as_, "bob", bM, "x" * 3100, 1))
attempt("seal_low_order", lambda: envelope.seal("alice", as_, "bob", bytes(32), "hi", 1))
attempt("seal_bad_name", lambda: envelope.seal("Alice", as_, "bob", bM, "hi", 1))
"""


def test_each_error_class(micropython):
    out = micropython(ERRORS).check().stdout
    got = {line.split()[0]: line.split()[1:] for line in out.splitlines()}
    protocol = {
        "format": "FormatError", "authentication": "AuthenticationError",
        "wrong_key": "AuthenticationError", "unknown_sender": "UnknownSenderError",
        "forged_sender": "AuthenticationError", "recipient": "RecipientError",
        "timestamp_old": "TimestampError", "timestamp_future": "TimestampError",
        "replay": "ReplayError",
    }
    for label, cls in protocol.items():
        assert got[label] == [cls, "True", "False"], label
    assert got["directory"] == ["DirectoryError", "False", "False"]
    for label in ("seal_too_long", "seal_low_order", "seal_bad_name"):
        assert got[label] == ["ValueError", "False", "False"], label


LOOKUP = """
import sys, json
from binascii import a2b_base64
from nes.proto import directory
case = json.loads(sys.stdin.read())
try:
    m, s = directory.verify_lookup(case["answer"], case["username"], a2b_base64(case["server"]),
                                   case["now"])
    print("OK", m == a2b_base64(case["m"]), s == a2b_base64(case["s"]))
except Exception as e:
    print(type(e).__name__)
"""


NOW_S = 1_700_000_000


def _b64(raw):
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize("change, expect", [
    (None, "OK True True"),
    ("other_name", "DirectoryError"),
    ("asked_other", "DirectoryError"),
    ("other_key", "DirectoryError"),
    ("other_server", "DirectoryError"),
    ("short_key", "DirectoryError"),
    ("noncanonical_b64", "DirectoryError"),
    ("no_signature", "DirectoryError"),
    ("extra_member", "OK True True"),
])
def test_lookup_answers(micropython, change, expect):
    """Answers signed by the host's key-server code, checked by the firmware."""
    server_seed, server_public = signing.generate()
    m, s = os.urandom(32), os.urandom(32)
    answer = directory.sign_answer(server_seed, "alice", 1, NOW_S, NOW_S + 86400, (m, s))
    username = "alice"
    if change == "other_name":
        answer["response"]["username"] = "mallory"
    elif change == "asked_other":
        username = "mallory"
    elif change == "other_key":
        answer["response"]["public_key_message"] = _b64(os.urandom(32))
    elif change == "other_server":
        server_public = signing.generate()[1]
    elif change == "short_key":
        answer["response"]["public_key_sign"] = _b64(s[:31])
    elif change == "noncanonical_b64":
        text = answer["response"]["public_key_message"]  # 44 chars, one '=' pad
        last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".index(text[42])
        answer["response"]["public_key_message"] = text[:42] + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[last ^ 1] + "="
    elif change == "no_signature":
        del answer["signature"]
    elif change == "extra_member":
        answer["response"]["note"] = "unsigned, ignored"
    case = {"answer": answer, "username": username, "server": _b64(server_public),
            "m": _b64(m), "s": _b64(s), "now": NOW_S}
    out = micropython(LOOKUP, stdin=json.dumps(case).encode()).check().stdout.strip()
    assert out == expect


REPLAY = """
from nes.proto.replay import ReplayCache
from nes.proto.errors import ReplayError
def sig(i):
    return bytes([i]) * 64
def outcome(cache, i, ts, now=1000):
    try:
        cache.accept(sig(i), ts, now)
        return "ok"
    except ReplayError:
        return "replay"
c = ReplayCache(2)
print(outcome(c, 1, 10), outcome(c, 2, 20), outcome(c, 1, 10), outcome(c, 3, 30), len(c), c.floor)
print(outcome(c, 4, 10), outcome(c, 5, 5), outcome(c, 6, 15), c.floor)
saved = c.to_dict()
d = ReplayCache.from_dict(saved, 2)
print(outcome(d, 3, 30), outcome(d, 7, 12), d.floor, len(d))
"""


def test_replay_cache_floor_and_persistence(micropython):
    lines = micropython(REPLAY).check().stdout.splitlines()
    # capacity 2: the third message evicts timestamp 10, which becomes the floor
    assert lines[0].split() == ["ok", "ok", "replay", "ok", "2", "10"]
    # at or below the floor is refused even with a new signature
    assert lines[1].split() == ["replay", "replay", "ok", "15"]
    # a restored cache keeps its entries and its floor
    assert lines[2].split() == ["replay", "replay", "15", "2"]


FLOOD = """
import json, io
from nes.proto import envelope, keys
from nes.proto.replay import ReplayCache
NOW = 1700000000000
m, M, s, S = keys.generate()
c = ReplayCache()
for i in range(c.capacity + 1):  # carol, registered, dates each frame MAX_SKEW_MS ahead
    envelope.open_frame(envelope.seal("carol", s, "bob", M, "flood", NOW + 300000), "bob", m,
                        {"carol": S}.get, NOW, c)
saved = io.StringIO()
c.save(saved)
restarted = ReplayCache.from_dict(json.loads(saved.getvalue()))
for cache in (c, restarted):
    floor = cache.floor
    msg = envelope.open_frame(envelope.seal("alice", s, "bob", M, "honest", NOW + 1), "bob", m,
                              {"alice": S}.get, NOW + 1, cache)
    print(cache.capacity, floor <= NOW, msg.text)
"""


def test_a_flood_of_future_dated_messages_does_not_refuse_honest_ones(micropython):
    """capacity + 1 frames dated ahead leave the floor at the receiver's clock:
    the next honest message is accepted, also after a restart from the saved cache."""
    lines = micropython(FLOOD).check().stdout.splitlines()
    assert lines == ["64 True honest", "64 True honest"]
