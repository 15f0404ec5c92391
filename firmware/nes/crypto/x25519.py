"""X25519 (RFC 7748 §5): Montgomery ladder with an arithmetic conditional swap."""
from . import field

_A24 = 121665
_BASE = b"\x09" + bytes(31)


def _clamp(k):
    n = int.from_bytes(k, "little")
    return (n & ((1 << 254) - 8)) | (1 << 254)


def x25519(k, u):
    """The 32-byte shared value X25519(k, u) for 32-byte k and u."""
    if len(k) != 32 or len(u) != 32:
        raise ValueError("X25519 inputs are 32 bytes")
    mul, sq, P = field.mul, field.sq, field.P
    n = _clamp(k)
    x1 = field.decode(u) % P
    x2, z2, x3, z3 = 1, 0, x1, 1
    swap = 0
    for t in range(254, -1, -1):
        bit = (n >> t) & 1
        # Swap (x2, z2) with (x3, z3) when the bit changes; -swap is 0 or -1
        # (all ones), so the selection is done by masking, not by branching.
        mask = -(swap ^ bit)
        swap = bit
        d = (x2 ^ x3) & mask
        x2 ^= d
        x3 ^= d
        d = (z2 ^ z3) & mask
        z2 ^= d
        z3 ^= d
        a = x2 + z2
        aa = sq(a)
        b = x2 - z2 + P
        bb = sq(b)
        e = aa - bb + P
        da = mul(x3 - z3 + P, a)
        cb = mul(x3 + z3, b)
        x3 = sq(da + cb)
        z3 = mul(x1, sq(da - cb + P))
        x2 = mul(aa, bb)
        z2 = mul(e, aa + _A24 * e)
    mask = -swap
    d = (x2 ^ x3) & mask
    x2 ^= d
    d = (z2 ^ z3) & mask
    z2 ^= d
    return field.encode(mul(x2, field.inv(z2)))


if field.fast:
    x25519 = field.fast.x25519  # noqa: F811


def public_key(secret):
    """X25519(secret, 9)."""
    return x25519(secret, _BASE)
