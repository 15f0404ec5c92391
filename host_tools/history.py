"""The history: every verified message kept (`nes listen --store`, `nes
dashboard`) in one SQLite file, with the readings (PROTOCOL.md §14) of each
split out by sender and name, so `nes history` can export them and the
dashboard can plot them. The file is private to the user (mode 0600)."""
import datetime
import os
import re
import sqlite3
import threading
import time
from collections import namedtuple

from . import readings
from .errors import CommandError

FILE_SUFFIX = "-history.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    text TEXT NOT NULL,
    UNIQUE (sender, recipient, timestamp, text)
);
CREATE TABLE IF NOT EXISTS readings (
    message INTEGER NOT NULL REFERENCES messages (id),
    sender TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    name TEXT NOT NULL,
    value REAL NOT NULL,
    unit TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_time ON messages (timestamp);
CREATE INDEX IF NOT EXISTS readings_by_series ON readings (sender, name, timestamp);
"""

Stored = namedtuple("Stored", "sender recipient timestamp text")

_RELATIVE = re.compile(r"(\d{1,9})([smhdw])\Z")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def default_path(settings):
    """`<state dir>/<user>-history.sqlite`."""
    return settings.state_file(settings.user + FILE_SUFFIX)


def parse_since(text, now=None):
    """Milliseconds since the epoch from `30m`, `2h`, `7d`, `1w` (ago) or an ISO
    date or time (`2026-12-07`, `2026-12-07T10:00`, local unless it has an offset)."""
    now = time.time() if now is None else now
    relative = _RELATIVE.match(text.strip())
    if relative:
        return int((now - int(relative.group(1)) * _UNIT_SECONDS[relative.group(2)]) * 1000)
    try:
        when = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError("--since %r: give a duration (30m, 2h, 7d, 1w) or a date/time "
                           "(2026-12-07 or 2026-12-07T10:00)" % text) from None
    return int(when.astimezone().timestamp() * 1000)


class History:
    """One SQLite file, usable from several threads (one connection, one lock)."""

    def __init__(self, path, create=True):
        self.path = str(path)
        if not create and not os.path.exists(self.path):
            raise CommandError("no history in %s (`nes listen --store` keeps one)" % self.path)
        if create and not os.path.exists(self.path):
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        self.lock = threading.Lock()
        try:
            self.db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            with self.lock, self.db:
                self.db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise CommandError("cannot use the history %s: %s" % (self.path, exc)) from None

    def close(self):
        self.db.close()

    def add(self, message):
        """Keep a verified message (and its readings); False when it was already kept."""
        with self.lock, self.db:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO messages (sender, recipient, timestamp, text) VALUES (?, ?, ?, ?)",
                (message.sender, message.recipient, message.timestamp, message.text))
            if not cursor.rowcount:
                return False
            self.db.executemany(
                "INSERT INTO readings (message, sender, timestamp, name, value, unit) VALUES (?, ?, ?, ?, ?, ?)",
                [(cursor.lastrowid, message.sender, message.timestamp, r.name, r.value, r.unit)
                 for r in readings.parse(message.text) or ()])
            return True

    def messages(self, user=None, since=None, limit=None):
        """Stored messages, oldest first: those from or to `user` when given,
        from `since` (ms) on, the last `limit` of them when given."""
        where, params = self._where(user, since)
        query = "SELECT sender, recipient, timestamp, text FROM messages%s ORDER BY timestamp DESC, id DESC" % where
        if limit is not None:
            query += " LIMIT %d" % int(limit)
        with self.lock:
            rows = self.db.execute(query, params).fetchall()
        return [Stored(*row) for row in reversed(rows)]

    def series(self, since=None, limit=None):
        """{sender: {name: {"unit": unit, "points": [[timestamp, value], ...]}}},
        oldest point first, at most the last `limit` points of each series."""
        where, params = self._where(None, since)
        with self.lock:
            rows = self.db.execute(
                "SELECT sender, name, unit, timestamp, value FROM ("
                " SELECT sender, name, unit, timestamp, value, ROW_NUMBER() OVER"
                " (PARTITION BY sender, name ORDER BY timestamp DESC) AS n FROM readings%s)"
                " WHERE n <= ? ORDER BY sender, name, timestamp" % where,
                params + [limit if limit is not None else 2 ** 62]).fetchall()
        found = {}
        for sender, name, unit, timestamp, value in rows:
            entry = found.setdefault(sender, {}).setdefault(name, {"unit": unit, "points": []})
            entry["unit"] = unit  # the latest one
            entry["points"].append([timestamp, value])
        return found

    @staticmethod
    def _where(user, since):
        clauses, params = [], []
        if user is not None:
            clauses.append("(sender = ? OR recipient = ?)")
            params += [user, user]
        if since is not None:
            clauses.append("timestamp >= ?")
            params.append(since)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params
