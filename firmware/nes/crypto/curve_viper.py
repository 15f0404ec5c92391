"""X25519 and the Ed25519 group operations for MicroPython's viper emitter.

The fast path of x25519.py and ed25519.py on ports that compile viper:
ESP32 (xtensawin), RP2040 (armv6m), the x86-64 unix port. The firmware
loads it through backend_viper.py (from field.py), which first decides
whether this board is to use it; under CPython importing it fails.

Programs of field operations for fe_viper.run: the Montgomery ladder, a
signed comb over a table of multiples of B for key generation and signing,
and the cofactored double-scalar check for verification (one chain of
doublings over NAF digits). Secret scalars reach the arithmetic only through
masks: the ladder swaps by masking and the comb's selection reads every
entry; only verification, on public data, branches on its digits. Not
re-entrant: the slots and buffers are module state. Design and measurements:
docs/CRYPTO.md.
"""
import micropython  # no such module under CPython: ImportError

from .curvecode_viper import (
    A_TABLE, AFFINE, B_TABLE, COMB, COMB_TABLE, DECODE, FIELD_CONSTANTS, LADDER, MONTGOMERY_U,
    P_FINISH, P_TO_R, SLOT_COUNT, SLOTS, VERIFY, X_NEGATE, X_TIMES_SQRTM1,
)
from .fe_viper import LIMB_BYTES, convert, run

BACKEND = "viper"


@micropython.viper
def _recode(kb: ptr8, lb: ptr8, out: ptr8):
    """Comb digits of a scalar k < L in kb[0:32] (kb[32] = 1), with L in lb.

    k + L replaces an even k (same point: [L]B is the identity), by masking.
    An odd k is sum((2c_i - 1) 2^i) with c_i = bit i + 1 of k and c_255 = 1
    (the bit in kb[32]). Digit 4*col + blk gathers the teeth c at
    64*blk + 16*t + col, t = 0..3, as bits t of a nibble."""
    even = (kb[0] & 1) - 1
    c = 0
    j = 0
    while j < 32:
        c += kb[j] + (lb[j] & even)
        kb[j] = c
        c >>= 8
        j += 1
    col = 0
    while col < 16:
        blk = 0
        while blk < 4:
            v = 0
            t = 0
            while t < 4:
                pos = 64 * blk + 16 * t + col + 1
                v |= ((kb[pos >> 3] >> (pos & 7)) & 1) << t
                t += 1
            out[col * 4 + blk] = v
            blk += 1
        col += 1


@micropython.viper
def _naf(kb: ptr8, out: ptr8, at: int):
    """Width-5 NAF digits of the public scalar in kb[0:32] (kb[32] = 0) into
    out[at:at + 256]: odd digits in [-15, 15] (sign bit 7, magnitude below), at
    least four zeros after each. Variable time: verification only."""
    j = 0
    while j < 256:
        out[at + j] = 0
        j += 1
    carry = 0
    i = 0
    while i < 256:
        if (kb[i >> 3] >> (i & 7)) & 1 == carry:  # bit + carry even: digit 0
            i += 1
            continue
        w = (((kb[i >> 3] | (kb[(i >> 3) + 1] << 8)) >> (i & 7)) & 31) + carry
        if w > 16:
            out[at + i] = 128 | (32 - w)
            carry = 1
        else:
            out[at + i] = w
            carry = 0
        i += 5


_P = (1 << 255) - 19
_L = (1 << 252) + 27742317777372353535851937790883648493
_L_BYTES = _L.to_bytes(32, "little")
_BASE_U = b"\x09" + bytes(31)
_ZERO32 = bytes(32)

_mem = bytearray(SLOT_COUNT * LIMB_BYTES)
_kbuf = bytearray(33)  # a scalar (comb: + the bit 256 set by _recode's caller)
_digits = bytearray(64)  # comb digits
_naf_in = bytearray(33)
_naf_digits = bytearray(512)  # verification: k's digits, then s's
_out = bytearray(32)
_table = COMB_TABLE  # 4 x 8 niels entries, multiples of B (curveprog_viper.comb_table)
_window_of = None  # the public key whose odd multiples the WA slots hold
_b_table_built = False
_B_ENC = b"\x58" + b"\x66" * 31  # B: y = 4/5, x even (RFC 8032 §5.1)


def _set(slot, data):
    convert(data, _mem, SLOTS[slot], 1)


def _set_int(slot, n):
    _set(slot, n.to_bytes(32, "little"))


def _get(slot):
    convert(_out, _mem, SLOTS[slot], 0)
    return bytes(_out)


def _exec(prog, k=_kbuf, start=0):
    run(_mem, prog, k, _table, start)


_set_int("ONE", 1)
_mem[SLOTS["D"] * LIMB_BYTES:(SLOTS["D"] + 3) * LIMB_BYTES] = FIELD_CONSTANTS  # D, D2, SQRTM1


def _comb(n):
    """Q = [n]B, by the signed comb over the table (constant time in n)."""
    _kbuf[0:32] = (n % _L).to_bytes(32, "little")
    _kbuf[32] = 1
    _recode(_kbuf, _L_BYTES, _digits)
    _exec(COMB, _digits, 15)


def base_mul(n):
    """The 32-byte encoding of [n]B for an integer n >= 0 (RFC 8032 §5.1.2)."""
    _comb(n)
    _exec(AFFINE)
    enc = bytearray(_get("QY"))
    enc[31] |= (_get("QX")[0] & 1) << 7
    return bytes(enc)


def x25519(k, u):
    """X25519(k, u) (RFC 7748 §5) for 32-byte k and u; u = 9 takes the
    fixed-base comb on the birationally equivalent Edwards curve."""
    if len(k) != 32 or len(u) != 32:
        raise ValueError("X25519 inputs are 32 bytes")
    if u == _BASE_U:
        n = int.from_bytes(k, "little")
        _comb((n & ((1 << 254) - 8)) | (1 << 254))
        _exec(MONTGOMERY_U)  # u = (1 + y) / (1 - y) = (Z + Y) / (Z - Y)
        return _get("N0")
    _kbuf[0:32] = k
    _kbuf[0] &= 248
    _kbuf[31] = (_kbuf[31] & 127) | 64
    _set("X1", u)
    _exec(LADDER, _kbuf, 254)
    return _get("X2")


def _decode(enc):
    """P = the point encoded by 32 bytes (public data, variable time); False
    when y >= p, x = 0 with the sign bit set, or it is not on the curve."""
    if int.from_bytes(enc, "little") & ((1 << 255) - 1) >= _P:
        return False
    _set("Y", enc)
    _exec(DECODE)
    vxx = _get("t5")
    if vxx != _get("t6"):
        if vxx != _get("t7"):
            return False
        _exec(X_TIMES_SQRTM1)
    x = _get("PX")
    sign = enc[31] >> 7
    if x == _ZERO32 and sign:
        return False
    if x[0] & 1 != sign:
        _exec(X_NEGATE)
    _exec(P_FINISH)
    return True


def verify(s, k, public, r_enc):
    """The cofactored check of RFC 8032 §5.1.7 on public data:
    [8]([s]B - [k]A - R) is the identity, for integers s < L (checked by the
    caller) and k < L, and the 32-byte encodings of A and R. [s]B + [k](-A)
    comes from one chain of doublings over the NAF digits of both."""
    global _window_of, _b_table_built
    if len(public) != 32 or len(r_enc) != 32:
        return False
    if not _b_table_built:
        _decode(_B_ENC)
        _exec(B_TABLE)
        _b_table_built = True
    if not _decode(r_enc):
        return False
    _exec(P_TO_R)
    if public != _window_of:
        # A board hears from few senders: the odd multiples of -A stay in
        # their slots (nothing else writes them) for the next signature by
        # the same key.
        _window_of = None
        if not _decode(public):
            return False
        _exec(A_TABLE)
        _window_of = bytes(public)
    for at, n in ((0, k), (256, s)):
        _naf_in[0:32] = n.to_bytes(32, "little")
        _naf(_naf_in, _naf_digits, at)
    _exec(VERIFY, _naf_digits, 253)
    return _get("QX") == _ZERO32 and _get("t5") == _ZERO32
