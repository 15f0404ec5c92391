"""Board profile: ESP32 (a classic ESP32-WROOM-32 DevKit; ESP32-S2 boards
work too; ESP32-S3 and ESP32-C3/C6 have profiles of their own). Installed as
/lib/board.py.

LED: GPIO 2 (the blue LED of most DevKits). Sensor: the MCU's temperature,
esp32.mcu_temperature() (ESP32-S2/S3/C3); the classic ESP32 lacks it and
esp32.raw_temperature() (Fahrenheit, uncalibrated) stands in. Wi-Fi comes from
nes.wifi, the time from NTP (nes.timesync)."""
import esp32
from machine import Pin

from nes.wifi import connect, ensure, rssi  # noqa: F401 (the board API)

NAME = "esp32"
HAS_WIFI = True
LED_PIN = 2

_led = Pin(LED_PIN, Pin.OUT, value=0)


def led(on):
    _led.value(1 if on else 0)


def temperature():
    """The MCU temperature in degrees Celsius."""
    if hasattr(esp32, "mcu_temperature"):
        return esp32.mcu_temperature()
    return (esp32.raw_temperature() - 32) / 1.8


def rssi():
    """The Wi-Fi signal strength in dBm (the `rssi` sensor)."""
    import network

    return network.WLAN(network.STA_IF).status("rssi")
