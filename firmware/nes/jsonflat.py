"""A strict parser (RFC 8259) for the flat JSON objects of nes/1: an object
whose values are strings or integers. Anything else, including a duplicate
member, nesting, fractions, exponents, literals or trailing data, raises
ValueError, so callers map every failure to one error class. Works on bytes
already checked to be UTF-8 (ASCII bytes never occur inside a multi-byte
sequence), indexing bytes rather than str, which is O(1) on MicroPython."""

_QUOTE = 0x22
_BACKSLASH = 0x5C
_ESCAPES = {
    0x22: b'"', 0x5C: b"\\", 0x2F: b"/", 0x62: b"\b",
    0x66: b"\f", 0x6E: b"\n", 0x72: b"\r", 0x74: b"\t",
}


def _skip(data, i):
    n = len(data)
    while i < n and data[i] in b" \t\n\r":
        i += 1
    return i


def _hex4(data, i):
    value = 0
    for j in range(i, i + 4):
        c = data[j]
        if 0x30 <= c <= 0x39:
            d = c - 0x30
        elif 0x61 <= c <= 0x66:
            d = c - 0x57
        elif 0x41 <= c <= 0x46:
            d = c - 0x37
        else:
            raise ValueError("bad \\u escape")
        value = value * 16 + d
    return value


def _string(data, i, raw=False):
    """Parse the string starting at data[i] == '"'; return (value, next
    index). The value is a str, or with `raw` and no escape in the string a
    memoryview of its bytes in `data` (no copy)."""
    view = memoryview(data)
    i += 1
    start = i
    out = None
    while True:
        c = data[i]
        if c == _QUOTE:
            if out is None:
                if raw:
                    return view[start:i], i + 1
                out = bytearray()
            out.extend(view[start:i])
            return str(out, "utf-8"), i + 1
        if c < 0x20:
            raise ValueError("control character in string")
        if c != _BACKSLASH:
            i += 1
            continue
        if out is None:
            out = bytearray()
        out.extend(view[start:i])
        c = data[i + 1]
        if c == 0x75:  # \uXXXX, surrogate pairs combined, lone ones refused
            code = _hex4(data, i + 2)
            i += 6
            if 0xDC00 <= code <= 0xDFFF:
                raise ValueError("lone surrogate")
            if 0xD800 <= code <= 0xDBFF:
                if data[i] != _BACKSLASH or data[i + 1] != 0x75:
                    raise ValueError("lone surrogate")
                low = _hex4(data, i + 2)
                if not 0xDC00 <= low <= 0xDFFF:
                    raise ValueError("lone surrogate")
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                i += 6
            out.extend(chr(code).encode("utf-8"))
        else:
            out.extend(_ESCAPES[c])  # KeyError for an invalid escape
            i += 2
        start = i


def _integer(data, i):
    n = len(data)
    start = i
    if data[i] == 0x2D:  # '-'
        i += 1
    first = i
    while i < n and 0x30 <= data[i] <= 0x39:
        i += 1
    if i == first or (data[first] == 0x30 and i - first > 1):
        raise ValueError("bad number")
    if i < n and data[i] in b".eE":
        raise ValueError("only integers are allowed")
    return int(bytes(data[start:i])), i


def parse_object(data, raw_strings=False):
    """The (name, value) pairs of a flat JSON object, in order. Names are
    str; with `raw_strings`, string values without escapes are memoryviews
    of `data` (see _string)."""
    try:
        return _parse_object(data, raw_strings)
    except (IndexError, KeyError):
        raise ValueError("truncated or malformed JSON")


def _parse_object(data, raw):
    i = _skip(data, 0)
    if data[i] != 0x7B:  # '{'
        raise ValueError("not an object")
    pairs = []
    names = set()
    i = _skip(data, i + 1)
    if data[i] == 0x7D:  # '}'
        i += 1
    else:
        while True:
            if data[i] != _QUOTE:
                raise ValueError("member name is not a string")
            name, i = _string(data, i)
            if name in names:
                raise ValueError("duplicate member")
            names.add(name)
            i = _skip(data, i)
            if data[i] != 0x3A:  # ':'
                raise ValueError("missing ':'")
            i = _skip(data, i + 1)
            c = data[i]
            if c == _QUOTE:
                value, i = _string(data, i, raw)
            elif c == 0x2D or 0x30 <= c <= 0x39:
                value, i = _integer(data, i)
            else:
                raise ValueError("unsupported value")
            pairs.append((name, value))
            i = _skip(data, i)
            c = data[i]
            if c == 0x7D:
                i += 1
                break
            if c != 0x2C:  # ','
                raise ValueError("missing ','")
            i = _skip(data, i + 1)
    if _skip(data, i) != len(data):
        raise ValueError("trailing data")
    return pairs
