"""The addressable RGB LED (WS2812) of the ESP32-S3 and ESP32-C3 DevKits as
the board API's led(on): lit blue, or off. Used by boards/esp32s3 and
boards/esp32c3."""
from machine import Pin
from neopixel import NeoPixel

_ON = (0, 0, 32)
_OFF = (0, 0, 0)


def led_on_pin(pin):
    """led(on) for the RGB LED on GPIO `pin`."""
    pixel = NeoPixel(Pin(pin), 1)

    def led(on):
        pixel[0] = _ON if on else _OFF
        pixel.write()

    return led
