"""The sensors a board reads, from the configuration's `sensor.sensors` list
(docs/FIRMWARE.md "Sensors"): DHT11/DHT22 (`dht`), DS18B20 (`onewire` and
`ds18x20`), an analog input (ADC; value = raw * scale + offset), the MCU's
temperature and the Wi-Fi signal (RSSI). A board profile may supply its own
drivers (board.sensor(spec)); the virtual board's are simulated.

Each spec is an object, e.g. {"kind": "dht22", "pin": 4} or {"kind": "adc",
"pin": 34, "scale": 0.0000503, "offset": 0, "unit": "V", "name": "battery"}.
check() validates one (for the configuration); read() reads them all, each
with a deadline, and reports and skips a failed one."""
import time

KINDS = ("dht11", "dht22", "ds18b20", "adc", "mcu", "rssi")
_PIN_KINDS = ("dht11", "dht22", "ds18b20", "adc")
_DEFAULT_NAMES = {"dht11": "dht", "dht22": "dht", "ds18b20": "ds18b20", "mcu": "mcu", "rssi": "rssi"}
_KEYS = {"kind", "pin", "name", "scale", "offset", "unit", "timeout_ms"}
_ADC_KEYS = ("scale", "offset", "unit")
_PIN_MAX = 99
_NAME_MAX = 24
TIMEOUT_MS = 1000  # a DS18B20 converts in 750 ms at 12 bits
_UNIT_CHARS = "%/\u00b0\u00b5._^-"


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value \
        and value not in (float("inf"), float("-inf"))


def _name_ok(name):
    if not isinstance(name, str) or not 0 < len(name) <= _NAME_MAX or not "a" <= name[0] <= "z":
        return False
    for ch in name:
        if not ("a" <= ch <= "z" or "0" <= ch <= "9" or ch in "_-"):
            return False
    return True


def _unit_ok(unit):
    if not isinstance(unit, str) or len(unit) > 16:
        return False
    for ch in unit:
        if not ("a" <= ch <= "z" or "A" <= ch <= "Z" or "0" <= ch <= "9" or ch in _UNIT_CHARS):
            return False
    return True


def check(spec):
    """`spec` as the board uses it (name filled in), or ValueError saying what is wrong."""
    if not isinstance(spec, dict):
        raise ValueError("a sensor must be an object")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError("sensor kind must be one of " + ", ".join(KINDS))
    for key in spec:
        if key not in _KEYS or (key in _ADC_KEYS and kind != "adc"):
            raise ValueError("%s: unknown setting %r" % (kind, key))
    pin = spec.get("pin")
    if kind in _PIN_KINDS:
        if not isinstance(pin, int) or isinstance(pin, bool) or not 0 <= pin <= _PIN_MAX:
            raise ValueError("%s: pin must be an integer from 0 to %d" % (kind, _PIN_MAX))
    elif pin is not None:
        raise ValueError("%s: takes no pin" % kind)
    name = spec.get("name", _DEFAULT_NAMES.get(kind) or "adc%d" % pin)
    if not _name_ok(name):
        raise ValueError("%s: name must be 1 to %d of a-z 0-9 _ -, starting with a letter" % (kind, _NAME_MAX))
    for key in ("scale", "offset"):
        if key in spec and not _number(spec[key]):
            raise ValueError("%s: %s must be a number" % (kind, key))
    if not _unit_ok(spec.get("unit", "")):
        raise ValueError("%s: unit must be up to 16 of A-Z a-z 0-9 %s" % (kind, _UNIT_CHARS))
    timeout = spec.get("timeout_ms", TIMEOUT_MS)
    if not isinstance(timeout, int) or isinstance(timeout, bool) or not 10 <= timeout <= 60000:
        raise ValueError("%s: timeout_ms must be an integer from 10 to 60000" % kind)
    checked = dict(spec)
    checked["name"] = name
    checked["timeout_ms"] = timeout
    return checked


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
