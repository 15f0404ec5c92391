"""`nes` checks every lookup answer against the transparency log before it
uses the keys (inclusion proof, checkpoint signature, the name map's proof,
consistency with the newest checkpoint it kept, no later entry for the name
in the log), and refuses the key
server's lies: a signed but unlogged key, a superseded key, a checkpoint older
than one seen, a rewritten history (a fork)."""
import base64
import json
import os

import pytest

from host_tools.keyserver_client import KeyServer
from host_tools.transparency import LogState, log_file
from tests.transparency import liars
from tests.transparency.util import append_many


@pytest.fixture
def client(tmp_path):
    """A key-server client with its own log state: client(server) -> KeyServer."""
    path = tmp_path / "log.json"
    return lambda server, url=None: KeyServer(url or server.url, server.public_key, LogState(path))


def _keys(answer):
    return tuple(base64.b64decode(answer["response"][k]) for k in ("public_key_message", "public_key_sign"))


def test_lookups_keep_the_newest_checkpoint_and_check_consistency(keyserver, client):
    keyserver.register_and_activate("alice")
    first = client(keyserver)
    first.lookup("alice")
    assert first.log_state.size == 1
    append_many(keyserver.accounts, 300)
    keyserver.register_and_activate("bob")
    second = client(keyserver)
    assert second.log_state.size == 1
    second.lookup("bob")
    second.lookup("alice")  # alice's entry is 0: all 301 later entries are read and checked
    saved = json.loads(open(second.log_state.path).read())
    assert (saved["size"], saved["origin"], saved["serials"]) == (
        302, keyserver.accounts.log.origin, {"alice": 1, "bob": 1})


def test_a_signed_key_that_is_not_in_the_log_is_refused(keyserver, client, json_server):
    honest = keyserver.register_and_activate("alice")
    forged = liars.signed_answer(keyserver, "alice", (os.urandom(32), os.urandom(32)), honest["log"])
    liar = liars.proxy(json_server, keyserver, {"/users/alice": forged})
    with pytest.raises(Exception, match="inclusion proof does not match"):
        client(keyserver, liar.url).lookup("alice")


def test_a_signed_key_without_a_log_proof_is_refused(keyserver, client, json_server):
    honest = keyserver.register_and_activate("alice")
    bare = {k: v for k, v in honest.items() if k != "log"}
    liar = liars.proxy(json_server, keyserver, {"/users/alice": bare})
    with pytest.raises(Exception, match="no transparency-log proof"):
        client(keyserver, liar.url).lookup("alice")


def test_a_superseded_key_is_refused(keyserver, client, json_server):
    liar, stale, current = liars.superseded(json_server, keyserver, "alice")
    assert _keys(stale) != _keys(current)
    with pytest.raises(Exception, match="map proof does not match the checkpoint: not the name's latest"):
        client(keyserver, liar.url).lookup("alice")
    assert client(keyserver).lookup("alice") == _keys(current)


def test_a_superseded_key_under_a_lying_name_map_is_refused(keyserver, client, json_server):
    """The server signs a checkpoint whose name map holds the old entry: the
    map proof passes, reading the log after the entry does not."""
    keyserver.register_and_activate("alice")
    assert keyserver.deactivate("alice")[0] == 200
    keyserver.register_and_activate("alice")
    stale = liars.logged_answer(keyserver, "alice", 0, forge_map=True)
    liar = liars.proxy(json_server, keyserver, {"/users/alice": stale})
    with pytest.raises(Exception, match="superseded by log entry 1 \\(deactivate, serial 2\\)"):
        client(keyserver, liar.url).lookup("alice")


def test_an_entry_older_than_one_seen_is_refused(keyserver, client, json_server):
    keyserver.register_and_activate("alice")
    seen = client(keyserver)
    seen.lookup("alice")
    seen.log_state.data["serials"]["alice"] = 2  # as if a later entry had been seen
    with pytest.raises(Exception, match="older \\(serial 1\\) than one seen before \\(serial 2\\)"):
        seen.lookup("alice")


def test_a_checkpoint_older_than_one_seen_is_refused(keyserver, client, json_server):
    keyserver.register_and_activate("alice")
    old = liars.logged_answer(keyserver, "alice", 0)  # proof and checkpoint at size 1
    keyserver.register_and_activate("bob")
    fresh = client(keyserver)
    fresh.lookup("bob")
    liar = liars.proxy(json_server, keyserver, {"/users/alice": old})
    with pytest.raises(Exception, match="older than one seen before"):
        KeyServer(liar.url, keyserver.public_key, fresh.log_state).lookup("alice")


def test_a_rewritten_history_is_refused(keyserver_factory, client, tmp_path):
    """Two logs under one key (a fork): a client that saw one refuses the other,
    whether the other is longer (no consistency) or the same size (two roots)."""
    shared_key = {"SERVER_KEY_FILE": str(tmp_path / "server.key"), "LOG_ORIGIN": "keys.test/log"}
    seen, fork = keyserver_factory(**shared_key), keyserver_factory(**shared_key)
    for server in (seen, fork):
        server.register_and_activate("alice")
        server.register_and_activate("carol")
    fork.register_and_activate("mallory")
    watcher = client(seen)
    watcher.lookup("alice")
    with pytest.raises(Exception, match="consistency proof does not match"):
        KeyServer(fork.url, fork.public_key, watcher.log_state).lookup("alice")
    seen.register_and_activate("bob")
    watcher.lookup("bob")
    with pytest.raises(Exception, match="two different trees of size 3"):
        KeyServer(fork.url, fork.public_key, watcher.log_state).lookup("alice")


def test_nes_refuses_an_unlogged_key_and_keeps_the_checkpoint(nes_factory, mosquitto, keyserver, json_server):
    honest = keyserver.register_and_activate("alice")
    forged = liars.signed_answer(keyserver, "alice", (os.urandom(32), os.urandom(32)), honest["log"])
    liar = liars.proxy(json_server, keyserver, {"/users/alice": forged})
    bob = nes_factory("bob").configure(mosquitto, keyserver)
    bob.run("keys", "--accept", "alice").ok()
    kept = json.loads((bob.nes_dir / log_file(keyserver.public_key)).read_text())
    assert kept["checkpoint"] == keyserver.get("/log/checkpoint").text
    carol = nes_factory("carol").configure(mosquitto, keyserver)
    carol.run("config", "PUBKEY_ADDRESS", liar.url).ok()
    line = carol.run("keys", "--accept", "alice").failed()
    assert line == ("nes: refusing the key server's answer for 'alice': inclusion proof does not "
                    "match the checkpoint")


def test_a_name_checked_before_is_checked_again_from_where_it_stopped(keyserver, client, json_server):
    keyserver.register_and_activate("alice")
    proxy = liars.proxy(json_server, keyserver, {})
    watcher = client(keyserver, proxy.url)
    watcher.lookup("alice")
    append_many(keyserver.accounts, 300)
    watcher.lookup("alice")
    assert [p for p in proxy.asked if "/entries/" in p] == [
        "/log/tile/entries/000.p/1", "/log/tile/entries/000", "/log/tile/entries/001.p/45"]
    del proxy.asked[:]
    append_many(keyserver.accounts, 3, prefix="more")
    watcher.lookup("alice")
    assert [p for p in proxy.asked if "/entries/" in p] == ["/log/tile/entries/001.p/48"]
