"""A real ESP32 or Pico W, provisioned with `nes provision` (docs/FIRMWARE.md):
these run only with `pytest tests/firmware/test_board_hardware.py --port
/dev/ttyUSB0` and drive the board through `mpremote connect PORT resume`,
as the virtual board tests drive theirs. Ctrl-C stops the board's main loop;
reset the board afterwards to start it again."""
import ast
import subprocess

import pytest

from tests.fixtures.paths import find_tool

pytestmark = pytest.mark.hardware


def _exec(port, code, timeout=120):
    run = subprocess.run([find_tool("mpremote"), "connect", port, "resume", "exec", code],
                         capture_output=True, text=True, timeout=timeout)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout.strip().splitlines()[-1]


def test_the_board_runs_micropython_1_23_or_newer(board_port):
    version, platform = ast.literal_eval(_exec(
        board_port, "import sys; print((tuple(sys.implementation.version[:2]), sys.platform))"))
    assert platform in ("esp32", "rp2")
    assert version >= (1, 23), "the .mpy files need MicroPython 1.23 or newer"


def test_the_board_module_drives_the_led_and_reads_the_sensor(board_port):
    name, wifi, temperature = ast.literal_eval(_exec(
        board_port, "import board, time\nboard.led(1); time.sleep_ms(300); board.led(0)\n"
                    "print((board.NAME, board.HAS_WIFI, board.temperature()))"))
    assert name in ("esp32", "pico_w") and wifi is True
    assert -20 < temperature < 100


def test_the_board_is_online_with_the_right_time(board_port):
    connected, clock_set = ast.literal_eval(_exec(
        board_port, "import network\nfrom nes import clock\n"
                    "print((network.WLAN(network.STA_IF).isconnected(), clock.is_set()))"))
    assert connected and clock_set


def test_the_firmware_says_which_umqtt_it_uses(board_port):
    name = _exec(board_port, "import board; print(board.NAME)")
    origin = _exec(board_port, "from nes.transport import umqtt_origin; print(umqtt_origin())")
    if name == "pico_w":  # official Pico W images do not freeze it
        assert origin == "/lib/umqtt/simple.mpy"
    else:
        assert origin in ("frozen in the firmware", "/lib/umqtt/simple.mpy")


def test_the_provisioned_board_knows_who_it_is_and_can_send(board_port):
    who = ast.literal_eval(_exec(board_port, "import nes; print(nes.whoami())"))
    assert who["board"] in ("esp32", "pico_w")
    assert _exec(board_port, "import nes; print(nes.send(%r, 'hardware test'))" % who["user"]) == "True"
    polled = _exec(board_port, "import nes; print(nes.poll(20000))", timeout=180)
    assert "hardware test" in polled  # sealed, published, received and opened on the board
