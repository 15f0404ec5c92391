"""`nes monitor`: reads the log from where its last run stopped, checks it
against the signed checkpoint and the checkpoints seen before, reports the
entries of the watched names, exits 3 when a watched name shows keys this
host did not register, and fails when the log's history was rewritten or
the checkpoint's name map is not the map of the entries."""
import json
import os

from sqlalchemy import update

from host_tools.commands.monitor import UNEXPECTED_KEY
from host_tools.protocol import tlog
from keyserver.tlog import tables
from tests.transparency.util import append_many


def test_monitor_reports_the_entries_of_the_names_registered_here(nes_factory, mosquitto, keyserver):
    alice = nes_factory("alice").join(mosquitto, keyserver)
    keyserver.register_and_activate("bob")
    report = json.loads(alice.run("monitor", "--json").ok().stdout)
    assert (report["origin"], report["size"], report["from"], report["unexpected"]) == (
        keyserver.accounts.log.origin, 2, 0, 0)
    assert report["names"] == ["alice"]
    [entry] = report["entries"]
    assert (entry["index"], entry["kind"], entry["name"], entry["serial"], entry["registered_here"]) == (
        0, "activate", "alice", 1, True)
    assert entry["public_key_sign"] == alice.key("ed25519-sign.pub")

    append_many(keyserver.accounts, 3)
    again = json.loads(alice.run("monitor", "--json").ok().stdout)
    assert (again["from"], again["size"], again["entries"]) == (2, 5, [])
    text = alice.run("monitor", "bob").ok().stdout
    assert "entries 5 to 5 read and verified; watching bob" in text


def test_monitor_exits_non_zero_when_the_server_logs_a_key_for_a_watched_name(
        nes_factory, mosquitto, keyserver):
    alice = nes_factory("alice").join(mosquitto, keyserver)
    alice.run("monitor").ok()
    # A coerced server publishes its own key for alice: to be served, it must be logged.
    with keyserver.accounts.store.transaction() as tx:
        keyserver.accounts.log.append(tx, tlog.CHANGE, "alice", (b"\x01" * 32, b"\x02" * 32),
                                      1_765_000_000)
    result = alice.run("monitor")
    assert result.returncode == UNEXPECTED_KEY, result.stderr
    assert "change     alice serial 2" in result.stdout
    assert "NOT REGISTERED HERE" in result.stdout
    assert "WARNING: 1 entry with keys not registered from here" in result.stdout


def test_monitor_fails_on_a_rewritten_history(nes_factory, mosquitto, keyserver_factory, tmp_path):
    shared_key = {"SERVER_KEY_FILE": str(tmp_path / "server.key"), "LOG_ORIGIN": "keys.test/log"}
    honest, rewritten = keyserver_factory(**shared_key), keyserver_factory(**shared_key)
    alice = nes_factory("alice").join(mosquitto, honest)
    append_many(honest.accounts, 2)
    alice.run("monitor").ok()
    append_many(rewritten.accounts, 5, prefix="other")  # same key, another history
    alice.run("config", "PUBKEY_ADDRESS", rewritten.url).ok()
    line = alice.run("monitor").failed()
    assert line == ("nes: the key server's transparency log does not verify: the log's "
                    "entries do not extend the tree read before to its checkpoint (a rewritten history)")


def test_monitor_fails_when_the_checkpoint_lies_about_the_name_map(nes_factory, mosquitto, keyserver):
    """A server whose checkpoint commits to a name map that is not the map of
    its entries (so that it can prove a superseded key "latest")."""
    alice = nes_factory("alice").join(mosquitto, keyserver)
    alice.run("monitor").ok()
    append_many(keyserver.accounts, 2)
    with keyserver.accounts.store.transaction() as tx:
        tx.conn.execute(update(tables.head).values(map_root=os.urandom(32)))
    result = alice.run("monitor")
    assert result.returncode == 1, result.stdout
    assert "the checkpoint's name map is not the map of the log's entries" in result.stderr
