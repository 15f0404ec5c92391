"""Ed25519 (RFC 8032 §5.1, pure, no context) over extended coordinates.

Points are tuples (X, Y, Z, T) with x = X/Z, y = Y/Z, x*y = T/Z. Signing
uses a ladder over the complete addition law with an arithmetic conditional
swap; verification (public data only) uses a variable-time double-scalar
multiplication and the cofactored equation [8][S]B = [8]R + [8][k]A, as the
host's pycryptodome does. `msg` may be bytes-like or an iterable of parts
(nested iterables allowed), hashed in order without being joined; verify()
reads it once, sign() twice."""
from . import field
from .sha512 import SHA512

P = field.P
L = (1 << 252) + 27742317777372353535851937790883648493
_D = 37095705934669439343138083508754565189542113879843219016388785533085940283555
_D2 = 2 * _D % P
_SQRT_M1 = 19681161376707505956807079304988542015446066515923890162744021073123829784752
_BX = 15112221349535400772501151409588531511454012693041857206046113283949847762202
_BY = 46316835694926478169428394003475163141307993866256225615783033603165251855960
_BASE = (_BX, _BY, 1, _BX * _BY % P)
_IDENTITY = (0, 1, 1, 0)


def _add(p1, p2):
    """p1 + p2 (add-2008-hwcd-3; complete for a = -1)."""
    mul = field.mul
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = mul(y1 - x1 + P, y2 - x2 + P)
    b = mul(y1 + x1, y2 + x2)
    c = mul(mul(t1, t2), _D2)
    d = 2 * mul(z1, z2)
    e = b - a + P
    f = d - c + P
    g = d + c
    h = b + a
    return mul(e, f), mul(g, h), mul(f, g), mul(e, h)


def _double(p1):
    """2 * p1 (dbl-2008-hwcd)."""
    mul, sq = field.mul, field.sq
    x1, y1, z1, _ = p1
    a = sq(x1)
    b = sq(y1)
    c = 2 * sq(z1)
    h = a + b
    e = h - sq(x1 + y1) + P
    g = a - b + P
    f = c + g
    return mul(e, f), mul(g, h), mul(f, g), mul(e, h)


def _negate(p1):
    x, y, z, t = p1
    return (P - x) % P, y, z, (P - t) % P


def _base_mult(n):
    """[n]B for a secret scalar n < 2^255: one addition and one doubling per
    bit whatever its value, the operands chosen by masking."""
    r0 = _IDENTITY
    r1 = _BASE
    swap = 0
    for t in range(254, -1, -1):
        bit = (n >> t) & 1
        mask = -(swap ^ bit)
        swap = bit
        r0, r1 = _cswap(r0, r1, mask)
        r1 = _add(r0, r1)
        r0 = _double(r0)
    r0, r1 = _cswap(r0, r1, -swap)
    return r0


def _cswap(p1, p2, mask):
    out1 = []
    out2 = []
    for i in range(4):
        a = p1[i]
        b = p2[i]
        d = (a ^ b) & mask
        out1.append(a ^ d)
        out2.append(b ^ d)
    return tuple(out1), tuple(out2)


def _encode(p1):
    x, y, z, _ = p1
    zi = field.inv(z)
    x = field.mul(x, zi)
    y = field.mul(y, zi)
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def _decode(data):
    """The point encoded by 32 bytes, or None when the encoding is not
    canonical (y >= p, or x = 0 with the sign bit set) or not on the curve."""
    if len(data) != 32:
        return None
    y = field.decode(data)
    sign = data[31] >> 7
    if y >= P:
        return None
    mul, sq = field.mul, field.sq
    yy = sq(y)
    u = yy - 1 + P
    v = mul(_D, yy) + 1
    v3 = mul(sq(v), v)
    x = mul(mul(u, v3), field.pow_p58(mul(u, mul(sq(v3), v))))
    vxx = mul(v, sq(x))
    u %= P
    if vxx != u:
        if vxx != (P - u) % P:
            return None
        x = mul(x, _SQRT_M1)
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = P - x
    return x, y, 1, mul(x, y)


def _feed(h, data):
    if isinstance(data, (bytes, bytearray, memoryview)):
        h.update(data)
    else:
        for part in data:
            _feed(h, part)


def _hash_int(*parts):
    h = SHA512()
    _feed(h, parts)
    return int.from_bytes(h.digest(), "little")


def _expand(seed):
    if len(seed) != 32:
        raise ValueError("an Ed25519 seed is 32 bytes")
    digest = SHA512(seed).digest()
    a = int.from_bytes(digest[:32], "little")
    a = (a & ((1 << 254) - 8)) | (1 << 254)
    return a, digest[32:]


_last = [None, None]  # one-entry cache: the seed used last -> (a, prefix, public key)


def _keys(seed):
    """(a, prefix, public key) of a seed; a device signs with one seed, so
    they are computed once, not per signature."""
    if _last[0] != seed:
        a, prefix = _expand(seed)
        public = field.fast.base_mul(a) if field.fast else _encode(_base_mult(a))
        _last[1] = (a, prefix, public)
        _last[0] = bytes(seed)
    return _last[1]


def public_key(seed):
    """The 32-byte public key of a 32-byte seed."""
    return _keys(seed)[2]


def sign(seed, msg):
    """The 64-byte signature of `msg` by the key of `seed`."""
    a, prefix, public = _keys(seed)
    r = _hash_int(prefix, msg) % L
    big_r = field.fast.base_mul(r) if field.fast else _encode(_base_mult(r))
    k = _hash_int(big_r, public, msg) % L
    s = (r + k * a) % L
    return big_r + s.to_bytes(32, "little")


def verify(public, msg, sig):
    """True when `sig` is a valid signature of `msg` by `public`. Rejects
    S >= L and non-canonical or undecodable encodings of A and R."""
    if len(public) != 32 or len(sig) != 64:
        return False
    s = int.from_bytes(sig[32:], "little")
    if s >= L:
        return False
    if field.fast:
        return field.fast.verify(s, _hash_int(sig[:32], public, msg) % L, public, sig[:32])
    a = _decode(public)
    r = _decode(sig[:32])
    if a is None or r is None:
        return False
    k = _hash_int(sig[:32], public, msg) % L
    # Q = [s]B + [k](-A) - R must be of small order: [8]Q = identity.
    neg_a = _negate(a)
    both = _add(_BASE, neg_a)
    q = _IDENTITY
    for t in range(252, -1, -1):
        q = _double(q)
        bits = ((s >> t) & 1) | (((k >> t) & 1) << 1)
        if bits == 1:
            q = _add(q, _BASE)
        elif bits == 2:
            q = _add(q, neg_a)
        elif bits == 3:
            q = _add(q, both)
    q = _add(q, _negate(r))
    q = _double(_double(_double(q)))
    x, y, z, _ = q
    return x % P == 0 and (y - z) % P == 0
