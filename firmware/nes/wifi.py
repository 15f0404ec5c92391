"""The Wi-Fi station of the boards that have one (ESP32, Pico W).

`connect` joins a network with retries and reports each failed attempt with
the driver's status; `ensure` is the cheap status check the main loop makes
before it talks to the broker (network time: nes/timesync.py)."""
import time

import network

_FAILURES = (
    ("STAT_WRONG_PASSWORD", "wrong password"),
    ("STAT_NO_AP_FOUND", "network not found"),
    ("STAT_CONNECT_FAIL", "connection refused by the access point"),
    ("STAT_BEACON_TIMEOUT", "access point stopped answering"),
    ("STAT_HANDSHAKE_TIMEOUT", "handshake timed out"),
)
_POLL_MS = 200


def _station(country=None):
    if country and hasattr(network, "country"):
        network.country(country)
    wlan = network.WLAN(network.STA_IF)
    if not wlan.active():
        wlan.active(True)
    return wlan


def _failure(status):
    for name, text in _FAILURES:
        if status == getattr(network, name, None):
            return text
    return None


def _wait(wlan, timeout_ms):
    """None once connected, else why not."""
    start = time.ticks_ms()
    while time.ticks_diff(time.ticks_ms(), start) < timeout_ms:
        if wlan.isconnected():
            return None
        reason = _failure(wlan.status())
        if reason:
            return reason
        time.sleep_ms(_POLL_MS)
    return "no address after %d s" % (timeout_ms // 1000)


def connect(ssid, password, country=None, attempts=4, timeout_ms=20000, pause_ms=1000):
    """Join `ssid`; return the board's IP address or raise OSError. Each
    failed attempt is reported; the pause between attempts doubles."""
    wlan = _station(country)
    if wlan.isconnected():
        return wlan.ifconfig()[0]
    pause = pause_ms
    for attempt in range(1, attempts + 1):
        print("wifi: joining %s (attempt %d of %d)" % (ssid, attempt, attempts))
        wlan.connect(ssid, password)
        reason = _wait(wlan, timeout_ms)
        if reason is None:
            ip = wlan.ifconfig()[0]
            print("wifi: connected, address %s" % ip)
            return ip
        print("wifi: %s" % reason)
        wlan.disconnect()
        if attempt < attempts:
            time.sleep_ms(pause)
            pause *= 2
    raise OSError("wifi: cannot join %s" % ssid)


def ensure(ssid, password, country=None):
    """Reconnect when the link dropped; cheap when it is up."""
    if not network.WLAN(network.STA_IF).isconnected():
        print("wifi: link lost")
        connect(ssid, password, country)


def rssi():
    """The signal strength of the joined network, dBm."""
    return network.WLAN(network.STA_IF).status("rssi")


def radio_on():
    """Switch the Wi-Fi radio on: the ESP32's hardware generator is random
    only while it is (Espressif's esp_random documentation)."""
    _station()
