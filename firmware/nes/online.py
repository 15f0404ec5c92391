"""Bringing the App online the first time: the network (retried until it
comes), the clock, then the broker. Loaded for that moment only (App.start
unloads it), as the smaller boards have a few tens of KB of heap."""
import time

import board

from . import clock
from .proto.constants import const

_NETWORK_PAUSE_MS = const(30000)


def bring_up(app):
    """Network (retried until it comes), clock, then the broker."""
    cfg = app.cfg
    while True:
        try:
            board.connect(cfg.wifi_ssid, cfg.wifi_password, cfg.wifi_country)
            break
        except OSError as exc:
            print("nes: no network (%s); retrying in %d s" % (exc, _NETWORK_PAUSE_MS // 1000))
            time.sleep_ms(_NETWORK_PAUSE_MS)
    app.resync(True, 2)
    if not clock.good():
        print("time: the clock is not known to be right; nothing is sealed until NTP answers")
    print("time: %s UTC (%s)" % (clock.iso(clock.now_ms()), clock.source or "not synchronised"))
    app.transport.start()
    app.connects = app.transport.connects
    app.online = True
