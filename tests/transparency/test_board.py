"""The board (firmware/nes/proto/tlog.py through nes.peers and nes.keyserver,
under the MicroPython unix port with a 96 KiB heap, the .mpy tree the board
build makes: FIRMWARE.md, Memory)
pins keys only with a transparency-log proof: the answer signed with the log
state (checkpoint and name map) its proofs are against, the entry in the
checkpoint's tree and the name map's latest for the name, the tree extending
the one the board kept on flash. It refuses an unlogged key, a superseded
key, a log state the answer is not signed with, a smaller checkpoint and a
forked log."""
import base64
import os

import pytest

from host_tools.protocol import tlog
from tests.firmware.test_envelope import compiled_firmware  # noqa: F401 (a fixture)
from tests.transparency import liars
from tests.transparency.util import append_many

STEP = """
from nes.crypto import b64
from nes.peers import Peers
peers = Peers(%r, b64.decode(%r), %r)
try:
    print("->", [b64.encode_str(k) for k in peers.keys(%r)])
except Exception as exc:
    print("->", type(exc).__name__, exc)
"""


@pytest.fixture
def board(micropython, tmp_path, compiled_firmware):  # noqa: F811
    """board(server_url, server_key_b64, name) -> the outcome line of nes.peers keys(name);
    .kept() -> the log checkpoint file's lines."""
    def step(url, key_b64, name):
        run = micropython(STEP % (url, key_b64, str(tmp_path / "peers.json"), name), heapsize="96k",
                          extra_path=[compiled_firmware], cwd=tmp_path).check()  # with the unix board module
        return run.stdout.splitlines()[-1]

    step.kept = lambda: (tmp_path / "log").read_text().splitlines()
    return step


def _keys(answer):
    return [answer["response"]["public_key_message"], answer["response"]["public_key_sign"]]


def test_a_board_pins_logged_keys_and_keeps_the_newest_checkpoint(board, keyserver):
    alice = keyserver.register_and_activate("alice")
    assert board(keyserver.url, keyserver.public_key_b64, "alice") == "-> %s" % _keys(alice)
    origin = keyserver.accounts.log.origin
    size, root = tlog.open_checkpoint(keyserver.get("/log/checkpoint").text, origin, keyserver.public_key)
    assert board.kept() == [origin, "1", base64.b64encode(root).decode()]
    append_many(keyserver.accounts, 300)
    bob = keyserver.register_and_activate("bob")
    assert board(keyserver.url, keyserver.public_key_b64, "bob") == "-> %s" % _keys(bob)
    assert board.kept()[1] == "302"  # reached with a consistency proof from size 1


def test_a_board_refuses_a_signed_key_that_is_not_logged(board, keyserver, json_server):
    honest = keyserver.register_and_activate("alice")
    forged = liars.signed_answer(keyserver, "alice", (os.urandom(32), os.urandom(32)), honest["log"])
    liar = liars.proxy(json_server, keyserver, {"/users/alice": forged})
    assert board(liar.url, keyserver.public_key_b64, "alice") == (
        "-> DirectoryError log: inclusion proof does not match the checkpoint")
    unproved = {k: v for k, v in honest.items() if k != "log"}
    bare = liars.proxy(json_server, keyserver, {"/users/alice": unproved})
    assert board(bare.url, keyserver.public_key_b64, "alice") == "-> DirectoryError log: no proof"


def test_a_board_refuses_a_superseded_key(board, keyserver, json_server):
    """alice's first keys are logged (entry 0), with a valid inclusion proof,
    but the name map the checkpoint commits to holds her newest entry."""
    liar, stale, current = liars.superseded(json_server, keyserver, "alice")
    assert _keys(stale) != _keys(current)
    assert board(liar.url, keyserver.public_key_b64, "alice") == (
        "-> DirectoryError log: not the name's latest entry (map proof)")
    assert board(keyserver.url, keyserver.public_key_b64, "alice") == "-> %s" % _keys(current)


def test_a_board_refuses_a_log_state_the_answer_is_not_signed_with(board, keyserver, json_server):
    """The checkpoint's note is validly signed, but the answer's signature
    covers another log state: the board checks only the answer's signature."""
    keyserver.register_and_activate("alice")
    honest = keyserver.lookup("alice", "?log=1")[1]
    keyserver.register_and_activate("bob")
    moved = dict(honest, log=dict(honest["log"], checkpoint=keyserver.accounts.log.checkpoint(),
                                  proof=tlog.encode_proof(keyserver.accounts.log.inclusion(0, 2)),
                                  map=keyserver.accounts.log.lookup_proof("alice")["map"]))
    liar = liars.proxy(json_server, keyserver, {"/users/alice": moved})
    assert board(liar.url, keyserver.public_key_b64, "alice") == (
        "-> DirectoryError key-server signature does not verify with the pinned key")


def test_a_board_refuses_a_smaller_checkpoint_and_a_fork(board, keyserver_factory, tmp_path):
    shared_key = {"SERVER_KEY_FILE": str(tmp_path / "server.key"), "LOG_ORIGIN": "keys.test/log"}
    seen, fork = keyserver_factory(**shared_key), keyserver_factory(**shared_key)
    seen.register_and_activate("alice")
    seen.register_and_activate("bob")
    fork.register_and_activate("alice")
    assert board(seen.url, seen.public_key_b64, "bob").startswith("-> [")
    assert board(fork.url, fork.public_key_b64, "alice") == (
        "-> DirectoryError log: checkpoint older than the one kept")
    fork.register_and_activate("carol")
    assert board(fork.url, fork.public_key_b64, "carol") == (
        "-> DirectoryError log: two different trees of one size")
    fork.register_and_activate("dave")
    assert board(fork.url, fork.public_key_b64, "dave") == (
        "-> DirectoryError log: consistency proof does not match")
