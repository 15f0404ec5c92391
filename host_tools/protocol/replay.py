"""The replay cache of nes/1 (docs/PROTOCOL.md §8).

Entries are the first 16 bytes of SHA-256 of the 64-byte signature, with the
message timestamp. When full, the entry with the smallest timestamp is evicted
and the floor rises to its timestamp, but never past the receiver's clock (a
sender may date messages MAX_SKEW_MS ahead: a flood of such messages must not
lift the floor above honest ones); every later message at or below the floor
is refused.

A heap of (timestamp, arrival, key) beside the entries finds the oldest in
O(log n) (ties in arrival order, as the entries are kept), so a full cache
costs no scan per message."""
import hashlib
import heapq
import itertools

from .constants import MAX_AGE_MS
from .errors import ReplayError

_ID_BYTES = 16


def identifier(signature):
    return hashlib.sha256(bytes(signature)).digest()[:_ID_BYTES]


class ReplayCache:
    def __init__(self, capacity=64):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.floor = -1
        self._entries = {}
        self._heap = []  # (timestamp, arrival, key); stale items (key gone) are skipped
        self._arrival = itertools.count()

    def __len__(self):
        return len(self._entries)

    def accept(self, signature, timestamp, now):
        """Record a verified message, or raise ReplayError if it was seen before."""
        key = identifier(signature)
        if timestamp <= self.floor or key in self._entries:
            raise ReplayError("message seen before")
        self.add(key, timestamp, now)

    def add(self, key, timestamp, now):
        """Record identifier `key` at `now` without checking it: accept()'s second
        half, also replaying a saved record (the same steps give the same cache)."""
        self._forget_older_than(now - MAX_AGE_MS)
        self._insert(key, timestamp)
        self._evict(now)

    def _insert(self, key, timestamp):
        if self._entries.get(key) != timestamp:  # a record replayed twice is one entry
            self._entries[key] = timestamp
            heapq.heappush(self._heap, (timestamp, next(self._arrival), key))

    def _pop_oldest(self):
        """(timestamp, key) of the oldest entry, removed."""
        self._oldest()
        timestamp, _, key = heapq.heappop(self._heap)
        del self._entries[key]
        return timestamp, key

    def _evict(self, now):
        while len(self._entries) > self.capacity:
            timestamp, _ = self._pop_oldest()
            self.floor = max(self.floor, min(timestamp, now))

    def _forget_older_than(self, limit):
        # §7 step 12 refuses these timestamps, so no floor is needed for them.
        while self._entries and self._oldest() < limit:
            self._pop_oldest()

    def _oldest(self):
        """The oldest entry's timestamp; the stale heap items above it dropped."""
        while self._entries.get(self._heap[0][2]) != self._heap[0][0]:
            heapq.heappop(self._heap)
        return self._heap[0][0]

    def to_json(self):
        """A JSON-ready snapshot (the same shape as the firmware's), for a
        receiver that keeps the cache across runs."""
        return {
            "floor": self.floor,
            "seen": [[key.hex(), ts] for key, ts in sorted(self._entries.items())],
        }

    @classmethod
    def from_json(cls, data, capacity=64, now=None):
        """The cache saved by to_json(); ValueError when `data` is malformed.
        `now` caps the floor of entries evicted here (none when they fit)."""
        cache = cls(capacity)
        try:
            cache.floor = int(data["floor"])
            for key, ts in data["seen"]:
                cache._insert(bytes.fromhex(key), int(ts))
        except (KeyError, TypeError):
            raise ValueError("malformed replay cache") from None
        cache._evict(float("inf") if now is None else now)
        return cache
