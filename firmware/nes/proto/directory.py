"""Checking a key-server answer (docs/PROTOCOL.md §10) before any of its keys
is used: the signature with the pinned server key over one of the two signed
statements (a name's keys, or that it has none), the name, the times against
the board's clock and the serial against the highest one seen for the name."""
from ..crypto import b64, ed25519
from .constants import (
    KEY_BYTES, LOOKUP_ABSENT_LABEL, LOOKUP_KEYS_LABEL, LOOKUP_LOGGED_LABEL, MAX_LOOKUP_SKEW_S,
    SIGNATURE_BYTES,
)
from .errors import DirectoryError
from .names import is_username

_MAX_INT = (1 << 53) - 1


# Here rather than in errors.py: only a lookup loads them (heap on small boards).
class StaleAnswerError(DirectoryError):
    """A signed key-server answer that has expired or was issued in the future."""


class RollbackError(DirectoryError):
    """A signed key-server answer older (lower serial) than one already seen for the name."""


def signed_bytes(username, serial, issued_at, expires_at, keys=None, logged=None):
    """label || u8(len(U)) || U || u64be(serial) || u64be(issued_at) || u64be(expires_at)
    [|| M || S [|| logged]]: `logged` (logstate.commitment) makes it "lookup logged"."""
    name = username.encode()
    label = LOOKUP_ABSENT_LABEL if keys is None else LOOKUP_LOGGED_LABEL if logged else LOOKUP_KEYS_LABEL
    parts = [label, bytes((len(name),)), name,
             serial.to_bytes(8, "big"), issued_at.to_bytes(8, "big"), expires_at.to_bytes(8, "big")]
    if keys is not None:
        parts.extend(keys)
        if logged:
            parts.append(logged)
    return b"".join(parts)


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


def _integer(obj, name):
    value = obj.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _MAX_INT:
        raise DirectoryError("answer has no valid %s" % name)
    return value


def expired(expires_at, now):
    """True once an answer expiring at `expires_at` may no longer be used."""
    return now >= expires_at + MAX_LOOKUP_SKEW_S


def read_answer(status, answer, username, server_public, now, seen_serial=0, logged=None):
    """(keys or None, serial, issued_at, expires_at) of a parsed answer served
    with HTTP `status` (200: keys (M, S); 404: "no such user", keys None) for
    `username`; `now` in Unix seconds. With `logged` (logstate.commitment), keys
    must be signed as the "lookup logged" statement. DirectoryError
    (StaleAnswerError, RollbackError) for anything that must not be used."""
    if status != 200 and status != 404:
        raise DirectoryError("key server answered HTTP %d" % status)
    if not isinstance(answer, dict) or not isinstance(answer.get("response"), dict):
        raise DirectoryError("answer has no signed response object")
    entry = answer["response"]
    if entry.get("username") != username or not is_username(username):
        raise DirectoryError("answer is for another username")
    keys = None
    if status == 200:
        keys = (_field(entry, "public_key_message", KEY_BYTES), _field(entry, "public_key_sign", KEY_BYTES))
    serial = _integer(entry, "serial")
    issued_at = _integer(entry, "issued_at")
    expires_at = _integer(entry, "expires_at")
    if issued_at > expires_at:
        raise DirectoryError("answer for %s expires before it was issued" % username)
    signature = _field(answer, "signature", SIGNATURE_BYTES)
    if not ed25519.verify(server_public, signed_bytes(username, serial, issued_at, expires_at, keys,
                                                      keys and logged), signature):
        raise DirectoryError("key-server signature does not verify with the pinned key")
    if issued_at > now + MAX_LOOKUP_SKEW_S:
        raise StaleAnswerError("answer for %s was issued %d s in the future of this board's clock"
                               % (username, issued_at - now))
    if expired(expires_at, now):
        raise StaleAnswerError("answer for %s expired %d s ago" % (username, now - expires_at))
    if serial < seen_serial:
        raise RollbackError("answer for %s has serial %d, older than serial %d seen before "
                            "(a replayed answer)" % (username, serial, seen_serial))
    return keys, serial, issued_at, expires_at


def verify_lookup(answer, username, server_public, now):
    """(M, S) of a parsed 200 answer for `username`, checked as read_answer does."""
    return read_answer(200, answer, username, server_public, now)[0]
