"""Signed key-server answers (docs/PROTOCOL.md §10): what the server signs and
what a client checks before it trusts a key."""
import base64
import binascii

from . import signing
from .constants import KEY_BYTES, LOOKUP_LABEL, USERNAME_RE
from .errors import DirectoryError


def lookup_signed_bytes(username, public_key_message, public_key_sign):
    name = username.encode("ascii")
    return LOOKUP_LABEL + bytes([len(name)]) + name + public_key_message + public_key_sign


def sign_lookup(server_seed, username, public_key_message, public_key_sign):
    """The server's signature for a user's entry, as b64 text."""
    data = lookup_signed_bytes(username, public_key_message, public_key_sign)
    return base64.b64encode(signing.sign(server_seed, data)).decode("ascii")


def _b64(text, size, what):
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise DirectoryError("%s is not base64" % what) from None
    if base64.b64encode(raw).decode("ascii") != text:  # as the boards: canonical only (§10)
        raise DirectoryError("%s is not canonical base64" % what)
    if size is not None and len(raw) != size:
        raise DirectoryError("%s has %d bytes, expected %d" % (what, len(raw), size))
    return raw


def verify_lookup(answer, username, server_public):
    """Check a parsed lookup answer for `username`; return (message_key, sign_key)."""
    if not isinstance(answer, dict) or not isinstance(answer.get("response"), dict):
        raise DirectoryError("answer has no response object")
    entry = answer["response"]
    if entry.get("username") != username or not USERNAME_RE.match(username):
        raise DirectoryError("answer is for another username")
    for field in ("public_key_message", "public_key_sign"):
        if not isinstance(entry.get(field), str):
            raise DirectoryError("answer has no %s" % field)
    if not isinstance(answer.get("signature"), str):
        raise DirectoryError("answer is not signed")
    message_key = _b64(entry["public_key_message"], KEY_BYTES, "public_key_message")
    sign_key = _b64(entry["public_key_sign"], KEY_BYTES, "public_key_sign")
    signature = _b64(answer["signature"], None, "signature")
    data = lookup_signed_bytes(username, message_key, sign_key)
    if not signing.verify(server_public, data, signature):
        raise DirectoryError("key-server signature does not verify with the pinned key")
    return message_key, sign_key
