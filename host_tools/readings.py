"""Structured sensor readings inside ordinary nes/1 text (PROTOCOL.md §14,
an application convention): a first line `nes-reading/1`, then one
`name=value[ unit]` line per quantity. parse() is strict and total: any text
that is not exactly such a reading gives None, and the text is then shown as
text. The boards write it with firmware/nes/readings.py."""
import re
from dataclasses import dataclass

HEADER = "nes-reading/1"
MAX_LINES = 32
NAME_RE = re.compile(r"[a-z][a-z0-9_.-]{0,31}\Z")
VALUE_RE = re.compile(r"-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,9})?\Z")
UNIT_RE = re.compile(r"[A-Za-z0-9%/\u00b0\u00b5._^-]{1,16}\Z")


@dataclass(frozen=True)
class Reading:
    name: str
    value: float
    unit: str  # "" when the quantity has none
    text: str  # the value as written, so it is shown with the sender's precision

    def json(self):
        number = int(self.text) if "." not in self.text else self.value
        return {"name": self.name, "value": number, "unit": self.unit}

    def human(self):
        return "%s %s%s" % (self.name, self.text, " " + self.unit if self.unit else "")


def parse(text):
    """The list of Readings `text` carries, or None when it is not a reading."""
    if not isinstance(text, str):
        return None
    lines = text.split("\n")
    if lines[0] != HEADER or not 2 <= len(lines) <= MAX_LINES + 1:
        return None
    readings, names = [], set()
    for line in lines[1:]:
        name, eq, rest = line.partition("=")
        value, space, unit = rest.partition(" ")
        if (not eq or name in names or not NAME_RE.match(name) or not VALUE_RE.match(value)
                or (space and not UNIT_RE.match(unit))):
            return None
        names.add(name)
        readings.append(Reading(name, float(value), unit, value))
    return readings


def summary(readings):
    """One line for people: `temperature 21.4 C, humidity 40 %`."""
    return ", ".join(r.human() for r in readings)
