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
    if not board.sync_time():
        print("time: clock not synchronised")
    if not clock.is_set():
        print("time: the clock is not set; messages will be refused until it is")
    print("time: %s UTC" % clock.iso(clock.now_ms()))
    app.transport.start()
    app.online = True
