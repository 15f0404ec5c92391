"""Sensor posting: every `interval` seconds, the board's built-in sensor
(board.temperature()) is read and the reading sent to each configured
recipient as an ordinary nes/1 message. While the board's clock is not
known to be right nothing can be sent (ClockError): the reading is tried
again after at most RETRY_MS rather than a whole interval later."""
import time

from .clock import ClockError
from .proto.constants import const

RETRY_MS = const(60000)


def reading(board):
    """The text posted: `temperature 23.4 C from esp32`."""
    return "temperature %.1f C from %s" % (board.temperature(), board.NAME)


class Poster:
    """Created by the application only when recipients and an interval are configured."""

    def __init__(self, board, recipients, interval_s):
        self.board = board
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
            text = reading(self.board)
        except Exception as exc:  # a sensor fault must not stop the board
            print("sensor: cannot read: %s" % exc)
            return
        for name in self.recipients:
            try:
                send(name, text)
            except Exception as exc:
                print("sensor: not posted to %s: %s: %s" % (name, type(exc).__name__, exc))
                if isinstance(exc, ClockError):
                    self._next = time.ticks_add(time.ticks_ms(), min(self.interval_ms, RETRY_MS))
