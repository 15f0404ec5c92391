"""The board (firmware/nes/proto/tlog.py through nes.peers and nes.keyserver,
under the MicroPython unix port with a 96 KiB heap, the .mpy tree the board
build makes: FIRMWARE.md, Memory)
pins keys only with a transparency-log proof: the answer signed with the log
state (checkpoint and name map) its proofs are against, the entry in the
checkpoint's tree and the name map's latest for the name, the tree extending
the one the board kept on flash, and, on a board provisioned with a witness
key, the checkpoint cosigned by that witness. It refuses an unlogged key, a
superseded key, a log state the answer is not signed with, a smaller
checkpoint, a forked log and a split view; nes.trust's keys go through the
same checks."""
import base64
import json
import os
import time

import pytest

from host_tools.protocol import directory, tlog
from keyserver.tlog import entries
from tests.firmware.test_envelope import compiled_firmware  # noqa: F401 (a fixture)
from tests.transparency import liars
from tests.transparency.util import append_many

STEP = """
from nes.crypto import b64
from nes.peers import Peers
from nes.proto.cosignature import parse_key
witness = %r
peers = Peers(%r, b64.decode(%r), %r, witness=witness and parse_key(witness))
try:
    print("->", [b64.encode_str(k) for k in getattr(peers, %r)(%r)])
except Exception as exc:
    print("->", type(exc).__name__, exc)
"""


@pytest.fixture
def board(micropython, tmp_path, compiled_firmware):  # noqa: F811
    """board(server_url, server_key_b64, name, witness=None, home="board", op="keys")
    -> the outcome line of nes.peers' `op` (keys or trust) for `name` on the
    board whose flash is tmp_path/home, provisioned with the witness verifier
    key `witness` (or none); .kept(home) -> its log checkpoint file's lines."""
    def step(url, key_b64, name, witness=None, home="board", op="keys"):
        flash = tmp_path / home
        flash.mkdir(exist_ok=True)
        script = STEP % (witness, url, key_b64, str(flash / "peers.json"), op, name)
        run = micropython(script, heapsize="96k",
                          extra_path=[compiled_firmware], cwd=flash).check()  # with the unix board module
        return run.stdout.splitlines()[-1]

    step.kept = lambda home="board": (tmp_path / home / "log").read_text().splitlines()
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


def test_a_board_with_a_witness_key_refuses_a_split_view(board, keyserver_factory, witness, tmp_path):
    """Two instances with one key and one origin, two histories: the witness
    cosigned the first (it was served first), so a board that requires its
    cosignature refuses the other log's answers; one without a witness key
    takes the split view, as nothing else tells the two apart."""
    url, vkey = witness
    config = {"SERVER_KEY_FILE": str(tmp_path / "server.key"), "LOG_WITNESSES": "%s %s" % witness,
              "LOG_ORIGIN": entries.DEFAULT_ORIGIN}
    honest, split = keyserver_factory(**config), keyserver_factory(**config)
    alice = honest.register_and_activate("alice")
    split.register_and_activate("alice")  # the server's own keys for alice, in another log
    assert board(honest.url, honest.public_key_b64, "alice", vkey, "one") == "-> %s" % _keys(alice)
    witness_name, witness_public = tlog.parse_verifier_key(vkey, tlog.COSIGNATURE_TYPE)
    assert board.kept("one")[3] == tlog.key_id(witness_name, witness_public, tlog.COSIGNATURE_TYPE).hex()
    assert board(split.url, split.public_key_b64, "alice", vkey, "two") == (
        "-> DirectoryError log: the checkpoint is not cosigned by the witness")
    assert not (tmp_path / "two" / "log").exists()
    assert board(split.url, split.public_key_b64, "alice", None, "three").startswith("-> [")
    # The honest log grows: the witness cosigns the extension, the board moves on.
    bob = honest.register_and_activate("bob")
    assert board(honest.url, honest.public_key_b64, "bob", vkey, "one") == "-> %s" % _keys(bob)
    assert board.kept("one")[1] == "2"


def test_a_board_checks_the_cosignature_only_when_its_checkpoint_changes(board, keyserver_factory, witness,
                                                                          json_server, tmp_path):
    """The kept checkpoint's cosignature verified when it was kept: an answer
    at that same checkpoint needs no Ed25519 verification again (its line may
    even be missing), one at a new checkpoint does."""
    url, vkey = witness
    server = keyserver_factory(SERVER_KEY_FILE=str(tmp_path / "server.key"),
                               LOG_WITNESSES="%s %s" % witness, LOG_ORIGIN=entries.DEFAULT_ORIGIN)
    server.register_and_activate("alice")
    bob = server.register_and_activate("bob")
    assert board(server.url, server.public_key_b64, "alice", vkey).startswith("-> [")
    note = bob["log"]["checkpoint"]
    text, signatures = tlog.split_note(note)
    assert len(signatures) == 2  # the server's and the witness's
    bare = tlog.sign_note(text, server.accounts.log.origin, server.accounts.server_key.seed)
    unwitnessed = dict(bob, log=dict(bob["log"], checkpoint=bare))
    liar = liars.proxy(json_server, server, {"/users/bob": unwitnessed})
    assert board(liar.url, server.public_key_b64, "bob", vkey) == "-> %s" % _keys(bob)  # the kept one
    append_many(server.accounts, 3)
    server.register_and_activate("carol")
    carol = server.get("/users/carol?since=2").json()  # with the consistency proof the board needs
    text = tlog.split_note(carol["log"]["checkpoint"])[0]
    bare = tlog.sign_note(text, server.accounts.log.origin, server.accounts.server_key.seed)
    liar = liars.proxy(json_server, server, {"/users/carol": dict(carol, log=dict(carol["log"], checkpoint=bare))})
    assert board(liar.url, server.public_key_b64, "carol", vkey) == (
        "-> DirectoryError log: the checkpoint is not cosigned by the witness")
    assert board.kept()[1] == "2"


def test_a_re_trusted_key_is_checked_against_the_log(board, keyserver, json_server):
    """nes.trust(name) replaces a pin only with keys the log proves, as a
    first pin: a key signed as the plain statement, without the log, is
    refused; alice's real new keys are taken."""
    keyserver.register_and_activate("alice")
    assert board(keyserver.url, keyserver.public_key_b64, "alice").startswith("-> [")
    serial = keyserver.accounts.store.answer("alice")[2]
    now = int(time.time())
    forged = directory.sign_answer(keyserver.accounts.server_key.seed, "alice", serial + 1, now, now + 3600,
                                   (os.urandom(32), os.urandom(32)))
    liar = liars.proxy(json_server, keyserver, {"/users/alice": forged})
    assert board(liar.url, keyserver.public_key_b64, "alice", op="trust") == "-> DirectoryError log: no proof"
    assert keyserver.deactivate("alice")[0] == 200
    current = keyserver.register_and_activate("alice")
    assert board(keyserver.url, keyserver.public_key_b64, "alice", op="trust") == "-> %s" % _keys(current)
    assert board.kept()[1] == "3"


def test_nes_provision_gives_the_board_the_hosts_witness_key(nes_factory, mosquitto, keyserver_factory, witness,
                                                             vboard_factory, tmp_path):
    """LOG_WITNESS_KEY (here as NES_LOG_WITNESS_KEY), the witness the host
    requires, goes into the board's config.json as keyserver.witness; the
    board starts with it."""
    url, vkey = witness
    server = keyserver_factory(SERVER_KEY_FILE=str(tmp_path / "server.key"), LOG_WITNESSES="%s %s" % witness,
                               LOG_ORIGIN=entries.DEFAULT_ORIGIN)
    host = nes_factory("alice").join(mosquitto, server)
    board = vboard_factory(install=False)
    host.run("provision", "--port", board.port, "--board", "unix", "--user", "board1", "--email",
             "board1@example.org", env={"NES_LOG_WITNESS_KEY": vkey}, timeout=600).ok()
    config = json.loads((board.dir / "nesdata" / "config.json").read_text())
    assert config["keyserver"]["witness"] == vkey
    board.wait_for("nes: running", after=board.output().rindex("NES-PUBLIC"))
