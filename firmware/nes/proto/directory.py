"""Checking a key-server answer (docs/PROTOCOL.md §10) against the pinned
server key before any of its keys is used."""
from ..crypto import b64, ed25519
from .constants import KEY_BYTES, LOOKUP_LABEL, SIGNATURE_BYTES
from .errors import DirectoryError
from .names import is_username


def signed_bytes(username, message_public, sign_public):
    """LOOKUP_LABEL || u8(len(U)) || U || M || S."""
    name = username.encode()
    return LOOKUP_LABEL + bytes((len(name),)) + name + message_public + sign_public


def _field(obj, name, size):
    value = obj.get(name)
    if not isinstance(value, str):
        raise DirectoryError("%s is missing or not a string" % name)
    try:
        raw = b64.decode(value)
    except ValueError:
        raise DirectoryError("%s is not canonical base64" % name)
    if len(raw) != size:
        raise DirectoryError("%s has the wrong length" % name)
    return raw


def verify_lookup(answer, username, server_public):
    """(message_public, sign_public) of a parsed answer for `username`,
    or DirectoryError."""
    if not isinstance(answer, dict) or not isinstance(answer.get("response"), dict):
        raise DirectoryError("answer has no response object")
    entry = answer["response"]
    if entry.get("username") != username or not is_username(username):
        raise DirectoryError("answer is for another username")
    message_public = _field(entry, "public_key_message", KEY_BYTES)
    sign_public = _field(entry, "public_key_sign", KEY_BYTES)
    signature = _field(answer, "signature", SIGNATURE_BYTES)
    data = signed_bytes(username, message_public, sign_public)
    if not ed25519.verify(server_public, data, signature):
        raise DirectoryError("key-server signature does not verify with the pinned key")
    return message_public, sign_public
