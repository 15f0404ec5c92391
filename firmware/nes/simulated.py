"""The virtual board's sensors (boards/unix/board.py hands them to
nes/sensors.py): each quantity a random walk pulled back to a centre typical
of its kind, so plots show curves; a sensor on a pin above 39 (no such pin
on an ESP32) never answers. Loaded only on a board with sensors configured."""
import os


def _noise():
    return (os.urandom(1)[0] - 128) / 128


# kind -> ((quantity or None, centre, step, unit), ...); mcu reads the board
_KINDS = {
    "dht11": (("temperature", 21, 0.4, "C"), ("humidity", 45, 1.5, "%")),
    "dht22": (("temperature", 21, 0.2, "C"), ("humidity", 45, 0.8, "%")),
    "ds18b20": ((None, 12, 0.15, "C"),),
    "adc": ((None, 30000, 400, ""),),
    "rssi": ((None, -60, 1.5, "dBm"),),
}
_DIGITS = {"dht22": 1, "ds18b20": 2}  # decimals as the real drivers give them (others: integers)


class Simulated:
    def __init__(self, spec, temperature):
        self.pin = spec.get("pin")
        self.kind = spec["kind"]
        self.temperature = temperature
        self.offsets = [0.0] * len(_KINDS.get(self.kind, ()))

    def read(self, deadline):
        if self.pin is not None and self.pin > 39:
            raise OSError(110)  # ETIMEDOUT, as a sensor that never answers
        if self.kind == "mcu":
            return [(None, self.temperature(), "C")]
        found = []
        for i, (quantity, centre, step, unit) in enumerate(_KINDS[self.kind]):
            self.offsets[i] = 0.9 * self.offsets[i] + step * _noise()
            value = centre + self.offsets[i]
            digits = _DIGITS.get(self.kind)
            found.append((quantity, round(value, digits) if digits else round(value), unit))
        return found
