"""X25519 (RFC 7748 §5) on raw 32-byte keys, over pycryptodome.

pycryptodome computes a private key's public point (a scalar multiplication)
when the key object is made; a receiver's own long-term key (`static_key`) is
made once, not once per frame it opens. Ephemeral secrets are never kept."""
import functools

from Crypto.Protocol import DH
from Crypto.PublicKey import ECC

from .constants import KEY_BYTES


def x25519(k, u):
    """X25519(k, u) as 32 bytes.

    Raises ValueError when `u` is a low-order point (the result would be all
    zero); pycryptodome refuses exactly those points, reduced modulo p, when it
    imports them."""
    if len(k) != KEY_BYTES:
        raise ValueError("X25519 keys are 32 bytes")
    return agree(ECC.construct(curve="Curve25519", seed=bytes(k)), u)


def agree(private, u):
    """X25519 of a pycryptodome private key object and `u` (as x25519)."""
    if len(u) != KEY_BYTES:
        raise ValueError("X25519 keys are 32 bytes")
    try:
        public = DH.import_x25519_public_key(bytes(u))
        shared = DH.key_agreement(static_priv=private, static_pub=public, kdf=bytes)
    except ValueError:
        raise ValueError("low-order X25519 point") from None
    if not any(shared):
        raise ValueError("low-order X25519 point")
    return shared


def public_key(secret):
    """X25519(secret, 9): the public key of a 32-byte secret."""
    if len(secret) != KEY_BYTES:
        raise ValueError("X25519 keys are 32 bytes")
    return ECC.construct(curve="Curve25519", seed=bytes(secret)).public_key().export_key(format="raw")


@functools.lru_cache(maxsize=4)
def static_key(secret):
    """(pycryptodome private key, 32-byte public key) of a long-term secret, made
    once per process: the receiver's own key, which opens every frame."""
    if len(secret) != KEY_BYTES:
        raise ValueError("X25519 keys are 32 bytes")
    private = ECC.construct(curve="Curve25519", seed=bytes(secret))
    return private, private.public_key().export_key(format="raw")
