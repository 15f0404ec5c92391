"""Sensor posting: every `interval` seconds, the board's built-in sensor
(board.temperature()) is read and the reading sent to each configured
recipient as an ordinary nes/1 message, in the structured form of
docs/PROTOCOL.md §13."""
import time

from . import readings


def reading(board):
    """The text posted: `nes-reading/1` and `temperature=23.4 C`."""
    return readings.format([("temperature", round(board.temperature(), 1), "C")])


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
