"""A user's two key pairs (docs/PROTOCOL.md §3)."""
import os

from . import signing, x25519
from .constants import KEY_BYTES


def generate(random=os.urandom):
    """(message_secret, message_public, sign_seed, sign_public), drawn in that order."""
    message_secret = random(KEY_BYTES)
    sign_seed = random(KEY_BYTES)
    message_public = x25519.public_key(message_secret)
    sign_public = signing.public_key(sign_seed)
    if message_public == sign_public:
        raise ValueError("the two public keys must differ")
    return message_secret, message_public, sign_seed, sign_public
