"""Network time: one SNTP exchange (RFC 4330) with the configured server
(`ntp.host` in the configuration, `host` or `host:port`, default
pool.ntp.org), then the board's RTC set from it. Loaded for the moment of a
sync only (callers unload it), as the smaller boards have a few tens of KB.

The request carries a random transmit timestamp that a genuine answer echoes
as its originate timestamp, so a stray or forged datagram is not taken."""
import os
import socket
import struct
import time

import board

from . import clock

_NTP_1970 = 2208988800  # seconds from 1900-01-01 (NTP era 0) to 1970-01-01
_ERA = 1 << 32  # NTP seconds wrap in 2036; a value below 2^31 is in era 1
_PORT = 123
_TIMEOUT_MS = 2000


def address(setting):
    """(host, port) from `host` or `host:port`."""
    host, _, port = setting.partition(":")
    return host, int(port) if port else _PORT


def query(host, port=_PORT, timeout_ms=_TIMEOUT_MS):
    """Milliseconds since 1970 from one SNTP exchange; OSError without a good answer."""
    where = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)[0][-1]
    request = bytearray(48)
    request[0] = 0x23  # leap 0, version 4, mode 3 (client)
    request[40:48] = os.urandom(8)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.settimeout(timeout_ms / 1000)
        sent = time.ticks_ms()
        sock.sendto(request, where)
        answer = sock.recv(64)
        half_trip = time.ticks_diff(time.ticks_ms(), sent) // 2
    finally:
        sock.close()
    if len(answer) < 48 or answer[0] & 7 != 4 or answer[24:32] != request[40:48]:
        raise OSError("not an answer to this request")
    if answer[1] == 0 or answer[0] >> 6 == 3:
        raise OSError("the server is not synchronised (stratum %d)" % answer[1])
    seconds, fraction = struct.unpack("!II", answer[40:48])
    if seconds < 1 << 31:
        seconds += _ERA
    return (seconds - _NTP_1970) * 1000 + (fraction * 1000 >> 32) + half_trip


def set_clock(ms):
    """Set the board's RTC to `ms` since 1970 (an emulating board does it itself)."""
    setter = getattr(board, "set_rtc", None)
    if setter is not None:
        setter(ms)
        return
    import machine

    t = clock.gmtime(ms)
    machine.RTC().datetime((t[0], t[1], t[2], t[6], t[3], t[4], t[5], 0))


def sync(setting, attempts=1):
    """Ask NTP (`attempts` times) and set the clock; True when it was set."""
    host, port = address(setting)
    ok = False
    for attempt in range(1, attempts + 1):
        try:
            ms = query(host, port)
            if ms < clock.SANE_MS:
                raise OSError("the answer is before 2024")
        except (OSError, ValueError, IndexError) as exc:
            print("time: NTP %s attempt %d of %d failed (%s)" % (setting, attempt, attempts, exc))
            continue
        off_by = ms - clock.now_ms()
        set_clock(ms)
        print("time: set from NTP %s: %s UTC (was %d ms off)" % (setting, clock.iso(ms), off_by))
        ok = True
        break
    clock.synced(ok)
    return ok
