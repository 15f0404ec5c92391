"""Ed25519 (RFC 8032) on raw 32-byte keys, over pycryptodome. A public key
is decoded (a point decompression) once per process and key, not per
signature checked: a listener checks many frames of few senders."""
import functools
import os

from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa

from .constants import KEY_BYTES, SIGNATURE_BYTES


def public_key(seed):
    """The 32-byte public key of an Ed25519 seed."""
    return ECC.construct(curve="Ed25519", seed=seed).public_key().export_key(format="raw")


def generate(random=os.urandom):
    """A new (seed, public) pair."""
    seed = random(KEY_BYTES)
    return seed, public_key(seed)


def sign(seed, data):
    return eddsa.new(ECC.construct(curve="Ed25519", seed=seed), "rfc8032").sign(data)


def verify(public, data, signature):
    """True when `signature` is a valid RFC 8032 signature of `data` by `public`."""
    if len(public) != KEY_BYTES or len(signature) != SIGNATURE_BYTES:
        return False
    try:
        eddsa.new(_public_key(bytes(public)), "rfc8032").verify(data, signature)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=1024)
def _public_key(public):
    return eddsa.import_public_key(public)
