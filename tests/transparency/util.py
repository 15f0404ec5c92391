"""Helpers of the transparency tests."""
import os

from host_tools.protocol import tlog


def append_many(accounts, count, prefix="user", now=1_765_000_000):
    """Append `count` activations of fresh random keys straight to a server's
    log (in one transaction); returns their names."""
    names = ["%s%04d" % (prefix, i) for i in range(count)]
    with accounts.store.transaction() as tx:
        for i, name in enumerate(names):
            accounts.log.append(tx, tlog.ACTIVATE, name, (os.urandom(32), os.urandom(32)), now + i)
    return names
