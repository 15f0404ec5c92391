"""Writes the transparency-log vectors (docs/TRANSPARENCY.md §7): one file per
scenario, from fixed inputs, so running it twice writes identical files.

    python -m tests.transparency.vectors.generate"""
import base64
import hashlib
import json
import pathlib

from host_tools.protocol import directory, signing, tlog
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


def _note(size, root, map_root, origin=ORIGIN):
    return tlog.sign_note(tlog.checkpoint_text(origin, size, root, map_root), origin, LOG_SEED)


def _map(data):
    """(root, name -> proof) of the name map of these entries."""
    latest = {}
    for entry in data:
        latest[tlog.decode_entry(entry)["name"]] = tlog.leaf_hash(entry)
    leaves = sorted((tlog.map_key(n), v) for n, v in latest.items())
    proofs = {}
    for name in latest:  # a two-name map: each name's proof is the other's leaf
        others = [leaf for leaf in leaves if leaf[0] != tlog.map_key(name)]
        proofs[name] = [tlog.map_root_of(others)] if others else []
    return tlog.map_root_of(leaves), proofs


def scenarios():
    data = [tlog.encode_entry(*e) for e in ENTRIES]
    get = _tree(data)
    roots = [tree.root(n, get) for n in range(4)]
    map_root, map_proofs = _map(data)
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
        "size": 3, "root": _b64(roots[3]), "map_root": _b64(map_root),
        "note": json.dumps(_note(3, roots[3], map_root)), "expect": "ok"})
    yield "checkpoint_other_origin", dict(log, **{
        "scenario": "a checkpoint signed with the log key under another origin", "check": "checkpoint",
        "note": json.dumps(_note(3, roots[3], map_root, "evil.example.org/log")), "expect": "LogError"})
    member = {"index": 2, "kind": tlog.CHANGE, "time": TIME + 120,
              "proof": tlog.encode_proof(tree.inclusion_proof(2, 3, get)),
              "map": tlog.encode_map_proof(map_proofs["alice"]), "checkpoint": _note(3, roots[3], map_root)}
    lookup = dict(log, **{"check": "inclusion", "username": "alice", "serial": 2,
                          "public_key_message": _b64(KEYS["mallory"][0]),
                          "public_key_sign": _b64(KEYS["mallory"][1]), "log": json.dumps(member)})
    yield "inclusion_latest_entry", dict(lookup, scenario="alice's keys proved to be entry 2 of size 3",
                                         expect="ok")
    yield "inclusion_unlogged_key", dict(lookup, scenario="keys that no entry holds, with entry 2's proof",
                                         public_key_sign=_b64(_fixed("unlogged")), expect="LogError")
    yield "inclusion_wrong_serial", dict(
        lookup, scenario="entry 2's keys in an answer with another serial", serial=3, expect="LogError")
    superseded = dict(member, index=0, kind=tlog.ACTIVATE, time=TIME,
                      proof=tlog.encode_proof(tree.inclusion_proof(0, 3, get)))
    yield "map_superseded_entry", dict(
        lookup, scenario="alice's first keys: logged (entry 0), but the map holds entry 2 for her", serial=1,
        public_key_message=_b64(KEYS["alice"][0]), public_key_sign=_b64(KEYS["alice"][1]),
        log=json.dumps(superseded), expect="LogError")
    yield "map_no_root", dict(
        lookup, scenario="a checkpoint without the name map's extension line",
        log=json.dumps(dict(member, checkpoint=tlog.sign_note(tlog.checkpoint_text(ORIGIN, 3, roots[3]),
                                                              ORIGIN, LOG_SEED))), expect="LogError")
    answer = directory.sign_answer(LOG_SEED, "alice", 2, TIME + 120, TIME + 120 + 86400, KEYS["mallory"],
                                   tlog.answer_commitment(member))
    answer["log"] = member
    signed = dict(log, **{"check": "answer", "username": "alice", "now": TIME + 200,
                          "public_key_message": _b64(KEYS["mallory"][0]),
                          "public_key_sign": _b64(KEYS["mallory"][1]), "answer": json.dumps(answer),
                          "signed": _b64(directory.signed_bytes("alice", 2, TIME + 120, TIME + 120 + 86400,
                                                                KEYS["mallory"], tlog.answer_commitment(member)))})
    yield "answer_logged", dict(signed, scenario="alice's keys signed with the log state they are proved in "
                                "(the lookup logged statement)", expect="ok")
    other = dict(member, checkpoint=_note(2, roots[2], map_root))
    yield "answer_other_checkpoint", dict(
        signed, scenario="the signed answer with a checkpoint of another size (its note validly signed)",
        answer=json.dumps(dict(answer, log=other)), expect="DirectoryError")
    plain = directory.sign_answer(LOG_SEED, "alice", 2, TIME + 120, TIME + 120 + 86400, KEYS["mallory"])
    yield "answer_plain_signature", dict(
        signed, scenario="the log member on an answer signed as the plain lookup keys statement",
        answer=json.dumps(dict(plain, log=member)), expect="DirectoryError")
    yield from _map_vectors()
    consistency = dict(log, **{"check": "consistency", "size1": 1, "root1": _b64(roots[1]),
                               "size2": 3, "root2": _b64(roots[3]),
                               "proof": json.dumps(tlog.encode_proof(tree.consistency_proof(1, 3, get)))})
    yield "consistency_1_3", dict(consistency, scenario="the tree of size 3 extends the one of size 1",
                                  expect="ok")
    fork = tlog.leaf_hash(tlog.encode_entry(tlog.ACTIVATE, "alice", 1, TIME, *KEYS["mallory"]))
    yield "consistency_fork", dict(consistency, scenario="a size-1 tree with another first entry (a fork)",
                                   root1=_b64(fork), expect="LogError")


def _map_vectors():
    """A two-name map whose names share their first bit: a proof with an
    empty sibling (depth 1), sent as a bitmap bit 0."""
    alice = tlog.map_key("alice")
    other = next(n for n in ("bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan")
                 if tlog.map_bit(tlog.map_key(n), 0) == tlog.map_bit(alice, 0)
                 and tlog.map_bit(tlog.map_key(n), 1) != tlog.map_bit(alice, 1))
    value, other_value = (tlog.leaf_hash(tlog.encode_entry(*e)) for e in ENTRIES[:2])
    leaves = sorted([(alice, value), (tlog.map_key(other), other_value)])
    proof = [tlog.map_leaf(tlog.map_key(other), other_value), tlog.MAP_EMPTY]
    encoded = tlog.encode_map_proof(proof)
    vector = {"check": "map", "username": "alice", "value": _b64(value), "map_root": _b64(tlog.map_root_of(leaves)),
              "map": encoded}
    yield "map_empty_sibling", dict(vector, scenario="alice and %s share their first bit: the proof's "
                                    "second sibling is the empty subtree, bit 1 of the bitmap 0" % other,
                                    expect="ok")
    raw = bytearray(base64.b64decode(encoded))
    raw[1] |= 1  # a bitmap bit past the proof's two siblings
    yield "map_bitmap_padding", dict(vector, scenario="the same proof with a bitmap bit set past its end",
                                     map=_b64(raw), expect="LogError")


def write(directory=HERE):
    for name, fields in scenarios():
        order = ["scenario", "check"] + [k for k in fields if k not in ("scenario", "check", "expect")]
        text = HEADER + "".join("%s: %s\n" % (k, fields[k]) for k in order + ["expect"])
        (directory / (name + ".vec")).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write()
