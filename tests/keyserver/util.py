"""Small helpers shared by the key-server tests."""
import base64
import os


def b64(raw):
    return base64.b64encode(raw).decode("ascii")


def random_keys():
    """(public_key_message, public_key_sign) as base64 text of two random 32-byte values."""
    return b64(os.urandom(32)), b64(os.urandom(32))


def registration(username="alice", email=None, keys=None):
    """A POST /users body."""
    message_key, sign_key = keys or random_keys()
    return {
        "username": username,
        "email": email or "%s@example.org" % username.lower(),
        "public_key_message": message_key,
        "public_key_sign": sign_key,
    }
