"""`nes provision --sensor KIND[:KEY=VALUE,...]`: the sensor specs written to
a board's configuration (sensor.sensors; docs/FIRMWARE.md "Sensors"), e.g.
`dht22:pin=4` or `adc:pin=34,scale=0.0000503,unit=V,name=battery`. Only the
form is checked here; the board checks each spec in full when it starts
(firmware/nes/sensors.py) and says what it refuses."""
import math

from ..errors import CommandError

KINDS = ("dht11", "dht22", "ds18b20", "adc", "mcu", "rssi")
_INTEGERS = ("pin", "timeout_ms")
_NUMBERS = ("scale", "offset")
_TEXTS = ("name", "unit")
NONE = "none"  # --sensor none: no configured sensors (the board posts its built-in one)


def _value(kind, key, text):
    try:
        if key in _INTEGERS:
            return int(text, 10)
        if key in _NUMBERS:
            number = float(text)
            if not math.isfinite(number):
                raise ValueError(text)
            return number
    except ValueError:
        raise CommandError("--sensor %s: %s=%r is not %s" % (
            kind, key, text, "an integer" if key in _INTEGERS else "a number")) from None
    if key in _TEXTS:
        return text
    raise CommandError("--sensor %s: unknown setting %r (settings: %s)"
                       % (kind, key, ", ".join(_INTEGERS + _NUMBERS + _TEXTS)))


def parse_spec(text):
    """{"kind": ..., other settings} from `KIND[:KEY=VALUE,...]`; CommandError when malformed."""
    kind, _, rest = text.strip().partition(":")
    kind = kind.lower()
    if kind not in KINDS:
        raise CommandError("--sensor %r: the kind must be one of %s" % (text, ", ".join(KINDS)))
    spec = {"kind": kind}
    for item in rest.split(",") if rest else ():
        key, eq, value = item.strip().partition("=")
        if not eq or not key or key in spec:
            raise CommandError("--sensor %r: write KIND:KEY=VALUE,KEY=VALUE (each key once)" % text)
        spec[key] = _value(kind, key, value)
    return spec


def parse_specs(texts):
    """The sensors.sensors list from the --sensor flags; None when none was
    given (the board keeps its list), [] for `--sensor none`."""
    if not texts:
        return None
    if [t.strip().lower() for t in texts] == [NONE]:
        return []
    return [parse_spec(t) for t in texts]
