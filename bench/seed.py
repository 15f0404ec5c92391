"""Registered users for the lookup runs, written straight into the key
server's store (not through HTTP): active rows u0000000, u0000001, ... in
`users` and their stored lookup answers in `names` (serial 1), with
SQLAlchemy Core executemany on SQLite and COPY on PostgreSQL.

The first SIGNED answers carry real keys and a real server signature, so a
client can verify them; the rest carry random keys and a placeholder signature
of the same length. A lookup is a primary-key read that returns the stored
bytes either way, so its cost does not depend on it."""
import base64
import json
import os
import time

from sqlalchemy import insert

from host_tools.protocol import directory
from keyserver.serverkey import ServerKey
from keyserver.store import ACTIVE, names, users
from keyserver.tlog import entries as log_entries

SIGNED = 1000
VALIDITY = 86400
_BATCH = 50_000
_USER_COLUMNS = ("username", "email", "public_key_message", "public_key_sign", "signature",
                 "state", "created_at", "expires_at")
_NAME_COLUMNS = ("username", "serial", "status", "answer", "issued_at", "expires_at")


def username(i):
    return "u%07d" % i


def _answer(name, keys, server_seed, now, signed):
    answer = directory.sign_answer(server_seed, name, 1, now, now + VALIDITY, keys) if signed else {
        "response": {"username": name, "public_key_message": base64.b64encode(keys[0]).decode(),
                     "public_key_sign": base64.b64encode(keys[1]).decode(), "serial": 1,
                     "issued_at": now, "expires_at": now + VALIDITY},
        "signature": base64.b64encode(os.urandom(64)).decode()}
    return json.dumps(answer, separators=(",", ":")).encode("ascii")


def _rows(named, server_seed, now):
    """(users row, names row) of each (name, keys, signed)."""
    for name, keys, signed in named:
        body = _answer(name, keys, server_seed, now, signed)
        b64 = [base64.b64encode(k).decode() for k in keys]
        yield ((name, name + "@bench.invalid", *b64, json.loads(body)["signature"], ACTIVE, now, None),
               (name, 1, directory.KEYS, body, now, now + VALIDITY))


def _numbered(start, stop):
    for i in range(start, stop):
        raw = os.urandom(64)
        yield username(i), (raw[:32], raw[32:]), i < SIGNED


def _insert_sqlalchemy(store, rows):
    batches = ([], [])
    with store.engine.begin() as conn:
        for pair in rows:
            for batch, row, columns in zip(batches, pair, (_USER_COLUMNS, _NAME_COLUMNS)):
                batch.append(dict(zip(columns, row)))
            if len(batches[0]) == _BATCH:
                conn.execute(insert(users), batches[0])
                conn.execute(insert(names), batches[1])
                batches = ([], [])
        if batches[0]:
            conn.execute(insert(users), batches[0])
            conn.execute(insert(names), batches[1])


def _insert_copy(store, rows):
    name_rows = []
    raw = store.engine.raw_connection()
    try:
        with raw.cursor() as cur:
            with cur.copy("COPY users (%s) FROM STDIN" % ", ".join(_USER_COLUMNS)) as copy:
                for user_row, name_row in rows:
                    copy.write_row(user_row)
                    name_rows.append(name_row)
            with cur.copy("COPY names (%s) FROM STDIN" % ", ".join(_NAME_COLUMNS)) as copy:
                for row in name_rows:
                    copy.write_row(row)
            cur.execute("ANALYZE users")
            cur.execute("ANALYZE names")
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
    _insert(store, _rows(_numbered(start, stop), server_seed, now))
    log_entries.backfill(log_entries.make_log(store, ServerKey(server_seed), {}), store, now)
    return time.monotonic() - t0


def add_named(store, server_seed, keys):
    """Insert active users {name: (message_public, sign_public)} with real signatures."""
    _insert(store, _rows(((name, pair, True) for name, pair in keys.items()), server_seed,
                         int(time.time())))
