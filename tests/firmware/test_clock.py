"""The board's clock (firmware/nes/clock.py, nes/timesync.py) under the unix
port, its RTC emulated by the unix board profile (`rtc_offset` on the flash)
and set by a real NTP exchange with a local server (tests/fixtures/ntp.py):

- at the power-on epochs of the ESP32 (2000-01-01) and the rp2 (2021-01-01),
  and 6 minutes off, the clock is not good and nothing is sealed (ClockError);
  NTP failing leaves it so, NTP answering sets it right;
- a board on such a clock, NTP silent: its sensor poster reports ClockError
  and retries, a received frame is reported as refused for time (here the
  answer for its sender, judged by the same clock), and once NTP
  answers its readings go out and `nes.send` works."""
import calendar
import re
import time

import paho.mqtt.client as mqtt
import pytest

from host_tools.protocol import envelope
from tests.fixtures.paths import BOARDS
from tests.fixtures.vboard import board_config, register

EPOCHS = {"esp32-power-on": calendar.timegm((2000, 1, 1, 0, 0, 0)) * 1000,
          "rp2-power-on": calendar.timegm((2021, 1, 1, 0, 0, 0)) * 1000,
          "6-minutes-fast": None}
SKEW_MS = 6 * 60 * 1000

CHECK = """
from nes import clock, timesync
print("good", clock.good(), clock.iso(clock.now_ms())[:10])
try:
    clock.require()
    print("sealed")
except clock.ClockError as exc:
    print("refused:", exc)
print("sync", timesync.sync(%r))
print("good", clock.good(), clock.source)
print("error_ms", clock.now_ms() - time.time_ns() // 1000000)
"""


def _offset(name):
    now = int(time.time() * 1000)
    return SKEW_MS if EPOCHS[name] is None else EPOCHS[name] - now


def _board(micropython, flash, ntp):
    run = micropython("import time\n" + CHECK % ntp.address, extra_path=[BOARDS / "unix"], cwd=flash)
    return run.check().stdout.splitlines()


@pytest.mark.parametrize("start", list(EPOCHS))
def test_a_clock_off_is_not_good_until_ntp_answers(micropython, tmp_path, ntp_server, start):
    (tmp_path / "rtc_offset").write_text(str(_offset(start)))
    ntp_server.answering = False
    out = _board(micropython, tmp_path, ntp_server)
    day = "2000-01-01" if start == "esp32-power-on" else "2021-01-01" if start == "rp2-power-on" else None
    assert out[0] == "good False %s" % (day or time.strftime("%Y-%m-%d", time.gmtime(time.time() + 360)))
    assert out[1].startswith("refused: the clock is not known to be right")
    assert "time: NTP %s attempt 1 of 1 failed" % ntp_server.address in out[2]
    assert out[3:5] == ["sync False", "good False None"]
    assert abs(int(out[5].split()[1]) - _offset(start)) < 5000

    ntp_server.answering = True  # the next power-on: NTP answers
    out = _board(micropython, tmp_path, ntp_server)
    assert out[0].startswith("good False") and out[1].startswith("refused:")
    assert out[2].startswith("time: set from NTP %s" % ntp_server.address)
    assert out[3:5] == ["sync True", "good True ntp"]
    assert abs(int(out[5].split()[1])) < 1000
    assert abs(int((tmp_path / "rtc_offset").read_text())) < 1000  # the emulated RTC kept it


def test_a_board_on_its_power_on_clock_seals_nothing_until_ntp_answers(
        vboard_factory, user_board, mosquitto, keyserver, ntp_server):
    alice = user_board("alice")
    carol = register(keyserver, "carol")
    bob_keys = register(keyserver, "bob")
    config = board_config("bob", mosquitto, keyserver, recipients=["alice"], interval=1)
    config["ntp"] = {"host": ntp_server.address}
    ntp_server.answering = False
    bob = vboard_factory(config=config, keys=bob_keys,
                         files={"rtc_offset": str(_offset("esp32-power-on"))})
    bob.wait_for("nes: running")
    out = bob.wait_for("sensor: not posted to alice: ClockError: the clock is not known to be right", count=2)
    assert "time: 2000-01-01" in out and "(not synchronised)" in out

    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="clock-test")
    pub.connect(mosquitto.host, mosquitto.port)
    pub.loop_start()
    try:
        frame = envelope.seal("carol", carol[2], "bob", bob_keys[1], "on time", int(time.time() * 1000))
        pub.publish("nes/bob/message", frame, qos=1).wait_for_publish(30)
    finally:
        pub.loop_stop()
        pub.disconnect()
    # carol is not pinned on bob: her key server answer is checked first
    # (PROTOCOL §7 step 9), and it too is judged by bob's clock
    bob.wait_for("drop: StaleAnswerError: answer for carol was issued")
    drop = next(line for line in bob.output().splitlines() if line.startswith("drop: "))
    assert "in the future of this board's clock" in drop
    assert drop.endswith("(refused for time: this board's clock is not known to be right)")
    assert "message from carol" not in bob.output()
    assert "message from bob" not in alice.output()

    mark = bob.mark()
    ntp_server.answering = True
    bob.wait_for("time: set from NTP", after=mark)
    alice.wait_for("UTC: nes-reading/1\r\n    temperature=")  # the structured reading (PROTOCOL §14), to its value
    assert re.search(r"message from bob at %s \S+ UTC: nes-reading/1\r?\n    temperature=-?\d+(\.\d)? C"
                     % time.strftime("%Y-%m-%d", time.gmtime()), alice.output())
    assert bob.exec('import nes\nprint(nes.send("alice", "clock is right"))').strip().endswith("True")
    alice.wait_for("UTC: clock is right")


# The board's uptime across ten wraps of its tick counter, driven a quarter
# wrap at a time as the main loop's turns would be (far more often).
UPTIME = """
import time
from nes import clock
period = time.ticks_add(0, -1) + 1
now = [time.ticks_ms()]
clock._ticks = lambda: now[0]
start = clock.uptime_ms()
for _ in range(40):
    now[0] = time.ticks_add(now[0], period // 4)
    clock.uptime_ms()
print(clock.uptime_ms() - start == 40 * (period // 4), period)
"""


def test_the_uptime_counts_on_across_the_tick_counter_wrapping(micropython, tmp_path):
    run = micropython(UPTIME, extra_path=[BOARDS / "unix"], cwd=tmp_path).check()
    counted, period = run.stdout.split()
    assert counted == "True" and int(period) >= 1 << 30  # 2^30 on the boards, 2^62 on this port
