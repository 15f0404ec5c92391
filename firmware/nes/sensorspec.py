"""The check of one configured sensor spec (config sensor.sensors; see
nes/sensors.py for what the board does with it). Loaded with the
configuration only, and dropped with it: the checked spec carries its name
and timeout, so the sensors need nothing from here."""
from .readings import UNIT_CHARS, name_ok, unit_ok

KINDS = ("dht11", "dht22", "ds18b20", "adc", "mcu", "rssi")
_PIN_KINDS = ("dht11", "dht22", "ds18b20", "adc")
_DEFAULT_NAMES = {"dht11": "dht", "dht22": "dht", "ds18b20": "ds18b20", "mcu": "mcu", "rssi": "rssi"}
_KEYS = {"kind", "pin", "name", "scale", "offset", "unit", "timeout_ms"}
_ADC_KEYS = ("scale", "offset", "unit")
_PIN_MAX = 99
_NAME_MAX = 24
TIMEOUT_MS = 1000  # a DS18B20 converts in 750 ms at 12 bits


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value \
        and value not in (float("inf"), float("-inf"))


def _name_ok(name):
    # a reading's name (nes/readings.py) without dots: the board adds `.humidity`, `.2`
    return name_ok(name) and len(name) <= _NAME_MAX and "." not in name


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
    if not unit_ok(spec.get("unit", "")):
        raise ValueError("%s: unit must be up to 16 of A-Z a-z 0-9 %s" % (kind, UNIT_CHARS))
    timeout = spec.get("timeout_ms", TIMEOUT_MS)
    if not isinstance(timeout, int) or isinstance(timeout, bool) or not 10 <= timeout <= 60000:
        raise ValueError("%s: timeout_ms must be an integer from 10 to 60000" % kind)
    checked = dict(spec)
    checked["name"] = name
    checked["timeout_ms"] = timeout
    return checked
