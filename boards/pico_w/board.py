"""Board profile: Raspberry Pi Pico W (RP2040 + CYW43439 Wi-Fi). Installed
as /lib/board.py.

LED: the on-board LED, wired to the Wi-Fi chip (Pin("LED")). Sensor: the
RP2040's temperature sensor on ADC channel 4 (datasheet §4.9.5:
T = 27 - (V - 0.706) / 0.001721). Wi-Fi comes from nes.wifi, the time from NTP (nes.timesync)."""
from machine import ADC, Pin

from nes.wifi import connect, ensure, rssi  # noqa: F401 (the board API)

NAME = "pico_w"
HAS_WIFI = True

_led = Pin("LED", Pin.OUT, value=0)
_sensor = ADC(4)


def led(on):
    _led.value(1 if on else 0)


def noise():
    """Entropy for nes/entropy.py: the low bits of 64 temperature-sensor readings."""
    return bytes(_sensor.read_u16() & 0xFF for _ in range(64))


def temperature():
    """The RP2040 die temperature in degrees Celsius."""
    volts = _sensor.read_u16() * 3.3 / 65535
    return 27 - (volts - 0.706) / 0.001721


def rssi():
    """The Wi-Fi signal strength in dBm (the `rssi` sensor)."""
    import network

    return network.WLAN(network.STA_IF).status("rssi")
