"""Structured readings (docs/PROTOCOL.md §14): the text a board posts is
`nes-reading/1`, then one `name=value unit` line per quantity, e.g.

    nes-reading/1
    temperature=21.4 C
    humidity=40 %

The host parses it (host_tools/readings.py); anything else is shown as text."""

HEADER = "nes-reading/1"
MAX_LINES = 32
_NAME_MAX = 32
_UNIT_MAX = 16
_DIGITS_MAX = 15  # integer digits of a value


UNIT_CHARS = "%/\u00b0\u00b5._^-"  # and ASCII letters and digits


def name_ok(name):
    """A quantity's name: 1 to 32 of a-z 0-9 _ . -, a letter first."""
    if not isinstance(name, str) or not 0 < len(name) <= _NAME_MAX or not "a" <= name[0] <= "z":
        return False
    for ch in name:
        if not ("a" <= ch <= "z" or "0" <= ch <= "9" or ch in "_.-"):
            return False
    return True


def unit_ok(unit):
    """A unit: up to 16 of A-Z a-z 0-9 and UNIT_CHARS ("" for none)."""
    if not isinstance(unit, str) or len(unit) > _UNIT_MAX:
        return False
    for ch in unit:
        if not ("a" <= ch <= "z" or "A" <= ch <= "Z" or "0" <= ch <= "9" or ch in UNIT_CHARS):
            return False
    return True


def value_text(value):
    """A number as the format writes it: an int as is, a float with up to 3
    decimals (trailing zeros dropped); ValueError for NaN, infinities and
    numbers of more than 15 integer digits."""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("not a finite number")
        text = "%.3f" % value
        text = text.rstrip("0").rstrip(".")
        if text == "-0":
            text = "0"
    elif isinstance(value, int) and not isinstance(value, bool):
        text = "%d" % value
    else:
        raise ValueError("not a number")
    if len(text.lstrip("-").split(".")[0]) > _DIGITS_MAX:
        raise ValueError("too large")
    return text


def format(readings):
    """The text of a reading from a list of (name, value, unit) triples
    (unit "" for none); ValueError when a name, unit or value cannot be written."""
    if not 0 < len(readings) <= MAX_LINES:
        raise ValueError("a reading has 1 to %d quantities" % MAX_LINES)
    lines = [HEADER]
    seen = []
    for name, value, unit in readings:
        if not name_ok(name) or name in seen:
            raise ValueError("bad or repeated name %r" % name)
        if not unit_ok(unit):
            raise ValueError("bad unit %r" % unit)
        seen.append(name)
        lines.append(name + "=" + value_text(value) + (" " + unit if unit else ""))
    return "\n".join(lines)
