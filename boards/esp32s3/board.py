"""Board profile: ESP32-S3 (ESP32-S3-DevKitC-1; Xtensa LX7, viper code for
xtensawin). Installed as /lib/board.py.

LED: the addressable RGB LED on GPIO 48 (GPIO 38 on DevKitC-1 v1.1 boards:
change LED_PIN), lit blue. Sensor: esp32.mcu_temperature(). Wi-Fi comes from
nes.wifi, the time from NTP (nes.timesync)."""
from esp32 import mcu_temperature as temperature  # noqa: F401 (the board API)

from nes.rgbled import led_on_pin
from nes.wifi import connect, ensure, rssi  # noqa: F401 (the board API)

NAME = "esp32s3"
HAS_WIFI = True
LED_PIN = 48

led = led_on_pin(LED_PIN)
