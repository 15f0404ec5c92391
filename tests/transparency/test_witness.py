"""A witness process (keyserver/tlog/witness.py) cosigns the checkpoints of a
log only when they extend the last one it cosigned. A key server showing two
different logs to two clients (a split view: two instances with one key, one
origin, two histories) gets the witness's cosignature for one of them only;
a client that requires the cosignature refuses the other."""
import os

import pytest

from host_tools.keyserver_client import KeyServer
from host_tools.protocol import tlog
from host_tools.transparency import LogState
from keyserver.tlog import entries
from tests.fixtures.keyserver import http


def test_a_split_view_is_caught_by_the_witness(keyserver_factory, witness, tmp_path):
    url, witness_vkey = witness
    config = {"SERVER_KEY_FILE": str(tmp_path / "server.key"), "LOG_WITNESSES": "%s %s" % witness,
              "LOG_ORIGIN": entries.DEFAULT_ORIGIN}
    honest, split = keyserver_factory(**config), keyserver_factory(**config)
    honest.register_and_activate("alice")
    split.register_and_activate("alice")  # the same name with the server's own keys, in another log

    def client(server, name, witness_key=witness_vkey):
        return KeyServer(server.url, server.public_key, LogState(tmp_path / name), witness_key)

    honest_note = honest.get("/log/checkpoint").text
    assert tlog.verify_cosignature(honest_note, *tlog.parse_verifier_key(witness_vkey, tlog.COSIGNATURE_TYPE))
    client(honest, "bob.json").lookup("alice")
    with pytest.raises(Exception, match="not cosigned by the witness witness.test"):
        client(split, "carol.json").lookup("alice")
    # Without a witness, carol, who never saw the other log, would take the split view.
    client(split, "dave.json", witness_key=None).lookup("alice")

    # The honest log grows: the witness cosigns each extension.
    honest.register_and_activate("bob")
    client(honest, "bob.json").lookup("bob")
    assert tlog.verify_cosignature(honest.get("/log/checkpoint").text,
                                   *tlog.parse_verifier_key(witness_vkey, tlog.COSIGNATURE_TYPE))


def _add(url, old, proof, note):
    body = "old %d\n%s\n%s" % (old, "".join(h + "\n" for h in tlog.proof_lines(proof)), note)
    return http("POST", url + "/add-checkpoint", data=body.encode())


def test_the_witness_answers_as_c2sp_tlog_witness_says(keyserver_factory, witness, tmp_path):
    url, _ = witness
    server = keyserver_factory(SERVER_KEY_FILE=str(tmp_path / "server.key"),
                               LOG_ORIGIN=entries.DEFAULT_ORIGIN)
    server.register_and_activate("alice")
    first = server.get("/log/checkpoint").text
    assert _add(url, 0, [], first).status == 200
    server.register_and_activate("bob")
    second = server.get("/log/checkpoint").text
    stale = _add(url, 0, [], second)
    assert (stale.status, stale.text, stale.headers["Content-Type"]) == (409, "1\n", "text/x.tlog.size")
    bad = _add(url, 1, [os.urandom(32)], second)
    assert bad.status == 422
    good = _add(url, 1, server.accounts.log.consistency(1, 2), second)
    assert good.status == 200 and good.text.startswith("\u2014 witness.test ")
    other = tlog.sign_note(tlog.split_note(second)[0], entries.DEFAULT_ORIGIN, os.urandom(32))
    assert _add(url, 2, [], other).status == 403
    unknown = tlog.sign_note(tlog.checkpoint_text("other/log", 1, b"\0" * 32), "other/log", os.urandom(32))
    assert _add(url, 0, [], unknown).status == 404
    assert http("POST", url + "/add-checkpoint", data=b"nonsense").status == 400
