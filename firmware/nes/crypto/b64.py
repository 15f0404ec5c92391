"""Canonical base64 (RFC 4648 §4 with `=` padding, no white space).

A text is canonical when it decodes and re-encoding the bytes gives the same
text. Both directions work in 48-byte chunks (64 characters): 48 is a
multiple of 3, so the chunks' encodings concatenate to the encoding of the
whole, and a long field is never held twice. Texts are ASCII bytes-like
(a str is encoded first)."""
import binascii

_CHUNK = 48
_CHUNK_TEXT = 64


def size(n):
    """Length of the b64 text of n bytes."""
    return (n + 2) // 3 * 4


def encode(data):
    """The canonical b64 text of a short bytes-like object, as bytes."""
    return binascii.b2a_base64(data, newline=False)


def encode_str(data):
    """The canonical b64 text of a short bytes-like object, as str."""
    return encode(data).decode()


def encode_into(out, pos, data):
    """Write the b64 text of `data` at out[pos:]; return the end position.

    `data` may be a view of `out` itself lying at or after out[pos +
    size(len(data)) - len(data)]: each chunk is read before it is
    overwritten, as the text runs ahead of the data by at most a third."""
    view = memoryview(data)
    for i in range(0, len(view), _CHUNK):
        text = encode(view[i:i + _CHUNK])
        end = pos + len(text)
        out[pos:end] = text
        pos = end
    return pos


def _decode_chunk(text, i):
    try:
        return binascii.a2b_base64(text[i:i + _CHUNK_TEXT])
    except (ValueError, TypeError):
        raise ValueError("not base64")


def check(text):
    """The number of bytes canonical b64 `text` decodes to; ValueError when
    it is not canonical. Nothing of the size of the text is allocated."""
    n = len(text)
    if n % 4:
        raise ValueError("not canonical base64")
    total = 0
    for i in range(0, n, _CHUNK_TEXT):
        raw = _decode_chunk(text, i)
        if (i + _CHUNK_TEXT < n and len(raw) != _CHUNK) or encode(raw) != text[i:i + _CHUNK_TEXT]:
            raise ValueError("not canonical base64")
        total += len(raw)
    return total


def chunks(text, start, end):
    """Yield bytes start..end of what checked b64 `text` decodes to, as
    views of at most 48 bytes each."""
    i = start - start % _CHUNK
    while i < end:
        raw = memoryview(_decode_chunk(text, i // 3 * 4))
        yield raw[max(start - i, 0):min(end - i, len(raw))]
        i += _CHUNK


def decode(text):
    """The bytes of canonical b64 `text`; ValueError otherwise."""
    if isinstance(text, str):
        text = text.encode()
    check(text)
    return binascii.a2b_base64(text)
