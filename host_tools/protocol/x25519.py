"""X25519 (RFC 7748 §5) on raw 32-byte keys, over pycryptodome."""
from Crypto.Protocol import DH
from Crypto.PublicKey import ECC

from .constants import KEY_BYTES


def x25519(k, u):
    """X25519(k, u) as 32 bytes.

    Raises ValueError when `u` is a low-order point (the result would be all
    zero); pycryptodome refuses exactly those points, reduced modulo p, when it
    imports them."""
    if len(k) != KEY_BYTES or len(u) != KEY_BYTES:
        raise ValueError("X25519 keys are 32 bytes")
    private = ECC.construct(curve="Curve25519", seed=bytes(k))
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
