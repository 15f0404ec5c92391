"""The replay cache's snapshot + journal (host_tools/replay_store.py): what is
saved comes back whole after a restart, a torn last journal line is ignored,
compaction keeps the same cache, and a crash between a new snapshot and the
journal's removal changes nothing."""
import json
import os

from host_tools import replay_store
from host_tools.protocol.replay import ReplayCache

NOW = 1_800_000_000_000


def _accept(cache, n, start=0):
    for i in range(start, start + n):
        cache.accept(b"sig%d" % i, NOW + i, NOW + i)


def test_saved_records_come_back_after_a_restart(tmp_path):
    path = tmp_path / "replay.json"
    store = replay_store.ReplayStore(path, 8)
    _accept(store.cache, 12)  # 4 evicted: the floor rises
    store.save()
    assert not path.exists() and os.path.getsize(store.journal) > 0  # appended, not rewritten
    reference = ReplayCache(8)
    _accept(reference, 12)
    again = replay_store.ReplayStore(path, 8)
    assert again.cache.to_json() == reference.to_json()
    assert not os.path.exists(again.journal)  # folded into the snapshot at start


def test_a_torn_last_line_is_a_record_never_saved(tmp_path):
    store = replay_store.ReplayStore(tmp_path / "replay.json", 8)
    _accept(store.cache, 2)
    store.save()
    with open(store.journal, "a") as f:
        f.write("abcd 12")  # cut off by a crash mid-write
    reference = ReplayCache(8)
    _accept(reference, 2)
    assert replay_store.ReplayStore(tmp_path / "replay.json", 8).cache.to_json() == reference.to_json()


def test_compaction_and_a_crash_before_the_journal_is_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(replay_store, "COMPACT_EVERY", 3)
    path = tmp_path / "replay.json"
    store = replay_store.ReplayStore(path, 8)
    for i in range(10):
        _accept(store.cache, 1, i)
        store.save()
    reference = ReplayCache(8)
    _accept(reference, 10)
    assert json.loads(path.read_text())["seen"]  # compacted at least once
    journal = open(store.journal).read()
    store.compact()  # as if the crash came after the snapshot, before the unlink:
    with open(store.journal, "w") as f:
        f.write(journal)
    assert replay_store.ReplayStore(path, 8).cache.to_json() == reference.to_json()
