"""Registered users for the lookup runs, written straight into the key
server's store (not through HTTP): active rows u0000000, u0000001, ... with
SQLAlchemy Core executemany on SQLite and COPY on PostgreSQL.

The first SIGNED rows carry real keys and a real server signature, so a
client can verify them; the rest carry random keys and a well-formed
placeholder signature (88 b64 characters). A lookup is a primary-key read
that returns the stored text either way, so its cost does not depend on it."""
import base64
import os
import time

from sqlalchemy import insert

from host_tools.protocol import directory
from keyserver.serverkey import ServerKey
from keyserver.store import ACTIVE, users
from keyserver.tlog import entries as log_entries

SIGNED = 1000
_BATCH = 50_000
_COLUMNS = ("username", "email", "public_key_message", "public_key_sign", "signature",
            "state", "created_at", "expires_at")


def username(i):
    return "u%07d" % i


def _row(name, message_key, sign_key, signature, now):
    b64 = base64.b64encode
    return (name, name + "@bench.invalid", b64(message_key).decode(), b64(sign_key).decode(),
            signature, ACTIVE, now, None)


def _rows(start, stop, server_seed, now):
    for i in range(start, stop):
        name = username(i)
        raw = os.urandom(128)
        message_key, sign_key = raw[:32], raw[32:64]
        if i < SIGNED:
            signature = directory.sign_lookup(server_seed, name, message_key, sign_key)
        else:
            signature = base64.b64encode(raw[64:]).decode()
        yield _row(name, message_key, sign_key, signature, now)


def _insert_sqlalchemy(store, rows):
    batch = []
    with store.engine.begin() as conn:
        for row in rows:
            batch.append(dict(zip(_COLUMNS, row)))
            if len(batch) == _BATCH:
                conn.execute(insert(users), batch)
                batch = []
        if batch:
            conn.execute(insert(users), batch)


def _insert_copy(store, rows):
    raw = store.engine.raw_connection()
    try:
        with raw.cursor() as cur:
            with cur.copy("COPY users (%s) FROM STDIN" % ", ".join(_COLUMNS)) as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute("ANALYZE users")
        raw.commit()
    finally:
        raw.close()


def _insert(store, rows):
    if store.backend == "postgresql":
        _insert_copy(store, rows)
    else:
        _insert_sqlalchemy(store, rows)


def add_users(store, start, stop, server_seed):
    """Insert users start..stop-1 and append their activations to the
    transparency log, as activating them would; return the seconds it took."""
    t0 = time.monotonic()
    now = int(time.time())
    _insert(store, _rows(start, stop, server_seed, now))
    log_entries.backfill(log_entries.make_log(store, ServerKey(server_seed), {}), store, now)
    return time.monotonic() - t0


def add_named(store, server_seed, keys):
    """Insert active users {name: (message_public, sign_public)} with real signatures."""
    now = int(time.time())
    _insert(store, (_row(name, m, s, directory.sign_lookup(server_seed, name, m, s), now)
                    for name, (m, s) in keys.items()))
