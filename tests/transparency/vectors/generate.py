"""Writes the transparency-log vectors (docs/TRANSPARENCY.md §7): one file per
scenario, from fixed inputs, so running it twice writes identical files.

    python -m tests.transparency.vectors.generate"""
import base64
import hashlib
import json
import pathlib

from host_tools.protocol import signing, tlog
from keyserver.tlog import tree

HERE = pathlib.Path(__file__).parent
HEADER = "# nes-kt/1 vector (docs/TRANSPARENCY.md §7), written by generate.py; do not edit.\n"
ORIGIN = "keys.example.org/log"
TIME = 1765000000


def _fixed(label, size=32):
    return hashlib.sha256(label.encode()).digest()[:size]


def _b64(raw):
    return base64.b64encode(raw).decode("ascii")


LOG_SEED = _fixed("log key")
LOG_PUBLIC = signing.public_key(LOG_SEED)
KEYS = {name: (_fixed(name + " message"), _fixed(name + " sign")) for name in ("alice", "bob", "mallory")}
# The vectors' log: alice activates, bob activates, alice changes her keys to mallory's.
ENTRIES = [
    (tlog.ACTIVATE, "alice", 1, TIME, *KEYS["alice"]),
    (tlog.ACTIVATE, "bob", 1, TIME + 60, *KEYS["bob"]),
    (tlog.CHANGE, "alice", 2, TIME + 120, *KEYS["mallory"]),
]


def _tree(entries):
    hashes = {}
    for i, data in enumerate(entries):
        for level, idx, h in tree.new_hashes(i, data, lambda lv, n: hashes[lv, n]):
            hashes[level, idx] = h
    return lambda level, idx: hashes[level, idx]


def _note(size, root, origin=ORIGIN):
    return tlog.sign_note(tlog.checkpoint_text(origin, size, root), origin, LOG_SEED)


def scenarios():
    data = [tlog.encode_entry(*e) for e in ENTRIES]
    get = _tree(data)
    roots = [tree.root(n, get) for n in range(4)]
    log = {"vkey": tlog.verifier_key(ORIGIN, LOG_PUBLIC)}
    for (kind, name, serial, time, m, s), entry in zip(ENTRIES, data):
        yield "entry_%s_%s" % (kind, name), {
            "scenario": "the encoding of a %s entry" % kind, "check": "entry",
            "kind": kind, "name": name, "serial": serial, "time": time,
            "public_key_message": _b64(m), "public_key_sign": _b64(s),
            "entry": json.dumps(entry.decode()), "leaf_hash": _b64(tlog.leaf_hash(entry)), "expect": "ok"}
    yield "entry_serial_leading_zero", {
        "scenario": "an entry whose serial has a leading zero is not canonical", "check": "entry",
        "entry": json.dumps(data[0].decode().replace("serial 1\n", "serial 01\n")), "expect": "LogError"}
    yield "checkpoint_size_3", dict(log, **{
        "scenario": "the checkpoint of the three entries", "check": "checkpoint",
        "size": 3, "root": _b64(roots[3]), "note": json.dumps(_note(3, roots[3])), "expect": "ok"})
    yield "checkpoint_other_origin", dict(log, **{
        "scenario": "a checkpoint signed with the log key under another origin", "check": "checkpoint",
        "note": json.dumps(_note(3, roots[3], "evil.example.org/log")), "expect": "LogError"})
    member = {"index": 2, "kind": tlog.CHANGE, "serial": 2, "time": TIME + 120,
              "proof": tlog.encode_proof(tree.inclusion_proof(2, 3, get)), "checkpoint": _note(3, roots[3])}
    lookup = dict(log, **{"check": "inclusion", "username": "alice",
                          "public_key_message": _b64(KEYS["mallory"][0]),
                          "public_key_sign": _b64(KEYS["mallory"][1]), "log": json.dumps(member)})
    yield "inclusion_latest_entry", dict(lookup, scenario="alice's keys proved to be entry 2 of size 3",
                                         expect="ok")
    yield "inclusion_unlogged_key", dict(lookup, scenario="keys that no entry holds, with entry 2's proof",
                                         public_key_sign=_b64(_fixed("unlogged")), expect="LogError")
    yield "inclusion_wrong_serial", dict(
        lookup, scenario="entry 2 claimed with another serial",
        log=json.dumps(dict(member, serial=3)), expect="LogError")
    consistency = dict(log, **{"check": "consistency", "size1": 1, "root1": _b64(roots[1]),
                               "size2": 3, "root2": _b64(roots[3]),
                               "proof": json.dumps(tlog.encode_proof(tree.consistency_proof(1, 3, get)))})
    yield "consistency_1_3", dict(consistency, scenario="the tree of size 3 extends the one of size 1",
                                  expect="ok")
    fork = tlog.leaf_hash(tlog.encode_entry(tlog.ACTIVATE, "alice", 1, TIME, *KEYS["mallory"]))
    yield "consistency_fork", dict(consistency, scenario="a size-1 tree with another first entry (a fork)",
                                   root1=_b64(fork), expect="LogError")


def write(directory=HERE):
    for name, fields in scenarios():
        order = ["scenario", "check"] + [k for k in fields if k not in ("scenario", "check", "expect")]
        text = HEADER + "".join("%s: %s\n" % (k, fields[k]) for k in order + ["expect"])
        (directory / (name + ".vec")).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write()
