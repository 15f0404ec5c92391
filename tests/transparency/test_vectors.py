"""The transparency vectors (tests/transparency/vectors, docs/TRANSPARENCY.md
§7): the generator reproduces the files, and both clients' checks give each
file's `expect`: the host's (host_tools) and the board's (firmware/nes/proto,
under the MicroPython unix port)."""
import base64
import json
import pathlib

import pytest

from host_tools.protocol import directory, tlog
from host_tools.protocol.errors import DirectoryError
from tests.transparency.vectors import generate

FILES = sorted(pathlib.Path(generate.__file__).parent.glob("*.vec"))


def _read(path):
    fields = {}
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line and not line.startswith("#"):
            name, _, value = line.partition(": ")
            fields[name] = value
    return fields


def _b64(text):
    return base64.b64decode(text, validate=True)


def _check(v):
    if v["check"] == "entry":
        entry = json.loads(v["entry"]).encode()
        decoded = tlog.decode_entry(entry)
        assert decoded == {"kind": v["kind"], "name": v["name"], "serial": int(v["serial"]),
                           "time": int(v["time"]), "public_key_message": _b64(v["public_key_message"]),
                           "public_key_sign": _b64(v["public_key_sign"])}
        assert tlog.leaf_hash(entry) == _b64(v["leaf_hash"])
        return
    if v["check"] == "map":
        tlog.verify_map(v["username"], _b64(v["value"]), tlog.decode_map_proof(v["map"]), _b64(v["map_root"]))
        return
    origin, public = tlog.parse_verifier_key(v["vkey"])
    if v["check"] == "checkpoint":
        opened = tlog.open_checkpoint(json.loads(v["note"]), origin, public)
        assert opened == (int(v["size"]), _b64(v["root"]))
        text = tlog.open_note(json.loads(v["note"]), origin, public)
        assert tlog.checkpoint_map_root(text) == _b64(v["map_root"])
    elif v["check"] == "answer":
        answer = json.loads(v["answer"])
        logged = tlog.answer_commitment(answer["log"])
        found = directory.read_answer(200, answer, v["username"], public, int(v["now"]), 0, logged)
        assert found.keys == (_b64(v["public_key_message"]), _b64(v["public_key_sign"]))
        assert directory.signed_bytes(v["username"], found.serial, found.issued_at, found.expires_at,
                                      found.keys, logged) == _b64(v["signed"])
        tlog.verify_log_member(answer["log"], v["username"], found.serial, found.keys, public, origin)
    elif v["check"] == "inclusion":
        keys = (_b64(v["public_key_message"]), _b64(v["public_key_sign"]))
        tlog.verify_log_member(json.loads(v["log"]), v["username"], int(v["serial"]), keys, public, origin)
    elif v["check"] == "consistency":
        tlog.verify_consistency(int(v["size1"]), _b64(v["root1"]), int(v["size2"]), _b64(v["root2"]),
                                tlog.decode_proof(json.loads(v["proof"])))
    else:
        raise AssertionError("unknown check %r" % v["check"])


def test_the_generator_writes_the_files_as_they_are(tmp_path):
    generate.write(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in FILES]
    for path in FILES:
        assert (tmp_path / path.name).read_text() == path.read_text(), path.name


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_each_vector_gives_its_expect(path):
    vector = _read(path)
    if vector["expect"] == "ok":
        _check(vector)
    else:
        with pytest.raises({"LogError": tlog.LogError, "DirectoryError": DirectoryError}[vector["expect"]]):
            _check(vector)


# The board's checks of the same vectors: no note signature of its own (the
# answer's "lookup logged" signature covers the log state), so the
# checkpoint vectors are the host's alone.
BOARD = """
import json
from nes.crypto import b64
from nes.proto import tlog
from nes.proto.logstate import commitment
from nes.proto.directory import read_answer
from nes.proto.errors import DirectoryError
for v in json.loads(%r):
    try:
        if v["check"] == "consistency":
            tlog.verify_consistency(int(v["size1"]), b64.decode(v["root1"]), int(v["size2"]),
                                    b64.decode(v["root2"]), tlog.proof_hashes(json.loads(v["proof"])))
        elif v["check"] == "map":
            if tlog.map_root(v["username"], b64.decode(v["value"]), v["map"]) != b64.decode(v["map_root"]):
                raise DirectoryError("map root")
        else:
            public = b64.decode(v["vkey"].split("+", 2)[2])[1:]
            if v["check"] == "answer":
                answer = json.loads(v["answer"])
                logged, head = commitment(answer["log"])
                keys, serial = read_answer(200, answer, v["username"], public, int(v["now"]), 0, logged)[:2]
            else:
                answer = {"log": json.loads(v["log"])}
                keys = b64.decode(v["public_key_message"]), b64.decode(v["public_key_sign"])
                head, serial = commitment(answer["log"])[1], int(v["serial"])
            tlog.check(answer["log"], head, v["username"], serial, keys[0], keys[1], None)
        print(v["name"], "ok")
    except DirectoryError as exc:
        print(v["name"], "error", exc)
"""


def test_the_board_gives_each_vectors_expect(micropython):
    vectors = [dict(_read(p), name=p.stem) for p in FILES]
    board = [v for v in vectors if v["check"] in ("inclusion", "answer", "consistency", "map")]
    assert len(board) == 12
    run = micropython(BOARD % json.dumps(board), heapsize="96k").check()
    got = dict(line.split(" ", 1) for line in run.stdout.splitlines())
    for v in board:
        assert got[v["name"]].split(" ", 1)[0] == ("ok" if v["expect"] == "ok" else "error"), (
            v["name"], got[v["name"]])


def test_the_logged_statement_hashes_in_as_many_sha512_blocks_as_the_plain_one():
    """PROTOCOL.md §10: Ed25519 verification hashes R || A || the signed bytes
    with SHA-512 (the firmware's own code on a board); the log state is
    hashed to 32 bytes so that the longest username still takes two blocks."""
    keys = (b"\1" * 32, b"\2" * 32)

    def blocks(data):
        return (64 + len(data) + 17 + 127) // 128
    for name in ("abc", "x" * 32):
        plain = directory.signed_bytes(name, 2**53 - 1, 2**53 - 1, 2**53 - 1, keys)
        logged = directory.signed_bytes(name, 2**53 - 1, 2**53 - 1, 2**53 - 1, keys, b"\3" * 32)
        assert blocks(logged) == blocks(plain) == 2
