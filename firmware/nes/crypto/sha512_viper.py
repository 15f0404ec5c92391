"""SHA-512 (FIPS 180-4) for MicroPython's viper emitter.

The fast path of sha512.py (same SHA512 class and sha512 function) on ports
that compile viper: sha512.py loads it where field.py loaded the viper curve
code (backend_viper.py decides); under CPython importing it fails.

A 64-bit word is a pair of 32-bit halves (high, low). Sums of 64-bit words
carry between the halves through 16-bit partial sums, so nothing branches on
the data and nothing needs more than 32 bits: the 32-bit boards and the
64-bit unix port compute the same words (on the unix port the bits above 31
of a shifted half are masked off before they could reach a result).
"""
import struct
from array import array

import micropython  # no such module under CPython: ImportError
from micropython import const

_BLOCK = const(128)


@micropython.viper
def _compress(st: ptr32, blk: ptr8, off: int, kw: ptr32, w: ptr32):
    """Fold the block at blk[off:off + 128] into the state `st` (the eight
    words as high, low halves); `kw` holds the 80 round constants likewise,
    `w` is 32 words of scratch for the message schedule."""
    m32 = (uint(0xFFFF) << 16) | uint(0xFFFF)  # big literals are objects on 32-bit ports
    m16 = uint(0xFFFF)
    j = 0
    while j < 32:
        o = off + j * 4
        w[j] = (uint(blk[o]) << 24) | (uint(blk[o + 1]) << 16) | (uint(blk[o + 2]) << 8) | uint(blk[o + 3])
        j += 1
    ah = uint(st[0]); al = uint(st[1]); bh = uint(st[2]); bl = uint(st[3])
    ch = uint(st[4]); cl = uint(st[5]); dh = uint(st[6]); dl = uint(st[7])
    eh = uint(st[8]); el = uint(st[9]); fh = uint(st[10]); fl = uint(st[11])
    gh = uint(st[12]); gl = uint(st[13]); hh = uint(st[14]); hl = uint(st[15])
    t = 0
    while t < 80:
        j = (t & 15) * 2
        if t >= 16:
            # w[t] = s1(w[t-2]) + w[t-7] + s0(w[t-15]) + w[t-16], in place of w[t-16]
            xh = uint(w[(j + 28) & 31]); xl = uint(w[(j + 29) & 31])
            s1h = ((xh >> 19) | (xl << 13)) ^ ((xl >> 29) | (xh << 3)) ^ (xh >> 6)
            s1l = (((xl >> 19) | (xh << 13)) ^ ((xh >> 29) | (xl << 3)) ^ ((xl >> 6) | (xh << 26))) & m32
            xh = uint(w[(j + 2) & 31]); xl = uint(w[(j + 3) & 31])
            s0h = ((xh >> 1) | (xl << 31)) ^ ((xh >> 8) | (xl << 24)) ^ (xh >> 7)
            s0l = (((xl >> 1) | (xh << 31)) ^ ((xl >> 8) | (xh << 24)) ^ ((xl >> 7) | (xh << 25))) & m32
            xh = uint(w[(j + 18) & 31]); xl = uint(w[(j + 19) & 31])
            yh = uint(w[j]); yl = uint(w[j + 1])
            lo = (s1l & m16) + (s0l & m16) + (xl & m16) + (yl & m16)
            hi = (s1l >> 16) + (s0l >> 16) + (xl >> 16) + (yl >> 16) + (lo >> 16)
            w[j] = s1h + s0h + xh + yh + (hi >> 16)
            w[j + 1] = (lo & m16) | (hi << 16)
        # t1 = h + S1(e) + Ch(e, f, g) + k[t] + w[t]
        s1h = ((eh >> 14) | (el << 18)) ^ ((eh >> 18) | (el << 14)) ^ ((el >> 9) | (eh << 23))
        s1l = (((el >> 14) | (eh << 18)) ^ ((el >> 18) | (eh << 14)) ^ ((eh >> 9) | (el << 23))) & m32
        xh = gh ^ (eh & (fh ^ gh))
        xl = gl ^ (el & (fl ^ gl))
        yh = uint(kw[t * 2]); yl = uint(kw[t * 2 + 1])
        zh = uint(w[j]); zl = uint(w[j + 1])
        lo = (hl & m16) + (s1l & m16) + (xl & m16) + (yl & m16) + (zl & m16)
        hi = (hl >> 16) + (s1l >> 16) + (xl >> 16) + (yl >> 16) + (zl >> 16) + (lo >> 16)
        t1h = (hh + s1h + xh + yh + zh + (hi >> 16)) & m32
        t1l = (lo & m16) | ((hi & m16) << 16)
        # t2 = S0(a) + Maj(a, b, c); the words move down one place
        s0h = ((ah >> 28) | (al << 4)) ^ ((al >> 2) | (ah << 30)) ^ ((al >> 7) | (ah << 25))
        s0l = (((al >> 28) | (ah << 4)) ^ ((ah >> 2) | (al << 30)) ^ ((ah >> 7) | (al << 25))) & m32
        xh = (ah & bh) | (ch & (ah | bh))
        xl = (al & bl) | (cl & (al | bl))
        hh = gh; hl = gl; gh = fh; gl = fl; fh = eh; fl = el
        lo = (dl & m16) + (t1l & m16)
        hi = (dl >> 16) + (t1l >> 16) + (lo >> 16)
        eh = (dh + t1h + (hi >> 16)) & m32
        el = (lo & m16) | ((hi & m16) << 16)
        dh = ch; dl = cl; ch = bh; cl = bl; bh = ah; bl = al
        lo = (t1l & m16) + (s0l & m16) + (xl & m16)
        hi = (t1l >> 16) + (s0l >> 16) + (xl >> 16) + (lo >> 16)
        ah = (t1h + s0h + xh + (hi >> 16)) & m32
        al = (lo & m16) | ((hi & m16) << 16)
        t += 1
    w[0] = ah; w[1] = al; w[2] = bh; w[3] = bl; w[4] = ch; w[5] = cl; w[6] = dh; w[7] = dl
    w[8] = eh; w[9] = el; w[10] = fh; w[11] = fl; w[12] = gh; w[13] = gl; w[14] = hh; w[15] = hl
    j = 0
    while j < 16:
        xl = uint(st[j + 1])
        yl = uint(w[j + 1])
        lo = (xl & m16) + (yl & m16)
        hi = (xl >> 16) + (yl >> 16) + (lo >> 16)
        st[j] = uint(st[j]) + uint(w[j]) + (hi >> 16)
        st[j + 1] = (lo & m16) | (hi << 16)
        j += 2


@micropython.viper
def _store(st: ptr32, out: ptr8):
    """The 16 halves of the state, big-endian, into out[0:64]."""
    j = 0
    while j < 16:
        v = uint(st[j])
        out[4 * j] = v >> 24
        out[4 * j + 1] = v >> 16
        out[4 * j + 2] = v >> 8
        out[4 * j + 3] = v
        j += 1


_kw = None  # the round constants as 32-bit halves (load_constants)
_iv = None
_w = array("I", bytes(_BLOCK))
# digest()'s scratch, so that a digest allocates only its result (the module
# is not re-entrant anyway: _w is shared)
_final_state = array("I", bytes(64))
_final_block = bytearray(_BLOCK)
_out = bytearray(64)
_ZEROS = memoryview(bytes(_BLOCK))


def load_constants(k, iv):
    """Take the FIPS 180-4 constants from sha512.py, which loads this module
    (so this one cannot import it): k the 640-byte round constants, iv the
    eight initial words."""
    global _kw, _iv
    _kw = array("I", struct.unpack(">160I", k))
    _iv = array("I", struct.unpack(">16I", struct.pack(">8Q", *iv)))


class SHA512:
    """Incremental SHA-512: update() any number of times, then digest()."""

    def __init__(self, data=b""):
        self._state = array("I", _iv)
        self._pending = bytearray(_BLOCK)
        self._fill = 0
        self._length = 0
        if data:
            self.update(data)

    def update(self, data):
        n = len(data)
        self._length += n
        state = self._state
        pending = self._pending
        fill = self._fill
        start = 0
        if fill:
            start = min(_BLOCK - fill, n)
            pending[fill:fill + start] = memoryview(data)[:start]
            fill += start
            if fill < _BLOCK:
                self._fill = fill
                return
            _compress(state, pending, 0, _kw, _w)
        while n - start >= _BLOCK:
            _compress(state, data, start, _kw, _w)
            start += _BLOCK
        self._fill = n - start
        pending[:n - start] = memoryview(data)[start:]

    def digest(self):
        """The 64-byte hash (the object may still be updated afterwards)."""
        state = _final_state
        state[:] = self._state
        block = _final_block
        block[:] = self._pending
        fill = self._fill
        block[fill] = 0x80
        block[fill + 1:] = _ZEROS[:_BLOCK - fill - 1]
        if fill >= _BLOCK - 16:
            _compress(state, block, 0, _kw, _w)
            block[:] = _ZEROS
        block[_BLOCK - 16:] = (self._length * 8).to_bytes(16, "big")
        _compress(state, block, 0, _kw, _w)
        _store(state, _out)
        return bytes(_out)


def sha512(data):
    """The 64-byte SHA-512 of a bytes-like object."""
    return SHA512(data).digest()
