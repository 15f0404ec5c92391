"""HMAC-SHA-256 (RFC 2104) and HKDF-SHA-256 (RFC 5869), on the standard
library's hmac (OpenSSL's C code: a fraction of the per-call cost of
pycryptodome's Python HMAC objects, which a frame opened pays five times)."""
import hmac

_HASH = "sha256"
_HASH_BYTES = 32


def hmac_sha256(key, msg):
    return hmac.digest(bytes(key), bytes(msg), _HASH)


def hkdf(ikm, salt, info, length):
    """RFC 5869 extract-then-expand. An empty salt is HashLen zero bytes
    (§2.2), which HMAC pads to the same key as the empty one."""
    if not 0 < length <= 255 * _HASH_BYTES:
        raise ValueError("HKDF-SHA-256 makes 1 to %d bytes" % (255 * _HASH_BYTES))
    prk = hmac.digest(bytes(salt), bytes(ikm), _HASH)
    info, block, out = bytes(info), b"", b""
    counter = 1
    while len(out) < length:
        block = hmac.digest(prk, block + info + bytes([counter]), _HASH)
        out += block
        counter += 1
    return out[:length]
