"""The canonical inner message of nes/1 (docs/PROTOCOL.md §5).

CPython's json.dumps escapes differently (ensure_ascii, separators, upper-case
hex), so the canonical form is written here; parsing uses json.loads and then
insists that the text is byte-identical to the canonical form of what it parsed.
"""
import json

from .constants import MAX_TIMESTAMP, USERNAME_RE

_ESCAPES = {i: "\\u%04x" % i for i in range(0x20)}
_ESCAPES.update({
    ord('"'): '\\"', ord("\\"): "\\\\", 0x08: "\\b", 0x09: "\\t",
    0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r",
})
MEMBERS = ("from", "to", "timestamp", "message")


def json_string(text):
    """`text` as a JSON string literal with the §5 escapes."""
    return '"' + text.translate(_ESCAPES) + '"'


def _check(sender, recipient, timestamp, text):
    for name in (sender, recipient):
        if not isinstance(name, str) or not USERNAME_RE.match(name):
            raise ValueError("not a username")
    if type(timestamp) is not int or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise ValueError("timestamp out of range")
    if not isinstance(text, str):
        raise ValueError("message is not a string")


def encode(sender, recipient, timestamp, text):
    """The canonical UTF-8 bytes of the inner message; ValueError on bad values."""
    _check(sender, recipient, timestamp, text)
    return ('{"from":%s,"to":%s,"timestamp":%d,"message":%s}' % (
        json_string(sender), json_string(recipient), timestamp, json_string(text)
    )).encode("utf-8")  # a lone surrogate in `text` raises UnicodeEncodeError, a ValueError


def decode(data):
    """(sender, recipient, timestamp, text) of canonical inner-message bytes.

    Raises ValueError for anything else: invalid UTF-8, other JSON, other
    members or types, or a text that is not exactly the canonical form."""
    try:
        value = json.loads(bytes(data).decode("utf-8"))
    except RecursionError:
        raise ValueError("inner message nests too deep") from None
    if not isinstance(value, dict) or set(value) != set(MEMBERS):
        raise ValueError("inner message members differ")
    fields = tuple(value[name] for name in MEMBERS)
    if encode(*fields) != data:
        raise ValueError("inner message is not canonical")
    return fields
