"""The sensors a board reads, from the configuration's `sensor.sensors` list
(docs/FIRMWARE.md "Sensors"): DHT11/DHT22 (`dht`), DS18B20 (`onewire` and
`ds18x20`), an analog input (ADC; value = raw * scale + offset), the MCU's
temperature and the Wi-Fi signal (RSSI). A board profile may supply its own
drivers (board.sensor(spec)); the virtual board's are simulated.

Each spec is an object, e.g. {"kind": "dht22", "pin": 4} or {"kind": "adc",
"pin": 34, "scale": 0.0000503, "offset": 0, "unit": "V", "name": "battery"},
checked by nes/sensorspec.py with the configuration (which fills in the name
and the timeout). Sensors.read() reads them all, each with a deadline, and
reports and skips a failed one."""
import time

def describe(spec):
    """`dht22 on pin 4`, `rssi`: how the console names a sensor."""
    return spec["kind"] + (" on pin %d" % spec["pin"] if "pin" in spec else "")


# -- drivers: read(deadline_ms) -> [(quantity or None, value, unit)] ----------

class _Dht:
    def __init__(self, spec):
        import dht
        from machine import Pin

        self.device = (dht.DHT22 if spec["kind"] == "dht22" else dht.DHT11)(Pin(spec["pin"]))

    def read(self, deadline):
        self.device.measure()  # the driver gives up by itself (OSError ETIMEDOUT)
        return [("temperature", self.device.temperature(), "C"), ("humidity", self.device.humidity(), "%")]


class _DS18B20:
    def __init__(self, spec):
        import ds18x20
        import onewire
        from machine import Pin

        self.bus = onewire.OneWire(Pin(spec["pin"]))
        self.device = ds18x20.DS18X20(self.bus)

    def read(self, deadline):
        roms = self.device.scan()
        if not roms:
            raise OSError("no DS18B20 answers")
        self.device.convert_temp()
        while not self.bus.readbit():  # the bus reads 1 once the conversion is done
            if time.ticks_diff(deadline, time.ticks_ms()) <= 0:
                raise OSError("timed out")
            time.sleep_ms(10)
        return [(None if i == 0 else str(i + 1), self.device.read_temp(rom), "C") for i, rom in enumerate(roms)]


class _Adc:
    def __init__(self, spec):
        from machine import ADC, Pin

        self.adc = ADC(Pin(spec["pin"]))

    def read(self, deadline):
        return [(None, self.adc.read_u16(), "")]


class _Board:
    """The MCU temperature or the Wi-Fi RSSI, as the board profile reads them."""

    def __init__(self, spec, board):
        self.kind = spec["kind"]
        self.board = board

    def read(self, deadline):
        if self.kind == "mcu":
            return [(None, self.board.temperature(), "C")]
        return [(None, self.board.rssi(), "dBm")]


def driver(spec, board):
    """The driver of one checked spec: the board's own when it has one."""
    if hasattr(board, "sensor"):
        return board.sensor(spec)
    kind = spec["kind"]
    if kind in ("dht11", "dht22"):
        return _Dht(spec)
    if kind == "ds18b20":
        return _DS18B20(spec)
    if kind == "adc":
        return _Adc(spec)
    return _Board(spec, board)


class Sensors:
    """The configured sensors of a board; a driver is made on first use, so a
    sensor that cannot even be set up is reported at each read like any failure."""

    def __init__(self, board, specs):
        self.board = board
        self.specs = specs
        self.drivers = [None] * len(specs)

    def read(self):
        """[(name, value, unit)] of every sensor that answered in time; each
        failure is printed (`sensor: dht22 on pin 4: cannot read: ...`) and skipped."""
        found = []
        names = []
        for i, spec in enumerate(self.specs):
            try:
                if self.drivers[i] is None:
                    self.drivers[i] = driver(spec, self.board)
                deadline = time.ticks_add(time.ticks_ms(), spec["timeout_ms"])
                values = self.drivers[i].read(deadline)
                if time.ticks_diff(time.ticks_ms(), deadline) > 0:
                    raise OSError("timed out")
            except Exception as exc:  # a sensor fault must not stop the board
                print("sensor: %s: cannot read: %s" % (describe(spec), exc))
                continue
            for quantity, value, unit in values:
                name = spec["name"] if quantity is None else spec["name"] + "." + quantity
                if spec["kind"] == "adc":
                    value = value * spec.get("scale", 1) + spec.get("offset", 0)
                    unit = spec.get("unit", "")
                if name in names:
                    print("sensor: %s: %s is read already; skipped" % (describe(spec), name))
                    continue
                names.append(name)
                found.append((name, value, unit))
        return found
