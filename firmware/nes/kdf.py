"""HMAC-SHA-256 (RFC 2104) and HKDF-SHA-256 (RFC 5869) over the native
hashlib.sha256."""
import hashlib

_BLOCK = 64
_HASH_LEN = 32


def _pad_key(key, byte):
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    out = bytearray(_BLOCK)
    for i in range(_BLOCK):
        out[i] = byte
    for i in range(len(key)):
        out[i] ^= key[i]
    return out


def hmac_sha256_parts(key, parts):
    """HMAC(key, parts[0] || parts[1] || ...) without joining the parts."""
    inner = hashlib.sha256(_pad_key(key, 0x36))
    for part in parts:
        inner.update(part)
    outer = hashlib.sha256(_pad_key(key, 0x5C))
    outer.update(inner.digest())
    return outer.digest()


def hmac_sha256(key, msg):
    """The 32-byte HMAC-SHA-256 of msg under key."""
    return hmac_sha256_parts(key, (msg,))


def hkdf(ikm, salt, info, length):
    """HKDF-SHA-256 extract-then-expand: `length` bytes (at most 8160)."""
    if length > 255 * _HASH_LEN:
        raise ValueError("HKDF output too long")
    prk = hmac_sha256(salt if salt else bytes(_HASH_LEN), ikm)
    out = bytearray()
    block = b""
    counter = 1
    while len(out) < length:
        block = hmac_sha256_parts(prk, (block, info, bytes((counter,))))
        out.extend(block)
        counter += 1
    return bytes(out[:length])
