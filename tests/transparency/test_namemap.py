"""The name map (docs/TRANSPARENCY.md §4) as the server keeps it: after
appends in any order, re-registrations and a backfill, its root is the root
of the map recomputed from the log's entries alone, each name's proof gives
that root for its latest entry only, and the checkpoint commits to it."""
import os

from sqlalchemy import select

from host_tools.protocol import tlog
from keyserver import serverkey
from keyserver.store import Store
from keyserver.tlog import namemap, tables
from keyserver.tlog.log import Log, read_head


def _log(tmp_path):
    store = Store("sqlite:///%s" % (tmp_path / "map.sqlite3"))
    store.create_schema()
    key = serverkey.create(str(tmp_path / "server.key"))
    return store, Log(store.engine, key, "map.test/log")


def _latest(entries):
    """name -> leaf hash of its latest entry, from the entries alone."""
    latest = {}
    for data in entries:
        latest[tlog.decode_entry(data)["name"]] = tlog.leaf_hash(data)
    return latest


def test_the_map_root_is_the_map_of_the_latest_entries(tmp_path):
    store, log = _log(tmp_path)
    names = ["n%03d" % i for i in range(40)]
    try:
        for i, name in enumerate(names + names[::3] + names[5:9]):  # some names change twice
            with store.transaction() as tx:
                log.append(tx, tlog.ACTIVATE if i < len(names) else tlog.CHANGE, name,
                           (os.urandom(32), os.urandom(32)), 1_765_000_000 + i)
        with store.engine.connect() as conn:
            size, _, map_root = read_head(conn)
            entries = [bytes(d) for d in conn.execute(_entries()).scalars()]
            latest = _latest(entries)
            assert map_root == tlog.map_root_of(sorted((tlog.map_key(n), v) for n, v in latest.items()))
            for name, leaf in latest.items():
                proof = namemap.proof(conn, tlog.map_key(name))
                tlog.verify_map(name, leaf, proof, map_root)
            stale = tlog.leaf_hash(entries[0])  # n000's first entry, since superseded
            proof = namemap.proof(conn, tlog.map_key("n000"))
            try:
                tlog.verify_map("n000", stale, proof, map_root)
            except tlog.LogError as exc:
                assert "not the name's latest entry" in str(exc)
            else:
                raise AssertionError("a superseded entry passed the map proof")
        with store.transaction() as tx:  # the bulk rebuild (backfill) stores the same map
            assert namemap.rebuild(tx.conn) == map_root
        with store.engine.connect() as conn:
            for name, leaf in latest.items():
                tlog.verify_map(name, leaf, namemap.proof(conn, tlog.map_key(name)), map_root)
        note = log.checkpoint()
        text = tlog.open_note(note, "map.test/log", log.server_key.public)
        assert tlog.checkpoint_map_root(text) == map_root
        assert tlog.parse_checkpoint(text)[1] == size == len(entries)
    finally:
        store.dispose()


def _entries():
    return select(tables.entries.c.data).order_by(tables.entries.c.idx)


def test_an_empty_and_a_one_name_map(tmp_path):
    store, log = _log(tmp_path)
    try:
        with store.engine.connect() as conn:
            assert read_head(conn)[2] == tlog.MAP_EMPTY
        with store.transaction() as tx:
            log.append(tx, tlog.ACTIVATE, "solo", (b"\1" * 32, b"\2" * 32), 1)
        with store.engine.connect() as conn:
            leaf = tlog.leaf_hash(conn.execute(_entries()).scalar_one())
            assert namemap.proof(conn, tlog.map_key("solo")) == []
            assert read_head(conn)[2] == tlog.map_leaf(tlog.map_key("solo"), leaf)
    finally:
        store.dispose()
