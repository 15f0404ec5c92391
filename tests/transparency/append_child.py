"""A process appending to a key server's log, for the crash test: `python -m
tests.transparency.append_child DATABASE_URL KEY_FILE COUNT` appends COUNT
entries (one transaction each, printing "appended N"), then starts one more
and stops in its middle — entry and hashes written, head not yet — printing
"mid-append", and waits there to be killed."""
import os
import sys
import time

from host_tools.protocol import tlog
from keyserver import serverkey
from keyserver.store import Store
from keyserver.tlog import log, tree


def main(url, key_file, count):
    store = Store(url)
    store.create_schema()
    the_log = log.Log(store.engine, serverkey.load(key_file), "crash.test/log")

    def keys():
        return os.urandom(32), os.urandom(32)

    for i in range(count):
        with store.transaction() as tx:
            the_log.append(tx, tlog.ACTIVATE, "user%04d" % i, keys(), 1_765_000_000 + i)
        print("appended %d" % (i + 1), flush=True)

    def hang(size, get):
        print("mid-append", flush=True)
        while True:
            time.sleep(60)

    tree.root = hang
    with store.transaction() as tx:
        the_log.append(tx, tlog.ACTIVATE, "victim", keys(), 1_765_000_000 + count)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
