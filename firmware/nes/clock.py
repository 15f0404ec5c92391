"""Wall-clock time in nes/1 terms: milliseconds since 1970-01-01 UTC.

Some MicroPython ports count from 2000-01-01 (their `time.gmtime(0)` says
which), so the port's epoch is converted here, once, for every board."""
import time

_EPOCH_2000 = 946684800  # seconds from 1970-01-01 to 2000-01-01
_OFFSET = _EPOCH_2000 if time.gmtime(0)[0] == 2000 else 0
_SANE_MS = 1704067200000  # 2024-01-01: a clock before this was never set


def now_ms():
    """Milliseconds since the Unix epoch, from the board's clock."""
    try:
        return time.time_ns() // 1000000 + _OFFSET * 1000
    except AttributeError:
        return int(time.time() + _OFFSET) * 1000


def is_set():
    """False while the clock still counts from its power-on default."""
    return now_ms() >= _SANE_MS


def iso(ms):
    """`YYYY-MM-DD HH:MM:SS` (UTC) for a nes/1 timestamp."""
    t = time.gmtime(ms // 1000 - _OFFSET)
    return "%04d-%02d-%02d %02d:%02d:%02d" % t[:6]
