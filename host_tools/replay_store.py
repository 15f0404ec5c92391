"""The receiver's replay cache on disk: a snapshot (NAME, the JSON of
ReplayCache.to_json) and a journal (NAME.log) of the records accepted since,
one line each, appended and synced before the message is shown. Saving a
message costs one small append instead of rewriting 4,096 entries; now and
then (and at every start) the journal is folded into a new snapshot.

A crash leaves the snapshot whole (write_atomic) and the journal whole up to
its last complete line; a torn last line is a record whose message was never
shown, so dropping it is right. A crash between a new snapshot and the
journal's truncation replays records the snapshot already holds, which
changes nothing: a record is replayed with the clock it was accepted at."""
import contextlib
import json
import os

from .atomic import write_atomic
from .protocol.replay import ReplayCache

COMPACT_EVERY = 1024  # journal lines; a quarter of the host's cache


class _Recording(ReplayCache):
    """A ReplayCache that remembers what it added since the last save."""

    def __init__(self, capacity):
        super().__init__(capacity)
        self.pending = []

    def add(self, key, timestamp, now):
        super().add(key, timestamp, now)
        self.pending.append("%s %d %d\n" % (key.hex(), timestamp, now))


class ReplayStore:
    """The cache at `path` (`cache`), saved by save() and compact(); OSError or
    ValueError (KeyError, TypeError) when what is saved cannot be read."""

    def __init__(self, path, capacity):
        self.path = os.fspath(path)
        self.journal = self.path + ".log"
        self._lines = 0
        try:
            with open(self.path, encoding="utf-8") as f:
                self.cache = _Recording.from_json(json.load(f), capacity)
        except FileNotFoundError:
            self.cache = _Recording(capacity)
        if self._replay_journal():
            self.compact()

    def _replay_journal(self):
        """Apply the journal's complete records; whether there were any."""
        try:
            with open(self.journal, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return False
        lines = data.split(b"\n")[:-1]  # the part after the last newline is torn
        for line in lines:
            key, timestamp, now = line.split()
            ReplayCache.add(self.cache, bytes.fromhex(key.decode()), int(timestamp), int(now))
        return bool(lines)

    def save(self):
        """Append the records accepted since the last save, synced to disk."""
        if not self.cache.pending:
            return
        if self._lines + len(self.cache.pending) > COMPACT_EVERY:
            self.compact()
            return
        # O_NOFOLLOW: a symbolic link planted at the journal's name is refused, not followed.
        fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, "".join(self.cache.pending).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        self._lines += len(self.cache.pending)
        self.cache.pending.clear()

    def compact(self):
        """The whole cache as a new snapshot, and an empty journal."""
        write_atomic(self.path, json.dumps(self.cache.to_json()))
        self.cache.pending.clear()
        self._lines = 0
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.journal)
