"""Strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates,
nothing above U+10FFFF.

Decoding (`str(data, "utf-8")`) checks the structure, lead and continuation
bytes, and under CPython everything. MicroPython's decoder accepts the three
faults above; each shows as a byte that never occurs in valid UTF-8 or as a
lead byte whose second byte is outside its narrower range. check_codes looks
these few bytes up with find(), without a loop over every byte and without
a copy of the data."""

# (lead, lowest, highest second byte); an empty range for bytes that never occur.
_LEADS = ((0xE0, 0xA0, 0xBF), (0xED, 0x80, 0x9F), (0xF0, 0x90, 0xBF), (0xF4, 0x80, 0x8F),
          (0xC0, 1, 0), (0xC1, 1, 0), (0xF5, 1, 0), (0xF6, 1, 0), (0xF7, 1, 0))


def check_codes(data):
    """Raise ValueError for the faults the decoder lets through, in `data`
    (bytes or bytearray). The caller decodes every byte of `data` as well,
    which checks the rest."""
    n = len(data)
    for lead, lo, hi in _LEADS:
        byte = bytes((lead,))
        i = data.find(byte)
        while i >= 0:
            if i + 1 >= n or not lo <= data[i + 1] <= hi:
                raise ValueError("invalid UTF-8")
            i = data.find(byte, i + 1)


def check(data):
    """Raise ValueError unless `data` (bytes or bytearray) is valid UTF-8."""
    str(data, "utf-8")  # UnicodeError, a ValueError, for a broken structure
    check_codes(data)
