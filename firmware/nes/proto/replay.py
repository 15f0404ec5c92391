"""The replay cache of nes/1 (docs/PROTOCOL.md §8): bounded, keyed by a
16-byte SHA-256 prefix of the signature, with an eviction floor that never
passes the receiver's clock (so future-dated messages filling the cache
cannot make it refuse honest ones).

Entries live in two flat buffers (the identifiers back to back in one
bytearray, the timestamps in an array of 64-bit ints), about 1.5 KB for 64
entries, instead of an object or two per entry."""
import binascii
import hashlib
from array import array

from .constants import MAX_AGE_MS, const
from .errors import ReplayError

_ID = const(16)


def identifier(sig):
    """The cache key of a message: SHA-256(sig)[:16]."""
    return hashlib.sha256(sig).digest()[:_ID]


class ReplayCache:
    """Accepted messages (identifier, timestamp) plus the floor: the largest
    timestamp ever evicted; anything at or below it is refused."""

    def __init__(self, capacity=64):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.floor = -1
        self._last = None  # identifier of the last message recorded
        self._ids = bytearray(_ID * capacity)
        self._ts = array("q", bytes(8 * capacity))
        self._n = 0

    def __len__(self):
        return self._n

    def _find(self, key):
        """The slot holding identifier `key`, or -1."""
        ids = self._ids
        end = self._n * _ID
        pos = ids.find(key, 0, end)
        while pos >= 0 and pos % _ID:  # a match across two entries
            pos = ids.find(key, pos + 1, end)
        return pos // _ID if pos >= 0 else -1

    def _put(self, slot, key, timestamp):
        self._ids[slot * _ID:(slot + 1) * _ID] = key
        self._ts[slot] = timestamp

    def _drop(self, slot):
        """Remove the entry in `slot`; the last entry moves into it."""
        last = self._n - 1
        self._put(slot, self._ids[last * _ID:(last + 1) * _ID], self._ts[last])
        self._n = last

    def check(self, sig, timestamp):
        """Raise ReplayError when this message was accepted before (or may
        have been, being at or below the floor)."""
        if timestamp <= self.floor or self._find(identifier(sig)) >= 0:
            raise ReplayError("message seen before")

    def add(self, sig, timestamp, now_ms):
        """Record an accepted message; drop expired entries, then evict the
        oldest (possibly this one) while over capacity."""
        self._record(identifier(sig), timestamp, now_ms - MAX_AGE_MS, now_ms)

    def withdraw(self):
        """Forget the last message recorded (one that could not be shown), so
        that its redelivery is accepted; the floor stays."""
        slot = self._find(self._last) if self._last else -1
        if slot >= 0:
            self._drop(slot)
        self._last = None

    def _record(self, key, timestamp, limit, now_ms):
        self._last = key
        ts = self._ts
        slot = self._find(key)
        if slot >= 0:
            ts[slot] = timestamp
        i = 0
        while i < self._n:
            if ts[i] < limit:
                self._drop(i)
            else:
                i += 1
        if slot >= 0 or timestamp < limit:
            return
        if self._n < self.capacity:
            self._n += 1
            self._put(self._n - 1, key, timestamp)
            return
        oldest = 0
        for i in range(1, self._n):
            if ts[i] < ts[oldest]:
                oldest = i
        evicted = ts[oldest]
        if timestamp <= evicted:  # the new entry is the oldest: evict it
            evicted = timestamp
        else:
            self._put(oldest, key, timestamp)
        # Capped at the clock: a sender may date messages MAX_SKEW_MS ahead.
        self.floor = max(self.floor, min(evicted, now_ms))

    def accept(self, sig, timestamp, now_ms):
        """check() then add(): the replay step of opening (§7 step 13)."""
        self.check(sig, timestamp)
        self.add(sig, timestamp, now_ms)

    def entries(self):
        """Yield (identifier hex str, timestamp) of every entry."""
        for i in range(self._n):
            yield binascii.hexlify(self._ids[i * _ID:(i + 1) * _ID]).decode(), self._ts[i]

    def save(self, f):
        """Write the JSON of to_dict() to text stream `f`, entry by entry,
        without building it in the heap first."""
        f.write('{"floor": %d, "seen": [' % self.floor)
        sep = ""
        for key, ts in self.entries():
            f.write('%s["%s", %d]' % (sep, key, ts))
            sep = ", "
        f.write("]}")

    def to_dict(self):
        """A JSON-ready snapshot, for keeping the cache across restarts."""
        return {"floor": self.floor, "seen": [[key, ts] for key, ts in self.entries()]}

    @classmethod
    def from_dict(cls, data, capacity=64):
        """The cache saved by to_dict() or save(); ValueError when `data` is
        malformed."""
        cache = cls(capacity)
        try:
            cache.floor = int(data["floor"])
            for key, ts in data["seen"]:
                key = binascii.unhexlify(key)
                if len(key) != _ID:
                    raise ValueError("malformed replay cache")
                # An expired entry is dropped at the next add anyway; the
                # limit here only keeps the capacity rule.
                cache._record(key, int(ts), -1, int(ts))
        except (KeyError, TypeError):
            raise ValueError("malformed replay cache")
        return cache
