"""Board profile: the virtual board (MicroPython unix port behind a pty,
host_tools/board/vboard.py). Installed as /lib/board.py.

No Wi-Fi: the host's network is used as is. Time: the host clock, already
right. LED: a state and a count of blinks, readable from the REPL
(board.led_state, board.blinks). Sensor: a simulated temperature that drifts
slowly around 21 degrees Celsius. Configured sensors (nes/sensors.py) are
simulated too, each drifting about a value of its kind; one on a pin above
39 (no such pin on an ESP32) never answers."""
import math
import os
import time

NAME = "unix"
HAS_WIFI = False

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


def sync_time():
    return True


def _noise():
    return (os.urandom(1)[0] - 128) / 128


class _Simulated:
    """A random walk pulled back to its centre, per quantity of a sensor kind."""

    # kind -> ((quantity or None, centre, step, unit), ...)
    KINDS = {
        "dht11": (("temperature", 21, 0.4, "C"), ("humidity", 45, 1.5, "%")),
        "dht22": (("temperature", 21, 0.2, "C"), ("humidity", 45, 0.8, "%")),
        "ds18b20": ((None, 12, 0.15, "C"),),
        "adc": ((None, 30000, 400, ""),),
        "rssi": ((None, -60, 1.5, "dBm"),),
    }

    def __init__(self, spec):
        self.pin = spec.get("pin")
        self.kind = spec["kind"]
        self.offsets = [0.0] * len(self.KINDS.get(self.kind, ()))

    def read(self, deadline):
        if self.pin is not None and self.pin > 39:
            raise OSError(110)  # ETIMEDOUT, as a sensor that never answers
        if self.kind == "mcu":
            return [(None, temperature(), "C")]
        found = []
        for i, (quantity, centre, step, unit) in enumerate(self.KINDS[self.kind]):
            self.offsets[i] = 0.9 * self.offsets[i] + step * _noise()
            value = centre + self.offsets[i]
            found.append((quantity, round(value) if self.kind in ("dht11", "adc", "rssi") else value, unit))
        return found


def sensor(spec):
    """The driver of a configured sensor: simulated (nes/sensors.py asks)."""
    return _Simulated(spec)
