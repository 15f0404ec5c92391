"""The inner message of nes/1 (docs/PROTOCOL.md §5): its one canonical
serialization, and a strict parse that accepts only bytes equal to the
canonical serialization of what they parse to.

One routine, _emit, both writes the canonical form into a buffer of the
exact size (measured first) and compares received bytes against it in
place, so neither sealing nor opening copies a long text."""
from . import utf8
from .jsonstr import unescape
from .constants import MAX_TIMESTAMP
from .names import is_username

_SHORT = {0x22: b'\\"', 0x5C: b"\\\\", 0x08: b"\\b", 0x09: b"\\t",
          0x0A: b"\\n", 0x0C: b"\\f", 0x0D: b"\\r"}
_UNSHORT = {0x22: 0x22, 0x5C: 0x5C, 0x62: 0x08, 0x74: 0x09, 0x6E: 0x0A, 0x66: 0x0C, 0x72: 0x0D}
_HEX = b"0123456789abcdef"
_PARTS = (b'{"from":', b',"to":', b',"timestamp":', b',"message":', b"}")


def _quoted_size(raw):
    n = 2
    for c in raw:
        if c >= 0x20 and c != 0x22 and c != 0x5C:
            n += 1
        elif c in _SHORT:
            n += 2
        else:
            n += 6
    return n


def _put(buf, pos, data, check):
    """Write `data` at buf[pos:], or with `check` raise ValueError unless it
    is already there; return the end position."""
    end = pos + len(data)
    if check:
        if buf[pos:end] != data:
            raise ValueError("not canonical")
    else:
        buf[pos:end] = data
    return end


def _put_quoted(buf, pos, raw, check):
    """The JSON string literal of UTF-8 bytes `raw`, as _put."""
    view = memoryview(raw)
    pos = _put(buf, pos, b'"', check)
    start = 0
    for i in range(len(view)):
        c = view[i]
        if c >= 0x20 and c != 0x22 and c != 0x5C:
            continue
        pos = _put(buf, pos, view[start:i], check)
        esc = _SHORT.get(c)
        if esc is None:
            esc = b"\\u00" + bytes((_HEX[c >> 4], _HEX[c & 15]))
        pos = _put(buf, pos, esc, check)
        start = i + 1
    pos = _put(buf, pos, view[start:], check)
    return _put(buf, pos, b'"', check)


def _emit(buf, sender, recipient, timestamp, raw, check):
    values = (sender.encode(), recipient.encode(), str(timestamp).encode(), raw)
    buf = memoryview(buf)
    pos = 0
    for i in range(4):
        pos = _put(buf, pos, _PARTS[i], check)
        if i == 2:
            pos = _put(buf, pos, values[2], check)
        else:
            pos = _put_quoted(buf, pos, values[i], check)
    return _put(buf, pos, _PARTS[4], check)


def size(sender, recipient, timestamp, raw):
    """Length of the canonical inner message; `raw` is the text's UTF-8."""
    n = len(str(timestamp)) + 1
    for i in range(4):
        n += len(_PARTS[i])
    for value in (sender.encode(), recipient.encode(), raw):
        n += _quoted_size(value)
    return n


def write(buf, sender, recipient, timestamp, raw):
    """Write the canonical inner message at the start of `buf` (at least
    size() long); return its length. The caller has checked the usernames
    and the timestamp."""
    return _emit(buf, sender, recipient, timestamp, raw, False)


def serialize(sender, recipient, timestamp, text):
    """The canonical inner message of a str `text`, as a bytearray."""
    raw = text.encode("utf-8")
    buf = bytearray(size(sender, recipient, timestamp, raw))
    write(buf, sender, recipient, timestamp, raw)
    return buf


def valid_timestamp(ts):
    return isinstance(ts, int) and not isinstance(ts, bool) and 0 <= ts <= MAX_TIMESTAMP


def _after(data, pos, part):
    """The position after `part`, which must be at data[pos:]."""
    end = pos + len(part)
    if data[pos:end] != part:
        raise ValueError("not canonical")
    return end


def _until(data, pos, stop):
    """The position of the next byte `stop` from pos on."""
    end = data.find(stop, pos)
    if end < 0:
        raise ValueError("not canonical")
    return end


def _escape(data, i):
    """An escape of the canonical form (jsonstr.unescape); any other cannot
    be canonical: ValueError."""
    c = data[i + 1]
    if c == 0x75:  # \u00xx, for the other code points below U+0020
        code = int(bytes(data[i + 2:i + 6]), 16)
        if not 0 <= code < 0x20:
            raise ValueError("not canonical")
        return code, i + 6
    code = _UNSHORT.get(c)
    if code is None:
        raise ValueError("not canonical")
    return code, i + 2


def parse_raw(data):
    """(sender, recipient, timestamp, text_utf8) of canonical inner-message
    bytes (a bytes or bytearray), the text as a view of `data` where
    possible; ValueError for anything else, but for a broken UTF-8
    structure in the text: the caller's str(text, "utf-8") raises that
    (UnicodeError, a ValueError), so the text is not decoded twice.

    The members are read at the places the canonical form puts them, and
    what they give is serialized again and compared with `data`: only the
    one canonical text of a valid message passes, so no general JSON
    parser is needed (nor wanted: MicroPython's accepts invalid JSON)."""
    utf8.check_codes(data)
    view = memoryview(data)
    pos = 0
    names = []
    for part in _PARTS[:2]:
        pos = _after(data, _after(data, pos, part), b'"')
        end = _until(data, pos, b'"')
        names.append(str(view[pos:end], "utf-8"))
        pos = end + 1
    sender, recipient = names
    pos = _after(data, pos, _PARTS[2])
    end = _until(data, pos, b",")
    timestamp = int(str(view[pos:end], "utf-8"))
    pos = _after(data, _after(data, end, _PARTS[3]), b'"')
    end = len(data) - 2
    if end < pos or data[end:] != b'"}':
        raise ValueError("not canonical")
    text = unescape(data, pos, end, _escape)
    if not (is_username(sender) and is_username(recipient) and valid_timestamp(timestamp)):
        raise ValueError("bad member")
    if _emit(data, sender, recipient, timestamp, text, True) != len(data):
        raise ValueError("not canonical")
    return sender, recipient, timestamp, text


def parse(data):
    """(sender, recipient, timestamp, text) of canonical inner-message bytes;
    ValueError for anything else."""
    sender, recipient, timestamp, text = parse_raw(data)
    return sender, recipient, timestamp, str(text, "utf-8")  # see parse_raw
