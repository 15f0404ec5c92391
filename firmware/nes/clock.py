"""Wall-clock time in nes/1 terms: milliseconds since 1970-01-01 UTC, and
whether the board's clock is known to be right.

Some MicroPython ports count from 2000-01-01 (their `time.gmtime(0)` says
which), so the port's epoch is converted here, once, for every board. A
board whose RTC is emulated (the virtual board) keeps the emulation's
offset in `board.rtc_offset_ms`.

The clock is *good* once NTP has answered since power-on (nes/timesync.py),
or from the start on a board whose clock is the host's (`board.CLOCK_TRUSTED`).
Until then nothing is sealed (`require` raises ClockError): a board on its
power-on clock (2000-01-01 on ESP32, 2021-01-01 on rp2) or a few minutes off
would send frames every recipient drops. A clock set by `nes provision` is a
starting point only. NTP is asked again on every broker reconnect, every
RESYNC_MS while good, and at each send while not good (`due`)."""
import time

import board

from .proto.constants import const

_EPOCH_2000 = 946684800  # seconds from 1970-01-01 to 2000-01-01
_OFFSET = _EPOCH_2000 if time.gmtime(0)[0] == 2000 else 0
SANE_MS = 1704067200000  # 2024-01-01: a clock before this was never set
RESYNC_MS = const(21600000)  # a good clock is re-synchronised every 6 hours
_RETRY_MS = const(60000)  # the main loop's NTP retry while the clock is not good

source = "board" if getattr(board, "CLOCK_TRUSTED", False) else None  # "ntp" once NTP answered
_synced_at = None  # ticks_ms of the last NTP attempt
_ticks = time.ticks_ms  # a module attribute, so that a test can stand in for the counter
_counted = _ticks()  # ticks_ms when uptime_ms last counted
_uptime = 0


class ClockError(Exception):
    """The board's clock is not known to be right: nothing can be sealed."""


def now_ms():
    """Milliseconds since the Unix epoch, from the board's clock."""
    try:
        ms = time.time_ns() // 1000000 + _OFFSET * 1000
    except AttributeError:
        ms = int(time.time() + _OFFSET) * 1000
    return ms + getattr(board, "rtc_offset_ms", 0)


def uptime_ms():
    """Milliseconds since the application started (since this module
    loaded). Not ticks_ms() itself: it wraps every 2^30 ms (12.4 days) on the
    boards, and on the unix port it counts from the host's boot. So the
    time is added up at each call; the main loop calls this every turn, as
    two calls more than half a wrap (6.2 days) apart would lose time."""
    global _counted, _uptime
    now = _ticks()
    _uptime += time.ticks_diff(now, _counted)
    _counted = now
    return _uptime


def is_set():
    """False while the clock still counts from its power-on default."""
    return now_ms() >= SANE_MS


def good():
    return source is not None


def synced(ok):
    """Record an NTP attempt (nes/timesync.py); `ok` when it set the clock."""
    global source, _synced_at
    _synced_at = time.ticks_ms()
    if ok:
        source = "ntp"


def due(now=False):
    """Whether to ask NTP: `now` (after a reconnect), or when the last attempt
    is older than RESYNC_MS (a minute while the clock is not good)."""
    if source == "board":
        return False
    if now or _synced_at is None:
        return True
    return time.ticks_diff(time.ticks_ms(), _synced_at) >= (RESYNC_MS if source else _RETRY_MS)


def require():
    """ClockError unless the clock is good."""
    if source is None:
        raise ClockError("the clock is not known to be right (it reads %s UTC and NTP has not answered); "
                         "nothing is sealed until it does" % iso(now_ms()))


def gmtime(ms):
    """time.gmtime() of a nes/1 timestamp, on any port's epoch."""
    return time.gmtime(ms // 1000 - _OFFSET)


def iso(ms):
    """`YYYY-MM-DD HH:MM:SS` (UTC) for a nes/1 timestamp."""
    t = gmtime(ms)
    return "%04d-%02d-%02d %02d:%02d:%02d" % t[:6]
