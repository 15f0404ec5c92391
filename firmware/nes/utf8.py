"""Strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates,
nothing above U+10FFFF. MicroPython's bytes.decode accepts all three."""

# Lead bytes whose second byte has a narrower range than 0x80..0xBF:
# E0 (overlong), ED (surrogates), F0 (overlong), F4 (above U+10FFFF).
_SECOND = {0xE0: (0xA0, 0xBF), 0xED: (0x80, 0x9F), 0xF0: (0x90, 0xBF), 0xF4: (0x80, 0x8F)}
_ANY = (0x80, 0xBF)


def _continuations(lead):
    """How many bytes follow a lead byte; ValueError for a byte that cannot lead."""
    if 0xC2 <= lead <= 0xDF:
        return 1
    if 0xE0 <= lead <= 0xEF:
        return 2
    if 0xF0 <= lead <= 0xF4:
        return 3
    raise ValueError("invalid UTF-8")


def check(data):
    """Raise ValueError unless `data` (bytes-like) is valid UTF-8."""
    n = len(data)
    i = 0
    while i < n:
        c = data[i]
        if c < 0x80:
            i += 1
            continue
        need = _continuations(c)
        if i + need >= n:
            raise ValueError("invalid UTF-8")
        lo, hi = _SECOND.get(c, _ANY)
        for j in range(i + 1, i + need + 1):
            c = data[j]
            if c < lo or c > hi:
                raise ValueError("invalid UTF-8")
            lo, hi = _ANY
        i += need + 1


def decode(data):
    """The str of strict UTF-8 `data`; ValueError otherwise."""
    check(data)
    return bytes(data).decode("utf-8")
