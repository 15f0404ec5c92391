"""`nes listen` with readings, `nes listen --store` and `nes history`: the
history file (host_tools/history.py) against the real CLI, broker and key
server, and on its own."""
import csv
import io
import json
import os
import stat

import pytest

from host_tools.errors import CommandError
from host_tools.history import History, Stored, parse_since

READING = "nes-reading/1\ntemperature=21.4 C\nhumidity=40 %"
NOT_A_READING = "nes-reading/1\ntemperature=1e5 C"


def _send_all(alice):
    for text in (READING, NOT_A_READING, "=HYPERLINK(\"x\") plain"):
        alice.run("send", "bob", "-", input=text).ok()


def test_listen_shows_readings_and_json_adds_them(pair):
    alice, bob = pair
    listener = bob.listen("--json")
    _send_all(alice)
    objects = [json.loads(listener.wait_for("stdout", "{")) for _ in range(3)]
    assert objects[0]["readings"] == [{"name": "temperature", "value": 21.4, "unit": "C"},
                                      {"name": "humidity", "value": 40, "unit": "%"}]
    assert objects[0]["message"] == READING
    assert [o["message"] for o in objects[1:]] == [NOT_A_READING, "=HYPERLINK(\"x\") plain"]
    assert all("readings" not in o for o in objects[1:])
    assert listener.interrupt() == 0


def test_listen_store_keeps_what_history_exports(pair):
    alice, bob = pair
    listener = bob.listen("--store")
    _send_all(alice)
    shown = [listener.wait_for("stdout", "alice: ") for _ in range(3)]
    assert shown[0].endswith(" alice: temperature 21.4 C, humidity 40 %")
    assert shown[1].endswith(" alice: nes-reading/1")  # shown as text, its second line indented
    assert listener.interrupt() == 0
    store = bob.nes_dir / "bob-history.sqlite"
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o600

    lines = bob.run("history").ok().stdout.splitlines()
    assert lines[0] == shown[0] and lines[1] == shown[1] and lines[2].endswith("temperature=1e5 C")
    objects = [json.loads(line) for line in bob.run("history", "alice", "--json").ok().stdout.splitlines()]
    assert [o["message"] for o in objects] == [READING, NOT_A_READING, "=HYPERLINK(\"x\") plain"]
    assert objects[0]["readings"][1] == {"name": "humidity", "value": 40, "unit": "%"}

    rows = list(csv.DictReader(io.StringIO(bob.run("history", "alice", "--since", "1h", "--csv").ok().stdout)))
    assert [(r["from"], r["name"], r["value"], r["unit"]) for r in rows[:2]] == [
        ("alice", "temperature", "21.4", "C"), ("alice", "humidity", "40", "%")]
    assert rows[2]["message"] == NOT_A_READING and rows[2]["name"] == ""
    assert rows[3]["message"] == "'=HYPERLINK(\"x\") plain"  # never a spreadsheet formula
    assert rows[0]["timestamp"].isdigit() and "T" in rows[0]["time"]

    assert bob.run("history", "carol").ok().stdout == ""
    assert bob.run("history", "--since", "2099-01-01").ok().stdout == ""
    assert "--since 'soon'" in bob.run("history", "--since", "soon").failed()
    assert "no history in" in alice.run("history").failed()
    assert "nes listen --store" in alice.run("history").failed()
    other = bob.nes_dir / "elsewhere.sqlite"
    bob.listen("--store", other).interrupt()
    assert bob.run("history", "--store", other).ok().stdout == ""


def test_a_message_is_kept_once_and_series_are_per_sender_and_name(tmp_path):
    history = History(tmp_path / "h.sqlite")
    for t in range(5):
        assert history.add(Stored("kitchen", "alice", 1000 + t, "nes-reading/1\nt=%d C\nrh=4%d %%" % (t, t)))
    assert not history.add(Stored("kitchen", "alice", 1000, "nes-reading/1\nt=0 C\nrh=40 %"))
    history.add(Stored("garage", "alice", 2000, "nes-reading/1\nt=-3.5 C"))
    history.add(Stored("alice", "garage", 3000, "hello garage"))
    series = history.series(limit=2)
    assert series["kitchen"]["t"] == {"unit": "C", "points": [[1003, 3.0], [1004, 4.0]]}
    assert series["kitchen"]["rh"]["points"][-1] == [1004, 44.0]
    assert series["garage"] == {"t": {"unit": "C", "points": [[2000, -3.5]]}}
    assert history.series(since=1004)["kitchen"]["t"]["points"] == [[1004, 4.0]]
    assert [m.text for m in history.messages("garage")] == ["nes-reading/1\nt=-3.5 C", "hello garage"]
    assert [m.timestamp for m in history.messages(limit=2)] == [2000, 3000]
    history.close()


def test_a_file_that_is_not_a_history_is_an_error(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_text("not a database at all, just text " * 100)
    with pytest.raises(CommandError, match="cannot use the history"):
        History(bad)


def test_since_takes_durations_and_dates():
    now = 1_800_000_000
    assert parse_since("30m", now) == (now - 1800) * 1000
    assert parse_since("2h", now) == (now - 7200) * 1000
    assert parse_since("1w", now) == (now - 604800) * 1000
    assert parse_since("2026-12-07T10:00+00:00") == 1796637600000
    with pytest.raises(CommandError):
        parse_since("-5m", now)
