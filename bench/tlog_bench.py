"""The transparency log (docs/TRANSPARENCY.md): appends per second as the
directory makes them (one transaction each) on SQLite and PostgreSQL, the size
of a lookup answer's log member at several tree sizes, and what checking one
costs a client."""
import base64
import json
import math
import os
import pathlib
import tempfile
import time

from host_tools.protocol import signing, tlog
from keyserver import serverkey
from keyserver.store import Store
from keyserver.tlog import tree
from keyserver.tlog.log import Log

from . import firmware
from .keyserver_bench import postgres_url
from .section import Unavailable
from .stats import median

TREE_SIZES = (10**3, 10**6, 10**9)
_NOW = 1_765_000_000
_BOARD_TREE = 10**6

# Under the unix port: what a board's log check adds to a lookup. The log
# state comes signed in the answer ("lookup logged", docs/PROTOCOL.md §10), so
# the check itself is hashing: commitment + inclusion + map proof, and a
# consistency proof from the checkpoint it kept. The only other extra is the
# answer's signed bytes growing by the commitment: Ed25519 verification hashes
# R || A || them with SHA-512, timed with and without it. A board provisioned
# with a witness key also verifies the witness's cosignature (one Ed25519
# verification) when the checkpoint it keeps advances: timed too.
_BOARD_SCRIPT = """
import json, time
from nes.crypto import b64
from nes.crypto.sha512 import sha512
from nes.proto import cosignature, tlog
from nes.proto.logstate import commitment
from nes.proto.directory import signed_bytes
case = json.loads(%r)
keys = [b64.decode(k) for k in case["keys"]]
member, older = case["member"], case["older"]
kept = (older["origin"].encode(), older["size"], b64.decode(older["root"]))
signature = b64.decode(case["signature"])
plain = signed_bytes("u0000500", 1, 0, 1, keys)
logged = signed_bytes("u0000500", 1, 0, 1, keys, commitment(member)[0])
note = member["checkpoint"].encode()
witness = cosignature.parse_key(case["witness"])


def log_check(start):
    tlog.check(member, commitment(member)[1], "u0000500", 1, keys[0], keys[1], start)


out = {}
for name, run in (("log_check_s", lambda: log_check(None)),
                  ("log_check_consistency_s", lambda: log_check(kept)),
                  ("answer_hash_plain_s", lambda: sha512(signature + plain)),
                  ("answer_hash_logged_s", lambda: sha512(signature + logged)),
                  ("cosignature_verify_s", lambda: cosignature.verify(note, witness))):
    run()  # once untimed: the first call loads code (the Ed25519 module, imported when needed)
    times = []
    for _ in range(%d if name == "cosignature_verify_s" else 20 * %d):
        t0 = time.ticks_us()
        run()
        times.append(time.ticks_diff(time.ticks_us(), t0) / 1e6)
    times.sort()
    out[name] = times[len(times) // 2]
print("BENCH-JSON " + json.dumps(out))
"""
_MAP_DEPTH = 21  # a name's expected map proof among 10**6 names: log2(10**6) + 1.3


def _appends(url, key, count):
    store = Store(url)
    store.create_schema()
    log = Log(store.engine, key, "bench/log")
    try:
        started = time.monotonic()
        for i in range(count):
            with store.transaction() as tx:
                log.append(tx, tlog.ACTIVATE, "u%07d" % i, (os.urandom(32), os.urandom(32)), _NOW)
        seconds = time.monotonic() - started
    finally:
        store.dispose()
    return {"appends": count, "per_s": round(count / seconds, 1)}


def _map_depth(names):
    """The expected depth of a name's leaf in a map of `names` random keys."""
    return math.ceil(math.log2(names)) + 1


def _map_proof(name, leaf, depth):
    """(map proof, map root) of `name` -> `leaf` with `depth` random siblings."""
    proof = [os.urandom(32) for _ in range(depth)]
    return proof, tlog.map_root_from_proof(tlog.map_key(name), leaf, proof)


def _wire(**members):
    """Bytes of `members` in an answer's JSON as the key server writes it
    (compact separators), with the commas between them."""
    return len(json.dumps(members, separators=(",", ":"))) - 2


def _member(key, size, index, consistency_from=None):
    """A lookup's log member for entry `index` of a tree of `size`, as many
    names as entries, each map sibling not empty (hash values do not change
    sizes: every stored hash is a placeholder, not the empty subtree)."""
    one = lambda level, idx: b"\1" * tlog.HASH_BYTES  # noqa: E731
    note = tlog.sign_note(tlog.checkpoint_text("keys.example.org/log", size, b"\0" * 32, b"\0" * 32),
                          "keys.example.org/log", key.seed)
    member = {"index": index, "kind": "activate", "time": _NOW,
              "proof": tlog.encode_proof(tree.inclusion_proof(index, size, one)),
              "map": tlog.encode_map_proof([b"\1" * 32] * _map_depth(size)), "checkpoint": note}
    if consistency_from:
        member["consistency"] = tlog.encode_proof(tree.consistency_proof(consistency_from, size, one))
    return member


def _proof_sizes(key):
    """Per tree size: the proof fields of an answer's log member ("proof" and
    "map", the budget of issue 18), the consistency proof a client with an
    older checkpoint also gets, and the whole member with the checkpoint note."""
    rows = []
    for size in TREE_SIZES:
        member = _member(key, size, 0)
        consistency = _member(key, size, 0, consistency_from=size // 3)["consistency"]
        rows.append({"tree_size": size, "inclusion_hashes": len(tlog.decode_proof(member["proof"])),
                     "map_hashes": _map_depth(size), "consistency_hashes": len(tlog.decode_proof(consistency)),
                     "proof_bytes": _wire(proof=member["proof"], map=member["map"]),
                     "consistency_bytes": _wire(consistency=consistency) + 1,
                     "checkpoint_bytes": _wire(checkpoint=member["checkpoint"]) + 1,
                     "log_member_bytes": _wire(log=member) - len('"log":'),
                     "with_consistency_bytes": _wire(log=dict(member, consistency=consistency)) - len('"log":')})
    return rows


def _client_check(key, reps):
    """Seconds to check one log member (checkpoint signature and inclusion) with
    the host's code, on a real 1,000-entry tree."""
    hashes, datas = {}, []
    keys = (os.urandom(32), os.urandom(32))
    for i in range(1000):
        data = tlog.encode_entry(tlog.ACTIVATE, "u%07d" % i, 1, _NOW, *keys)
        datas.append(data)
        for level, idx, h in tree.new_hashes(i, data, lambda lv, n: hashes[lv, n]):
            hashes[level, idx] = h
    get = lambda level, idx: hashes[level, idx]  # noqa: E731
    root = tree.root(1000, get)
    map_proof, map_root = _map_proof("u0000500", tlog.leaf_hash(datas[500]), _map_depth(1000))
    note = tlog.sign_note(tlog.checkpoint_text("bench/log", 1000, root, map_root), "bench/log", key.seed)
    member = {"index": 500, "kind": "activate", "time": _NOW,
              "proof": tlog.encode_proof(tree.inclusion_proof(500, 1000, get)),
              "map": tlog.encode_map_proof(map_proof), "checkpoint": note}
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        tlog.verify_log_member(member, "u0000500", 1, keys, key.public, "bench/log")
        times.append(time.perf_counter() - started)
    return median(times)


def _board_check(key, reps):
    """Unix-port seconds of a board's check of a log member in a tree of
    _BOARD_TREE entries, all but entry 500 one placeholder entry (so every
    subtree without entry 500 has one hash per level), and a map of as many
    names; kept: the checkpoint of 1,000 entries fewer."""
    keys = (os.urandom(32), os.urandom(32))
    leaf = tlog.leaf_hash(tlog.encode_entry(tlog.ACTIVATE, "u0000500", 1, _NOW, *keys))
    same = [tlog.leaf_hash(b"placeholder")]
    while len(same) < 64:
        same.append(tlog.node_hash(same[-1], same[-1]))

    def get(level, idx):
        if idx != 500 >> level:
            return same[level]
        return leaf if level == 0 else tlog.node_hash(get(level - 1, 2 * idx), get(level - 1, 2 * idx + 1))

    root = tree.root(_BOARD_TREE, get)
    map_proof, map_root = _map_proof("u0000500", leaf, _map_depth(_BOARD_TREE))
    text = tlog.checkpoint_text("bench/log", _BOARD_TREE, root, map_root)
    witness_seed = os.urandom(32)
    note = tlog.sign_note(text, "bench/log", key.seed,
                          [tlog.cosignature_line(text, "witness.example", witness_seed, _NOW)])
    older = _BOARD_TREE - 1000
    member = {"index": 500, "kind": "activate", "time": _NOW,
              "proof": tlog.encode_proof(tree.inclusion_proof(500, _BOARD_TREE, get)),
              "map": tlog.encode_map_proof(map_proof), "checkpoint": note,
              "consistency": tlog.encode_proof(tree.consistency_proof(older, _BOARD_TREE, get))}
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    case = {"member": member, "keys": [b64(k) for k in keys],
            "older": {"origin": "bench/log", "size": older, "root": b64(tree.root(older, get))},
            "signature": b64(signing.sign(key.seed, b"a lookup answer")),
            "witness": tlog.verifier_key("witness.example", signing.public_key(witness_seed),
                                         tlog.COSIGNATURE_TYPE)}
    # On the .mpy files a board loads (compiled from source, the viper modules
    # would take some 100 KiB more for a while), in 192k: the smallest heap
    # the 64-bit unix port takes the viper path in (backend_viper).
    run = firmware.micropython("viper")(_BOARD_SCRIPT % (json.dumps(case), reps, reps), heapsize="192k",
                                        extra_path=[firmware.board_tree() / "lib"])
    for line in run.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            return dict(json.loads(line[len("BENCH-JSON "):]), tree_size=_BOARD_TREE,
                        map_hashes=len(map_proof),
                        member_bytes=len(json.dumps(member, separators=(",", ":"))))
    raise RuntimeError("micropython: %s" % (run.stderr or run.stdout).strip()[-300:])


def run(profile):
    appends = profile.tlog_appends
    with tempfile.TemporaryDirectory(prefix="nes-bench-tlog-") as tmp:
        tmp = pathlib.Path(tmp)
        key = serverkey.create(str(tmp / "server.key"))
        stores = {"sqlite": _appends("sqlite:///%s" % (tmp / "log.sqlite3"), key, appends)}
        try:
            with postgres_url() as url:
                stores["postgresql"] = _appends(url, key, appends)
        except Unavailable as exc:
            stores["postgresql"] = {"available": False, "reason": str(exc)}
        return {"appends": stores, "proofs": _proof_sizes(key),
                "host_check_s": _client_check(key, max(3, profile.crypto_reps * 5)),
                "board_check": _board_check(key, max(1, profile.crypto_reps)),
                "note": "appends: one transaction each, as activations make them (each also updates "
                        "the name map); sizes as the key server writes them (compact JSON), with "
                        "as many names as entries and each map sibling not empty; proof fields: the "
                        "\"proof\" and \"map\" members; consistency: the \"consistency\" member, "
                        "sent when the client keeps an older checkpoint (here a third of the size); "
                        "log member: all of it, the checkpoint note (one signature, no cosignature) "
                        "included; host check: checkpoint signature + inclusion and map proofs, "
                        "pycryptodome"}
