"""Several key-server instances appending to one PostgreSQL database at once
(one engine each, as separate processes would have) are serialised by the
log's advisory lock: every entry gets its own index, the per-name serials go
up by one, and the tree the checkpoint signs is the tree of the entries."""
import os
import threading

import pytest

from host_tools.protocol import tlog
from keyserver import serverkey
from keyserver.store import Store
from keyserver.tlog.log import Log
from tests.transparency import reader

pytestmark = pytest.mark.postgres

INSTANCES = 3
APPENDS = 15


def test_instances_appending_at_once_make_one_log(postgres_cluster, tmp_path, keyserver_factory):
    url = postgres_cluster.create_database()
    key_file = str(tmp_path / "server.key")
    key = serverkey.create(key_file)
    Store(url).create_schema()
    start = threading.Barrier(INSTANCES)
    failures = []

    def instance(number):
        store = Store(url)
        log = Log(store.engine, key, "nes-keyserver/log")
        try:
            start.wait()
            for i in range(APPENDS):
                # Every instance changes the same names: the serials race too.
                with store.transaction() as tx:
                    log.append(tx, tlog.ACTIVATE, "name%02d" % (i % 4),
                               (os.urandom(32), bytes([number]) * 32), i)
        except Exception as exc:  # reported below, in the test's thread
            failures.append(exc)
        finally:
            store.dispose()

    threads = [threading.Thread(target=instance, args=(n,)) for n in range(INSTANCES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []

    server = keyserver_factory(DATABASE_URL=url, SERVER_KEY_FILE=key_file, LOG_ORIGIN="nes-keyserver/log")
    size, _, entries = reader.read_log(server.url + "/log", "nes-keyserver/log", key.public)
    assert size == INSTANCES * APPENDS
    serials = {}
    for entry in map(tlog.decode_entry, entries):
        serials.setdefault(entry["name"], []).append(entry["serial"])
    assert all(s == list(range(1, len(s) + 1)) for s in serials.values())
