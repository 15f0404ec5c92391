"""Key generation (docs/PROTOCOL.md §3): an X25519 message pair and an
Ed25519 signing pair from a secure random source."""
import os

from ..crypto import ed25519, x25519
from .constants import KEY_BYTES


def generate(random=os.urandom):
    """(message_secret, message_public, sign_seed, sign_public), raw bytes."""
    message_secret = random(KEY_BYTES)
    sign_seed = random(KEY_BYTES)
    message_public = x25519.public_key(message_secret)
    sign_public = ed25519.public_key(sign_seed)
    if message_public == sign_public:
        raise ValueError("the random source repeats itself")
    return message_secret, message_public, sign_seed, sign_public
