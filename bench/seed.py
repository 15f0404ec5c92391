"""Registered users for the lookup runs, written straight into the key
server's store (not through HTTP): active rows u0000000, u0000001, ... in
`users` and their stored lookup answers in `names` (serial 1), in one
transaction of plain DBAPI executemany on SQLite (a Store with BULK_PRAGMAS)
and COPY on PostgreSQL, then the activations appended to the transparency
log as the server's own backfill does.

The first SIGNED answers carry real keys and a real server signature, so a
client can verify them; the rest carry random keys and a placeholder signature
of the same length, in the same layout (a template made from a real answer).
A lookup is a primary-key read that returns the stored bytes either way, so
its cost does not depend on it."""
import base64
import json
import os
import time

from host_tools.protocol import directory
from keyserver.serverkey import ServerKey
from keyserver.store import ACTIVE
from keyserver.tlog import entries as log_entries

SIGNED = 1000
VALIDITY = 86400
# The SQLite pragmas of a Store that bulk_load gives add_users: no fsync, the
# rollback journal in memory (not WAL: a transaction of a million rows would
# be written twice), a 256 MiB page cache. For a file nothing else has open.
BULK_PRAGMAS = ("synchronous = OFF", "journal_mode = MEMORY", "cache_size = -262144")
_BATCH = 20_000
_USER_COLUMNS = ("username", "email", "public_key_message", "public_key_sign", "signature",
                 "state", "created_at", "expires_at")
_NAME_COLUMNS = ("username", "serial", "status", "answer", "issued_at", "expires_at")
_FIELDS = ("username", "public_key_message", "public_key_sign")


def username(i):
    return "u%07d" % i


def _encode(answer):
    return json.dumps(answer, separators=(",", ":")).encode("ascii")


def _template(server_seed, now):
    """str.format template of a stored keys answer issued `now`, with {0}..{3}
    for the username, the two keys' base64 and the signature's."""
    answer = directory.sign_answer(server_seed, username(0), 1, now, now + VALIDITY, (bytes(32), bytes(32)))
    answer["response"].update({field: "\x00%d" % i for i, field in enumerate(_FIELDS)})
    answer["signature"] = "\x003"
    text = _encode(answer).decode("ascii").replace("{", "{{").replace("}", "}}")
    for i in range(4):
        text = text.replace(json.dumps("\x00%d" % i)[1:-1], "{%d}" % i)
    return text


def _rows(named, server_seed, now):
    """(users row, names row) of each (name, keys, signed)."""
    template = _template(server_seed, now)
    b64 = base64.b64encode
    for name, keys, signed in named:
        message, sign = b64(keys[0]).decode(), b64(keys[1]).decode()
        if signed:
            body = _encode(directory.sign_answer(server_seed, name, 1, now, now + VALIDITY, keys))
            signature = json.loads(body)["signature"]
        else:
            signature = b64(os.urandom(64)).decode()
            body = template.format(name, message, sign, signature).encode("ascii")
        yield ((name, name + "@bench.invalid", message, sign, signature, ACTIVE, now, None),
               (name, 1, directory.KEYS, body, now, now + VALIDITY))


def _numbered(start, stop):
    for first in range(start, stop, _BATCH):
        count = min(_BATCH, stop - first)
        raw = os.urandom(64 * count)
        for j in range(count):
            i = first + j
            yield username(i), (raw[64 * j:64 * j + 32], raw[64 * j + 32:64 * j + 64]), i < SIGNED


def _sql(table, columns, style):
    marks = ", ".join(["?" if style == "qmark" else "%s"] * len(columns))
    return "INSERT INTO %s (%s) VALUES (%s)" % (table, ", ".join(columns), marks)


def _insert_executemany(store, rows):
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        style = store.engine.dialect.paramstyle
        sql = (_sql("users", _USER_COLUMNS, style), _sql("names", _NAME_COLUMNS, style))
        batch = ([], [])
        for user_row, name_row in rows:
            batch[0].append(user_row)
            batch[1].append(name_row)
            if len(batch[0]) == _BATCH:
                cur.executemany(sql[0], batch[0])
                cur.executemany(sql[1], batch[1])
                batch = ([], [])
        if batch[0]:
            cur.executemany(sql[0], batch[0])
            cur.executemany(sql[1], batch[1])
        # Without statistics SQLite reads active users through the state index
        # (every row) and sorts them: each page of the log's backfill then
        # scans all users. With them, a range of the primary key.
        cur.execute("ANALYZE")
        cur.close()
        raw.commit()
    finally:
        raw.close()


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
        _insert_executemany(store, rows)


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
