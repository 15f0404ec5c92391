"""SHA-512 (FIPS 180-4) over Python ints masked to 64 bits; MicroPython's
hashlib has no SHA-512. `compress` is the hot spot, kept apart so that a
faster backend can replace it."""
import binascii
import struct

_M = 0xFFFFFFFFFFFFFFFF

# The 80 round constants as big-endian 64-bit words: a 640-byte string
# keeps 80 long ints off the heap between calls.
_K = binascii.unhexlify(
    "428a2f98d728ae227137449123ef65cdb5c0fbcfec4d3b2fe9b5dba58189dbbc"
    "3956c25bf348b53859f111f1b605d019923f82a4af194f9bab1c5ed5da6d8118"
    "d807aa98a303024212835b0145706fbe243185be4ee4b28c550c7dc3d5ffb4e2"
    "72be5d74f27b896f80deb1fe3b1696b19bdc06a725c71235c19bf174cf692694"
    "e49b69c19ef14ad2efbe4786384f25e30fc19dc68b8cd5b5240ca1cc77ac9c65"
    "2de92c6f592b02754a7484aa6ea6e4835cb0a9dcbd41fbd476f988da831153b5"
    "983e5152ee66dfaba831c66d2db43210b00327c898fb213fbf597fc7beef0ee4"
    "c6e00bf33da88fc2d5a79147930aa72506ca6351e003826f142929670a0e6e70"
    "27b70a8546d22ffc2e1b21385c26c9264d2c6dfc5ac42aed53380d139d95b3df"
    "650a73548baf63de766a0abb3c77b2a881c2c92e47edaee692722c851482353b"
    "a2bfe8a14cf10364a81a664bbc423001c24b8b70d0f89791c76c51a30654be30"
    "d192e819d6ef5218d69906245565a910f40e35855771202a106aa07032bbd1b8"
    "19a4c116b8d2d0c81e376c085141ab532748774cdf8eeb9934b0bcb5e19b48a8"
    "391c0cb3c5c95a634ed8aa4ae3418acb5b9cca4f7763e373682e6ff3d6b2b8a3"
    "748f82ee5defb2fc78a5636f43172f6084c87814a1f0ab728cc702081a6439ec"
    "90befffa23631e28a4506cebde82bde9bef9a3f7b2c67915c67178f2e372532b"
    "ca273eceea26619cd186b8c721c0c207eada7dd6cde0eb1ef57d4f7fee6ed178"
    "06f067aa72176fba0a637dc5a2c898a6113f9804bef90dae1b710b35131c471b"
    "28db77f523047d8432caab7b40c724933c9ebe0a15c9bebc431d67c49c100d4c"
    "4cc5d4becb3e42b6597f299cfc657e2a5fcb6fab3ad6faec6c44198c4a475817"
)

_IV = (
    0x6A09E667F3BCC908, 0xBB67AE8584CAA73B, 0x3C6EF372FE94F82B, 0xA54FF53A5F1D36F1,
    0x510E527FADE682D1, 0x9B05688C2B3E6C1F, 0x1F83D9ABFB41BD6B, 0x5BE0CD19137E2179,
)


def compress(state, block):
    """Fold one 128-byte block into `state` (a list of eight 64-bit ints).

    Rotations are taken from a 128-bit copy x | x << 64: rotr(x, n) is then
    (x2 >> n) & M, which saves the shift back of each rotation. The round
    constants are unpacked 16 at a time, matching the 16-word schedule."""
    M = _M
    w = list(struct.unpack(">16Q", block))
    a, b, c, d, e, f, g, h = state
    for r in range(5):
        ks = struct.unpack_from(">16Q", _K, r << 7)
        for j in range(16):
            if r:
                x = w[(j + 1) & 15]
                x2 = x | (x << 64)
                s0 = ((x2 >> 1) ^ (x2 >> 8) ^ (x >> 7)) & M
                x = w[(j + 14) & 15]
                x2 = x | (x << 64)
                s1 = ((x2 >> 19) ^ (x2 >> 61) ^ (x >> 6)) & M
                w[j] = (w[j] + s0 + w[(j + 9) & 15] + s1) & M
            e2 = e | (e << 64)
            t1 = (h + (((e2 >> 14) ^ (e2 >> 18) ^ (e2 >> 41)) & M)
                  + (g ^ (e & (f ^ g))) + ks[j] + w[j])
            a2 = a | (a << 64)
            t2 = (((a2 >> 28) ^ (a2 >> 34) ^ (a2 >> 39)) & M) + ((a & b) | (c & (a | b)))
            h = g
            g = f
            f = e
            e = (d + t1) & M
            d = c
            c = b
            b = a
            a = (t1 + t2) & M
    state[0] = (state[0] + a) & M
    state[1] = (state[1] + b) & M
    state[2] = (state[2] + c) & M
    state[3] = (state[3] + d) & M
    state[4] = (state[4] + e) & M
    state[5] = (state[5] + f) & M
    state[6] = (state[6] + g) & M
    state[7] = (state[7] + h) & M


class SHA512:
    """Incremental SHA-512: update() any number of times, then digest() once."""

    def __init__(self, data=b""):
        self._state = list(_IV)
        self._pending = bytearray()
        self._length = 0
        if data:
            self.update(data)

    def update(self, data):
        state = self._state
        pending = self._pending
        self._length += len(data)
        view = memoryview(data)
        start = 0
        if pending:
            start = 128 - len(pending)
            pending.extend(view[:start])
            if len(pending) < 128:
                return
            compress(state, pending)
            pending[:] = b""
        end = len(view)
        while end - start >= 128:
            compress(state, view[start:start + 128])
            start += 128
        pending.extend(view[start:])

    def digest(self):
        """The 64-byte hash; the object must not be updated afterwards."""
        bits = self._length * 8
        pad = b"\x80" + bytes((111 - self._length) % 128)
        self.update(pad)
        self.update(bits.to_bytes(16, "big"))
        return struct.pack(">8Q", *self._state)


def sha512(data):
    """The 64-byte SHA-512 of a bytes-like object."""
    return SHA512(data).digest()


from .field import fast  # noqa: E402

if fast:  # the viper compression goes with the viper curve code (field.py)
    from .sha512_viper import SHA512, sha512  # noqa: F811
