"""The board profiles (boards/esp32, boards/pico_w, boards/unix): what each
board is, and its board module run under the unix port against stand-ins
for the hardware modules (machine, esp32, network) that record what the
code asks of them: LED pins, the temperature sensor drivers, Wi-Fi joining
with retries and status checks, the RTC set from network time."""
import json

import pytest

from tests.fixtures.paths import BOARDS, FIRMWARE

PROFILE_KEYS = {"name", "chip", "firmware", "led", "sensor", "network", "serial", "mpy_arch", "frozen"}

FAKES = {
    "machine.py": '''
log = []
class Pin:
    OUT = 1
    def __init__(self, id, mode=None, value=None):
        self.id = id
        log.append(("pin", id, value))
    def value(self, v):
        log.append(("led", self.id, v))
class ADC:
    def __init__(self, channel):
        log.append(("adc", channel))
    def read_u16(self):
        return 14000  # 0.705 V: about 27.6 C
class RTC:
    def datetime(self, t):
        log.append(("rtc", t))
def deepsleep(ms):
    log.append(("deepsleep", ms))
''',
    "esp32.py": '''
def raw_temperature():
    return 122  # Fahrenheit, as the classic ESP32 reports it
''',
    "network.py": '''
STA_IF = 0
STAT_IDLE, STAT_CONNECTING, STAT_WRONG_PASSWORD, STAT_NO_AP_FOUND, STAT_CONNECT_FAIL, STAT_GOT_IP = 0, 1, -3, -2, -1, 3
script = []  # per connect() call: the status it ends in
joins = []
countries = []
def country(code):
    countries.append(code)
class _WLAN:
    up = False
    status_now = STAT_IDLE
    def active(self, on=None):
        if on is None:
            return self.up
        self.up = on
    def connect(self, ssid, password):
        joins.append((ssid, password))
        self.status_now = script[len(joins) - 1] if len(joins) <= len(script) else STAT_CONNECTING
    def disconnect(self):
        self.status_now = STAT_IDLE
    def isconnected(self):
        return self.status_now == STAT_GOT_IP
    def status(self):
        return self.status_now
    def ifconfig(self):
        return ("192.168.1.50", "255.255.255.0", "192.168.1.1", "192.168.1.1")
_wlan = _WLAN()
def WLAN(interface):
    return _wlan
''',
}


@pytest.fixture
def fakes(tmp_path):
    for name, text in FAKES.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def _run(micropython, fakes, board, code, heapsize="96k"):
    """Run `code` with the board's module importable as `board`."""
    return micropython(code, extra_path=[fakes, BOARDS / board], heapsize=heapsize).check().stdout


@pytest.mark.parametrize("board", ["esp32", "esp32s3", "esp32c3", "pico_w", "unix"])
def test_each_profile_says_what_the_board_is(board):
    profile = json.loads((BOARDS / board / "profile.json").read_text())
    assert PROFILE_KEYS <= set(profile)
    assert profile["name"] == board
    firmware = profile["firmware"]
    assert firmware["image"] and firmware["format"]
    if board == "esp32":
        assert firmware["format"] == "bin" and firmware["flash_offset"] == "0x1000"
        assert "umqtt.simple" in profile["frozen"]
    if board == "pico_w":
        assert firmware["format"] == "uf2" and "umqtt.simple" not in profile["frozen"]
    assert (BOARDS / board / "board.py").exists()


def test_esp32_board_led_and_sensor(micropython, fakes):
    out = _run(micropython, fakes, "esp32", """
import board, machine
board.led(1); board.led(0)
print(board.NAME, board.HAS_WIFI, round(board.temperature(), 1))
import esp32
esp32.mcu_temperature = lambda: 41.5  # ESP32-S2/S3/C3 have it
print(board.temperature())
print(machine.log)
""")
    lines = out.splitlines()
    assert lines[0] == "esp32 True 50.0"  # 122 F
    assert lines[1] == "41.5"
    assert lines[2] == "[('pin', 2, 0), ('led', 2, 1), ('led', 2, 0)]"


def test_pico_w_board_led_and_sensor(micropython, fakes):
    out = _run(micropython, fakes, "pico_w", """
import board, machine
board.led(1)
print(board.NAME, board.HAS_WIFI, round(board.temperature(), 1))
print(machine.log)
""")
    lines = out.splitlines()
    assert lines[0] == "pico_w True 27.6"
    assert lines[1] == "[('pin', 'LED', 0), ('adc', 4), ('led', 'LED', 1)]"


def test_unix_board_is_simulated(micropython, fakes):
    out = _run(micropython, fakes, "unix", """
import board
board.led(1); board.led(1); board.led(0); board.led(1)
print(board.NAME, board.HAS_WIFI, board.blinks, board.led_state, board.connect('x', 'y'), board.CLOCK_TRUSTED)
print(15 < board.temperature() < 30)
""")
    assert out.split() == ["unix", "False", "2", "1", "None", "True", "True"]


def test_wifi_retries_until_joined_and_reports_each_failure(micropython, fakes):
    out = _run(micropython, fakes, "esp32", """
import network, board
network.script = [network.STAT_WRONG_PASSWORD, network.STAT_NO_AP_FOUND, network.STAT_CONNECTING,
                  network.STAT_GOT_IP]
from nes import wifi
print(wifi.connect("home", "pw", "GB", attempts=4, timeout_ms=300, pause_ms=10))
print(len(network.joins), network.countries)
""")
    assert "wifi: wrong password" in out
    assert "wifi: network not found" in out
    assert "wifi: no address after 0 s" in out
    assert "wifi: connected, address 192.168.1.50" in out
    assert out.splitlines()[-2:] == ["192.168.1.50", "4 ['GB']"]


def test_wifi_gives_up_after_its_attempts_and_ensure_rejoins(micropython, fakes):
    out = _run(micropython, fakes, "pico_w", """
import network, board
network.script = [network.STAT_CONNECT_FAIL] * 2 + [network.STAT_GOT_IP]
from nes import wifi
try:
    wifi.connect("home", "pw", attempts=2, timeout_ms=100, pause_ms=1)
except OSError as e:
    print("gave up:", e)
wifi.ensure("home", "pw")              # link down: joins again (third script entry)
print(network.WLAN(0).isconnected(), len(network.joins))
wifi.ensure("home", "pw")              # link up: nothing to do
print(len(network.joins))
""")
    assert "gave up: wifi: cannot join home" in out
    assert "wifi: link lost" in out
    assert out.splitlines()[-2:] == ["True 3", "3"]


@pytest.mark.parametrize("board", ["esp32", "pico_w"])
def test_network_time_sets_the_machine_rtc(micropython, fakes, board):
    out = _run(micropython, fakes, board, """
import machine
from nes import timesync
timesync.set_clock(1767323045678)  # 2026-01-02 03:04:05.678 UTC, a Friday
print(machine.log[-1])
""")
    assert out.splitlines()[-1] == "('rtc', (2026, 1, 2, 4, 3, 4, 5, 0))"


def test_clock_counts_milliseconds_since_1970(micropython, fakes):
    import time

    out = _run(micropython, fakes, "unix", "from nes import clock\nprint(clock.now_ms(), clock.is_set(), clock.iso(0), "
               "clock.iso(1704067200123))").split()
    assert abs(int(out[0]) - time.time() * 1000) < 60_000
    assert out[1:] == ["True", "1970-01-01", "00:00:00", "2024-01-01", "00:00:00"]


def test_board_modules_are_where_the_build_takes_them_from():
    assert not (FIRMWARE / "board.py").exists()  # a board module comes only from its profile


@pytest.mark.parametrize("board", ["esp32", "pico_w"])
def test_the_duty_cycle_sleeps_with_the_radio_off(micropython, fakes, board):
    """nes/duty.py on a board whose profile has no deepsleep of its own:
    the Wi-Fi radio off, then machine.deepsleep for the configured time."""
    out = _run(micropython, fakes, board, """
import machine, network
network.WLAN(network.STA_IF).active(True)
from nes import duty
duty.deep_sleep(300000)
print(network.WLAN(network.STA_IF).active(), machine.log[-1])
""", heapsize="192k")  # nes.duty imports nes.app, compiled here from source (test_app_memory runs the .mpy)
    assert out.splitlines()[-1] == "False ('deepsleep', 300000)"
