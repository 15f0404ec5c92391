"""The battery duty cycle, when the configuration sets power.sleep_s > 0:
loaded only then, by nes/startup.py, instead of the main loop.

One cycle: bring the board online (network, clock, broker: its persistent
session resumed under the stored client id), take the frames the broker
queued for the session while the board slept, post a reading to the sensor
recipients (each wake, when any are configured), disconnect, deep-sleep
sleep_s seconds. Messages are shown on the console as always, without the
LED's blink: awake time is what the battery pays for. The wake after it is a
reset that runs main.py again; what a cycle must hand the next one is on
flash already (the client id, the replay cache, the pinned keys).

The board cannot see the broker's queue, so it marks its end: it publishes a
marker with a fresh random tag to its own topic. The broker queues it behind
the frames held for the session and delivers in order, so once the marker
comes back every frame queued before the wake has been handled. Markers are
not frames: one with another tag (a previous cycle's, or forged) is ignored.

Deep sleep is `board.deepsleep(ms)` where the board profile has one (the
virtual board: its process ends and the harness starts it again sleep_s
later), else `machine.deepsleep(ms)` with the Wi-Fi radio off. The board
prints how long it was awake: `board.awake_ms()`, or else time.ticks_ms(),
which counts from the reset on the esp32 and rp2 ports."""
import binascii
import os
import time

import board

from .app import describe, topic
from .proto.constants import const

MARKER = b"nes-wake "
_DRAIN_MS = const(10000)  # longest wait for the marker; what is left comes next wake


def _drain(app):
    """Handle what the broker queued for the session; False when the marker
    did not come back in time."""
    transport = app.transport
    tag = MARKER + binascii.hexlify(os.urandom(8))
    handle = transport.on_frame
    back = []

    def on_frame(payload):
        if payload.startswith(MARKER):
            if payload == tag:
                back.append(1)
            return
        handle(payload)

    transport.on_frame = on_frame
    try:
        transport.send(topic(app.cfg.user), tag)  # frames may arrive while it waits for its PUBACK
        start = time.ticks_ms()
        while not back:
            left = _DRAIN_MS - time.ticks_diff(time.ticks_ms(), start)
            if left <= 0:
                return False
            transport.poll(left)
        return True
    finally:
        transport.on_frame = handle


def cycle(app):
    """Bring the board online, do one wake's work, deep-sleep; does not
    return on a board."""
    app.blink = False
    app.start()  # the frames queued for the session may come as it subscribes
    try:
        if not _drain(app):
            print("duty: the queue marker did not come back in %d s; the rest comes next wake" % (_DRAIN_MS // 1000))
        if app.poster:
            app.poster.post(app.send)
        app.transport.poll(0)  # what handling a frame queued (a command's reply) goes out now
    except Exception as exc:  # whatever failed, the board sleeps and tries again next wake
        print("duty: " + describe(exc))
    app.transport.close()
    ms = app.cfg.power_sleep_s * 1000
    awake = getattr(board, "awake_ms", time.ticks_ms)()
    print("duty: awake %d ms; deep sleep %d s" % (awake, ms // 1000))
    deep_sleep(ms)


def deep_sleep(ms):
    """The board profile's deepsleep(ms), else the radio off and the port's."""
    sleep = getattr(board, "deepsleep", None)
    if sleep is None:
        import machine
        import network

        network.WLAN(network.STA_IF).active(False)
        sleep = machine.deepsleep
    sleep(ms)
