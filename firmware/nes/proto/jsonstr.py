"""The content of a JSON string literal, read in place for the two fixed
JSON shapes of nes/1 (the frame: outer.py; the inner message: inner.py).
Each knows which escapes it can hold and decodes them itself."""


def unescape(data, start, end, escape):
    """data[start:end] with its escapes decoded by `escape(data, i)` -> (byte,
    index after the escape), which raises ValueError for one its caller does
    not accept. A view of `data` when there is no escape, else a bytearray."""
    view = memoryview(data)
    i = data.find(b"\\", start, end)
    if i < 0:
        return view[start:end]
    out = bytearray()
    while i >= 0:
        out.extend(view[start:i])
        code, start = escape(data, i)
        out.append(code)
        i = data.find(b"\\", start, end)
    out.extend(view[start:end])
    return out
