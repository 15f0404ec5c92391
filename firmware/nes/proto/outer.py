"""The outer frame's JSON (docs/PROTOCOL.md §7 step 2), parsed as strictly
as RFC 8259 but for its one shape: an object of three string members, any
JSON white space, any order.

A string holds two unescaped quotes, so a frame with exactly three members
of string values has exactly twelve `"` bytes; when the JSON is valid, none
of them is escaped (a name or canonical b64 value never contains `"`). The
bytes between the strings must then be exactly `{ : , : , : }`, white space
aside, and the strings are read in place. No general JSON parser is loaded:
MicroPython's own `json` accepts missing or extra `,` and `:`."""
from .jsonstr import unescape

_QUOTES = 12
_PUNCT = b"{:,:,:}"
_SPACE = b" \t\n\r"
_HEX = b"0123456789abcdefABCDEF"


def _escape(frame, i):
    """Only `\\/` and `\\u` escapes of ASCII can occur in a member name or
    b64 value; every other escape gives a character neither holds, so it
    raises ValueError at once (the frame is refused either way)."""
    if frame[i + 1] == 0x2F:  # \/
        return 0x2F, i + 2
    digits = bytes(frame[i + 2:i + 6])
    if frame[i + 1] != 0x75 or len(digits) != 4 or digits.strip(_HEX):
        raise ValueError("escape")
    code = int(digits, 16)
    if code > 0x7F:
        raise ValueError("escape")
    return code, i + 6


def members(frame, names):
    """The values of the members `names` (three) of a frame (bytes-like
    with .find), as bytes-like objects in the order of `names`; ValueError
    for any other JSON text."""
    quotes = []
    pos = -1
    for _ in range(_QUOTES + 1):
        pos = frame.find(b'"', pos + 1)
        if pos < 0:
            break
        quotes.append(pos)
    if len(quotes) != _QUOTES:
        raise ValueError("not a frame")
    quotes.append(len(frame))
    values = [None] * len(names)
    start = 0
    for k in range(len(_PUNCT)):
        end = quotes[2 * k]
        if bytes(frame[start:end]).strip(_SPACE) != _PUNCT[k:k + 1]:
            raise ValueError("not a frame")
        start = quotes[2 * k + 1] + 1 if k < _QUOTES // 2 else end
    for k in range(0, _QUOTES // 2, 2):  # strings k (a name) and k + 1 (its value)
        name = bytes(unescape(frame, quotes[2 * k] + 1, quotes[2 * k + 1], _escape))
        if name not in names or values[names.index(name)] is not None:
            raise ValueError("unexpected member")
        values[names.index(name)] = unescape(frame, quotes[2 * k + 2] + 1, quotes[2 * k + 3], _escape)
    return values
