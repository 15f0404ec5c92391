"""The board's random source for its keys and for each message's e, K and
iv: an HMAC_DRBG with SHA-256 (NIST SP 800-90A, nes/crypto/drbg.py) whose
seed is the hash of many os.urandom samples, the timing jitter of hashing measured with
ticks_us, and what the board offers (`board.noise()`: ADC readings on the
Pico W). It is reseeded from the same sources every RESEED_REQUESTS requests,
and `mix(extra)` reseeds it with extra entropy as well: `nes provision`
sends 32 bytes of the host's os.urandom over the REPL, used once and never
stored. docs/CRYPTO.md gives the argument for each chip."""
import hashlib
import os
import time

import board

from .crypto.drbg import HmacDrbg
from .proto.constants import const

_SAMPLES = const(16)  # os.urandom samples of 32 bytes in one seed
_JITTER_ROUNDS = const(8)  # timed hashes after each sample
RESEED_REQUESTS = const(256)

_urandom = os.urandom  # module attributes, so that a test can stand in for the sources
_drbg = None


def _jitter():
    """The low bits of ticks_us around each of a run of hashes."""
    out = bytearray(_JITTER_ROUNDS)
    digest = b""
    for i in range(_JITTER_ROUNDS):
        start = time.ticks_us()
        digest = hashlib.sha256(digest).digest()
        out[i] = time.ticks_diff(time.ticks_us(), start) & 0xFF
    return bytes(out)


def seed_material():
    """Fresh entropy input: the SHA-256 of os.urandom samples, hashing jitter
    and board noise (hashed as they come, so that a seed costs the small
    heap no large block)."""
    pool = hashlib.sha256()
    for _ in range(_SAMPLES):
        pool.update(_urandom(32))
        pool.update(_jitter())
    noise = getattr(board, "noise", None)
    if noise is not None:
        pool.update(noise())
    return pool.digest()


def random(n):
    """`n` bytes from the DRBG (instantiated on first use)."""
    global _drbg
    if _drbg is None:
        _drbg = HmacDrbg(seed_material(), _urandom(16), b"nes/1 " + board.NAME.encode())
    elif _drbg.counter > RESEED_REQUESTS:
        _drbg.reseed(seed_material())
    return _drbg.generate(n)


def mix(extra):
    """Reseed with fresh entropy and `extra` (the host's, from nes provision)."""
    random(0)
    _drbg.reseed(seed_material(), bytes(extra))
