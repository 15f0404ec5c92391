"""The pieces under `nes listen`'s speed: the worker processes
(host_tools/workers.py) give back, in submission order, each frame's message,
signature and rendered line, or None for the listener to open itself (a
forgery, an unpinned sender, a worker that died); the pinned keys are read
from peers.json once and again only when another process replaced the file;
the replay cache's heap evicts exactly what a scan for the oldest entry did."""
import json
import os
import random
import signal
import time

from host_tools import peers
from host_tools.keyfiles import Identity
from host_tools.output import message_json
from host_tools.peers import PeerStore
from host_tools.protocol import envelope
from host_tools.protocol import keys as hostkeys
from host_tools.protocol.constants import MAX_AGE_MS
from host_tools.protocol.directory import Answer
from host_tools.protocol.errors import ReplayError
from host_tools.protocol.replay import ReplayCache, identifier
from host_tools.workers import Openers

RECIPIENT, SENDER, STRANGER = "bob", "alice", "mallory"


def _pin(path, name, keys):
    now = int(time.time())
    PeerStore(str(path)).pin(name, Answer(name, (keys[1], keys[3]), 1, now, now + 86400), now)


def _frames(sender, sender_keys, recipient_keys, count, start=0):
    now = int(time.time() * 1000)
    return [envelope.seal(sender, sender_keys[2], RECIPIENT, recipient_keys[1], "%s %d" % (sender, i), now + i)
            for i in range(start, start + count)]


def _all_results(openers, count, timeout=60):
    got, deadline = [], time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        time.sleep(0.01)
        got += openers.results()
    assert len(got) == count
    return got


def test_workers_return_every_result_in_order_and_leave_the_rest_to_the_listener(tmp_path):
    host, alice, mallory = hostkeys.generate(), hostkeys.generate(), hostkeys.generate()
    _pin(tmp_path / "peers.json", SENDER, alice)
    identity = Identity(RECIPIENT, host[0], host[1], host[2], host[3])
    openers = Openers(2, identity, tmp_path / "peers.json", "json")
    try:
        frames = _frames(SENDER, alice, host, 40)
        frames.insert(17, _frames(STRANGER, mallory, host, 1)[0])  # not pinned: the listener's
        frames.insert(30, frames[5][:-20] + b'AAAAAAAAAAAAAAAAAAA"}')  # corrupted
        openers.submit(frames)
        got = _all_results(openers, len(frames))
        assert got[17] is None and got[30] is None
        opened = [g for g in got if g is not None]
        assert [fields[3] for fields, _, _ in opened] == ["alice %d" % i for i in range(40)]
        for fields, signature, line in opened:
            message = envelope.Message(*fields)
            assert json.loads(line) == json.loads(message_json(message))
            assert len(signature) == 64
        # A worker that dies: its chunks come back as None, the other's are opened.
        os.kill(openers.workers[0]["process"].pid, signal.SIGKILL)
        openers.workers[0]["process"].join(10)
        more = _frames(SENDER, alice, host, 64, start=40)
        openers.submit(more)
        got = _all_results(openers, len(more))
        for i, result in enumerate(got):  # in order; a chunk lost with the worker is the listener's
            assert result is None or result[0][3] == "alice %d" % (40 + i)
        assert any(result is not None for result in got)
    finally:
        openers.close()
    assert not any(w["process"].is_alive() for w in openers.workers)


def test_pins_are_read_once_and_again_when_another_process_replaces_them(tmp_path, monkeypatch):
    path = tmp_path / "peers.json"
    alice, carol = hostkeys.generate(), hostkeys.generate()
    _pin(path, SENDER, alice)
    store = PeerStore(str(path))
    reads = []
    real_load = peers.json.load
    monkeypatch.setattr(peers.json, "load", lambda f: reads.append(1) or real_load(f))
    for _ in range(100):
        assert store.keys(SENDER) == (alice[1], alice[3])
    assert reads == []  # a message costs no file read
    _pin(path, "carol", carol)  # another process pins a new name: seen at once
    reads.clear()
    assert store.keys("carol") == (carol[1], carol[3]) and len(reads) == 1
    new = hostkeys.generate()
    _pin(path, SENDER, new)  # `nes keys --accept alice` elsewhere: seen within RECHECK_SECONDS
    monkeypatch.setattr(PeerStore, "RECHECK_SECONDS", 0.0)
    assert store.keys(SENDER) == (new[1], new[3])
    path.write_text("{ torn")  # unreadable: the keys in memory stay
    os.utime(path, ns=(1, 1))
    assert store.keys(SENDER) == (new[1], new[3])


class _ScanCache:
    """The replay cache as PROTOCOL.md §8 words it: the oldest found by a scan."""

    def __init__(self, capacity):
        self.capacity, self.floor, self.entries = capacity, -1, {}

    def accept(self, signature, timestamp, now):
        key = identifier(signature)
        if timestamp <= self.floor or key in self.entries:
            raise ReplayError("seen")
        for old in [k for k, ts in self.entries.items() if ts < now - MAX_AGE_MS]:
            del self.entries[old]
        self.entries[key] = timestamp
        while len(self.entries) > self.capacity:
            oldest = min(self.entries, key=self.entries.__getitem__)
            self.floor = max(self.floor, min(self.entries.pop(oldest), now))


def test_the_replay_caches_heap_decides_as_a_scan_does():
    for seed in range(60):
        rnd = random.Random(seed)
        capacity = rnd.choice([1, 2, 5, 30])
        heap, scan = ReplayCache(capacity), _ScanCache(capacity)
        now, sent = 1_800_000_000_000, []
        for _ in range(200):
            now += rnd.choice([0, 1, 1000, MAX_AGE_MS // 3])
            if sent and rnd.random() < 0.2:
                signature, timestamp = rnd.choice(sent)  # a replay
            else:
                signature, timestamp = rnd.randbytes(64), now - rnd.randint(-1000, MAX_AGE_MS)
                sent.append((signature, timestamp))
            verdicts = []
            for cache in (heap, scan):
                try:
                    cache.accept(signature, timestamp, now)
                    verdicts.append("accepted")
                except ReplayError:
                    verdicts.append("refused")
            assert verdicts[0] == verdicts[1], seed
            assert heap.floor == scan.floor
            assert heap.to_json()["seen"] == sorted([k.hex(), ts] for k, ts in scan.entries.items())
