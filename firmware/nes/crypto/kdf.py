"""HMAC-SHA-256 (RFC 2104) and HKDF-SHA-256 (RFC 5869) over the native
hashlib.sha256."""
import hashlib

_BLOCK = 64
_HASH_LEN = 32


_IPAD = b"\x36" * _BLOCK
_OPAD = b"\x5c" * _BLOCK


def _pads(key):
    """(key XOR ipad, key XOR opad) of RFC 2104, made once per key."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    inner = bytearray(_IPAD)
    outer = bytearray(_OPAD)
    for i in range(len(key)):
        inner[i] ^= key[i]
        outer[i] ^= key[i]
    return inner, outer


def _mac(pads, parts):
    inner = hashlib.sha256(pads[0])
    for part in parts:
        inner.update(part)
    outer = hashlib.sha256(pads[1])
    outer.update(inner.digest())
    return outer.digest()


def hmac_sha256_parts(key, parts):
    """HMAC(key, parts[0] || parts[1] || ...) without joining the parts."""
    return _mac(_pads(key), parts)


def hmac_sha256(key, msg):
    """The 32-byte HMAC-SHA-256 of msg under key."""
    return hmac_sha256_parts(key, (msg,))


def hkdf(ikm, salt, info, length):
    """HKDF-SHA-256 extract-then-expand: `length` bytes (at most 8160)."""
    if length > 255 * _HASH_LEN:
        raise ValueError("HKDF output too long")
    pads = _pads(hmac_sha256(salt if salt else bytes(_HASH_LEN), ikm))
    blocks = (length + _HASH_LEN - 1) // _HASH_LEN
    out = bytearray(blocks * _HASH_LEN)
    block = b""
    for i in range(blocks):
        block = _mac(pads, (block, info, bytes((i + 1,))))
        out[i * _HASH_LEN:(i + 1) * _HASH_LEN] = block
    return bytes(out) if len(out) == length else bytes(memoryview(out)[:length])
