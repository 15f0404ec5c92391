"""Board profile: the virtual board (MicroPython unix port behind a pty,
host_tools/board/vboard.py). Installed as /lib/board.py.

No Wi-Fi: the host's network is used as is. Time: the host clock, already
right (CLOCK_TRUSTED), unless the flash holds `rtc_offset`: then the board
emulates an RTC that many milliseconds off the host's (a power-on epoch, a
skew), which NTP sets like a real board's (set_rtc). LED: a state and a count of blinks, readable from the REPL
(board.led_state, board.blinks). Sensor: a simulated temperature that drifts
slowly around 21 degrees Celsius. Configured sensors (nes/sensors.py) are
simulated too (nes/simulated.py). Deep sleep (nes/duty.py): the process ends
and the harness starts it again when the sleep is over, as a board resets on
waking; awake_ms() counts from the harness starting the process."""
import math
import os
import time

NAME = "unix"
HAS_WIFI = False

RTC_FILE = "rtc_offset"  # relative: the flash root on the virtual board
DEEPSLEEP_FILE = "deepsleep"  # the sleep asked for, in ms: read (and removed) by the harness
_STARTED_NS = int(os.getenv("NES_VBOARD_STARTED_NS") or time.time_ns())


def _emulated_rtc():
    try:
        with open(RTC_FILE) as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


rtc_offset_ms = _emulated_rtc()
CLOCK_TRUSTED = rtc_offset_ms is None
rtc_offset_ms = rtc_offset_ms or 0
led_state = 0
blinks = 0


def led(on):
    global led_state, blinks
    if on and not led_state:
        blinks += 1
    led_state = 1 if on else 0


def temperature():
    """A plausible room temperature: a slow daily swing plus a little noise."""
    swing = math.sin(time.time() * 2 * math.pi / 86400)
    noise = (os.urandom(1)[0] - 128) / 1280
    return 21 + 1.5 * swing + noise


def connect(ssid=None, password=None, country=None):
    return None


def ensure(ssid=None, password=None, country=None):
    return None


def set_rtc(ms):
    """Set the emulated RTC (kept on flash, as a real RTC survives deep sleep);
    the host clock itself is left alone."""
    global rtc_offset_ms
    if CLOCK_TRUSTED:
        return
    rtc_offset_ms = ms - time.time_ns() // 1000000
    with open(RTC_FILE, "w") as f:
        f.write(str(rtc_offset_ms))


def sensor(spec):
    """The driver of a configured sensor (nes/sensors.py asks): simulated,
    from nes/simulated.py, loaded only on a board with sensors configured."""
    from nes.simulated import Simulated

    return Simulated(spec, temperature)


def awake_ms():
    """Milliseconds since the harness started this process (the board's reset)."""
    return (time.time_ns() - _STARTED_NS) // 1000000


def deepsleep(ms):
    """Sleep as a board does: this process ends, and the harness starts it
    again `ms` later. A script run with `micropython -i` (vboot.py) cannot
    end the process by itself (SystemExit leads to the REPL), so it is
    signalled, through the shell whose parent it is."""
    with open(DEEPSLEEP_FILE, "w") as f:
        f.write(str(ms))
    os.system("kill -TERM $PPID")
    while True:  # the signal is on its way
        time.sleep_ms(100)
