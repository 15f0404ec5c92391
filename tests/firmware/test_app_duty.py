"""The battery duty cycle (power.sleep_s, nes/duty.py) on the virtual board,
whose deep sleep ends the MicroPython process and starts it again sleep_s
later (host_tools/board/vboard.py): each wake resumes the board's persistent
session under its stored client id, takes what the broker queued while it
slept (each frame exactly once), posts a reading, and sleeps again. How long
a wake takes is measured by `make bench` (bench/duty.py), not asserted here."""
import json
import re

from tests.fixtures.vboard import board_config, register

SLEEP_S = 10  # long enough for `nes send` to run while the board sleeps, even on a busy machine
WAKE = "duty: awake "


def _wakes(text):
    """The transcript cut into wakes, each from its boot line to its sleep line."""
    return re.split(r"nes: board unix\r?\n", text)[1:]


def test_a_sleeping_board_gets_what_was_queued_once_and_posts_at_each_wake(
        vboard_factory, nes_factory, mosquitto, keyserver):
    alice = nes_factory("alice").join(mosquitto, keyserver)
    listener = alice.listen("--json")
    config = dict(board_config("shed", mosquitto, keyserver, recipients=["alice"]), power={"sleep_s": SLEEP_S})
    board = vboard_factory(config=config, keys=register(keyserver, "shed"))

    first = board.wait_for(WAKE, timeout=120)
    assert "duty: awake" in first and "deep sleep %d s" % SLEEP_S in first
    assert "nes: running" not in first  # no main loop: the board went to sleep instead
    reading = json.loads(listener.wait_for("stdout", '"from": "shed"'))
    assert reading["message"].startswith("nes-reading/1\ntemperature=")

    asleep = board.mark()
    alice.run("send", "shed", "while you slept").ok()
    assert "nes: board unix" not in board.output()[asleep:], "the board woke before the frame was queued"

    board.wait_for(WAKE, after=asleep, count=2, timeout=120)  # the wake that took it, and one more
    wakes = _wakes(board.output())
    assert len(wakes) >= 3
    second = wakes[1]
    # the session resumed: the queued frame came as the board subscribed, before it slept
    assert "(session resumed)" in second
    assert second.index("message from alice at ") < second.index(WAKE)
    assert board.output().count("while you slept") == 1
    assert "drop:" not in board.output()
    for _ in range(2):  # a reading at each of the next wakes
        assert json.loads(listener.wait_for("stdout", '"from": "shed"'))["message"].startswith("nes-reading/1")

    # one client id, stored on the first wake and used at every wake; the session was kept
    client_id = json.loads((board.dir / "nesdata" / "config.json").read_text())["broker"]["client_id"]
    seen = re.findall(r"New client connected from \S+ as (\S+) \(p\d, c(\d)", mosquitto.log.read_text())
    shed = [(cid, clean) for cid, clean in seen if cid == client_id]
    assert len(shed) >= 3 and all(clean == "0" for _, clean in shed)
