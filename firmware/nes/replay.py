"""The replay cache of nes/1 (docs/PROTOCOL.md §8): bounded, keyed by a
16-byte SHA-256 prefix of the signature, with an eviction floor."""
import binascii
import hashlib

from .constants import MAX_AGE_MS
from .errors import ReplayError


def identifier(sig):
    """The cache key of a message: SHA-256(sig)[:16]."""
    return hashlib.sha256(sig).digest()[:16]


class ReplayCache:
    """Accepted messages (identifier -> timestamp) plus the floor: the largest
    timestamp ever evicted; anything at or below it is refused."""

    def __init__(self, capacity=64):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.floor = -1
        self._seen = {}

    def __len__(self):
        return len(self._seen)

    def check(self, sig, timestamp):
        """Raise ReplayError when this message was accepted before (or may
        have been, being at or below the floor)."""
        if timestamp <= self.floor or identifier(sig) in self._seen:
            raise ReplayError("message seen before")

    def add(self, sig, timestamp, now_ms):
        """Record an accepted message; drop expired entries, then evict the
        oldest while over capacity."""
        seen = self._seen
        seen[identifier(sig)] = timestamp
        limit = now_ms - MAX_AGE_MS
        for key in [k for k, ts in seen.items() if ts < limit]:
            del seen[key]
        while len(seen) > self.capacity:
            oldest = None
            for key, ts in seen.items():
                if oldest is None or ts < seen[oldest]:
                    oldest = key
            if seen[oldest] > self.floor:
                self.floor = seen[oldest]
            del seen[oldest]

    def accept(self, sig, timestamp, now_ms):
        """check() then add(): the replay step of opening (§7 step 13)."""
        self.check(sig, timestamp)
        self.add(sig, timestamp, now_ms)

    def to_dict(self):
        """A JSON-ready snapshot, for keeping the cache across restarts."""
        return {
            "floor": self.floor,
            "seen": [[binascii.hexlify(k).decode(), ts] for k, ts in self._seen.items()],
        }

    @classmethod
    def from_dict(cls, data, capacity=64):
        """The cache saved by to_dict(); ValueError when `data` is malformed."""
        cache = cls(capacity)
        try:
            cache.floor = int(data["floor"])
            for key, ts in data["seen"]:
                cache._seen[binascii.unhexlify(key)] = int(ts)
        except (KeyError, TypeError):
            raise ValueError("malformed replay cache")
        return cache
