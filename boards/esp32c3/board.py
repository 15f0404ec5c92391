"""Board profile: ESP32-C3 (ESP32-C3-DevKitM-1; RISC-V RV32IMC, viper code
compiled by mpy-cross -march=rv32imc). The same build serves the ESP32-C6
(RV32IMAC runs RV32IMC code) with its own MicroPython image. Installed as
/lib/board.py.

LED: the addressable RGB LED on GPIO 8, lit blue. Sensor:
esp32.mcu_temperature(). Wi-Fi comes from nes.wifi, the time from NTP
(nes.timesync)."""
from esp32 import mcu_temperature as temperature  # noqa: F401 (the board API)

from nes.rgbled import led_on_pin
from nes.wifi import connect, ensure, rssi  # noqa: F401 (the board API)

NAME = "esp32c3"
HAS_WIFI = True
LED_PIN = 8

led = led_on_pin(LED_PIN)
