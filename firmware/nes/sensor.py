"""Sensor posting: every `interval` seconds, the configured sensors
(nes/sensors.py), or else the board's built-in one (board.temperature()),
are read and the reading sent to each configured recipient as an ordinary
nes/1 message, in the structured form of docs/PROTOCOL.md §14. While the
board's clock is not known to be right nothing can be sent (ClockError): the
reading is tried again after at most RETRY_MS rather than a whole interval
later."""
import time

from .clock import ClockError
from .proto.constants import const

RETRY_MS = const(60000)
_BUILT_IN = "nes-reading/1\ntemperature=%.1f C"  # readings.format's text, without loading it


def reading(board, sensors=None):
    """The text posted: `nes-reading/1` and a line per quantity read
    (`temperature=23.4 C` for the built-in sensor); None when none answered."""
    if sensors is None:
        value = board.temperature()
        if value != value or not -1e6 < value < 1e6:
            raise ValueError("not a temperature: %r" % value)
        return _BUILT_IN % value
    found = sensors.read()
    if not found:
        return None
    from . import readings  # stays loaded, with nes.sensors, on a board with sensors configured

    return readings.format(found)


class Poster:
    """Created by the application only when recipients and an interval are configured."""

    def __init__(self, board, recipients, interval_s, specs=()):
        self.board = board
        self.sensors = None
        if specs:
            from .sensors import Sensors

            self.sensors = Sensors(board, specs)
        self.recipients = recipients
        self.interval_ms = interval_s * 1000
        self._next = time.ticks_ms()

    def wait_ms(self, cap):
        """How long the main loop may wait before the next post (at most `cap`)."""
        return max(0, min(cap, time.ticks_diff(self._next, time.ticks_ms())))

    def due(self):
        return time.ticks_diff(time.ticks_ms(), self._next) >= 0

    def post(self, send):
        """Read the sensor once and `send(recipient, text)` to each recipient;
        a failure for one recipient is reported and the others still get it."""
        self._next = time.ticks_add(time.ticks_ms(), self.interval_ms)
        try:
            text = reading(self.board, self.sensors)
        except Exception as exc:  # a sensor fault must not stop the board
            print("sensor: cannot read: %s" % exc)
            return
        if text is None:
            print("sensor: no sensor answered; nothing posted")
            return
        for name in self.recipients:
            try:
                send(name, text)
            except Exception as exc:
                print("sensor: not posted to %s: %s: %s" % (name, type(exc).__name__, exc))
                if isinstance(exc, ClockError):
                    self._next = time.ticks_add(time.ticks_ms(), min(self.interval_ms, RETRY_MS))
