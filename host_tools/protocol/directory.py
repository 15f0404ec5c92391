"""Signed key-server answers (docs/PROTOCOL.md §10): the two statements a
server signs (a name's keys, or that the name has none) and every check a
client makes before it trusts one."""
import base64
import binascii
import struct
import time
from typing import NamedTuple, Optional, Tuple

from . import signing
from .constants import (
    KEY_BYTES, LOOKUP_ABSENT_LABEL, LOOKUP_KEYS_LABEL, LOOKUP_LOGGED_LABEL, MAX_LOOKUP_SKEW_S, MAX_TIMESTAMP,
    SIGNATURE_BYTES, USERNAME_RE,
)
from .errors import DirectoryError, RollbackError, StaleAnswerError

KEYS = 200
ABSENT = 404


class Answer(NamedTuple):
    """A verified answer; `keys` is (M, S), or None for "no such user"."""
    username: str
    keys: Optional[Tuple[bytes, bytes]]
    serial: int
    issued_at: int
    expires_at: int


def signed_bytes(username, serial, issued_at, expires_at, keys=None, logged=None):
    """label || u8(len(U)) || U || u64be(serial) || u64be(issued_at) || u64be(expires_at)
    [|| M || S [|| logged]]; `logged` (the log state the keys are proved in,
    tlog.answer_commitment) makes it the "lookup logged" statement."""
    name = username.encode("ascii")
    label = LOOKUP_ABSENT_LABEL if keys is None else LOOKUP_LOGGED_LABEL if logged else LOOKUP_KEYS_LABEL
    data = label + bytes([len(name)]) + name + struct.pack(">QQQ", serial, issued_at, expires_at)
    return data if keys is None else data + keys[0] + keys[1] + (logged or b"")


def _text(raw):
    return base64.b64encode(raw).decode("ascii")


def sign_answer(server_seed, username, serial, issued_at, expires_at, keys=None, logged=None):
    """The answer object a server sends: keys (M, S) with status 200, or the
    signed "no such user" (keys None) with status 404; with `logged`, the
    keys' signature is the "lookup logged" statement's."""
    response = {"username": username}
    if keys is not None:
        response["public_key_message"] = _text(keys[0])
        response["public_key_sign"] = _text(keys[1])
    response.update(serial=serial, issued_at=issued_at, expires_at=expires_at)
    signature = signing.sign(server_seed, signed_bytes(username, serial, issued_at, expires_at, keys, logged))
    answer = {"response": response, "signature": _text(signature)}
    if keys is None:
        answer.update(error="no such user", status=ABSENT)
    return answer


def _b64(text, size, what):
    if not isinstance(text, str):
        raise DirectoryError("answer has no %s" % what)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise DirectoryError("%s is not base64" % what) from None
    if base64.b64encode(raw).decode("ascii") != text:  # as the boards: canonical only (§10)
        raise DirectoryError("%s is not canonical base64" % what)
    if size is not None and len(raw) != size:
        raise DirectoryError("%s has %d bytes, expected %d" % (what, len(raw), size))
    return raw


def _integer(entry, field):
    value = entry.get(field)
    if type(value) is not int or not 0 <= value <= MAX_TIMESTAMP:
        raise DirectoryError("answer has no valid %s" % field)
    return value


def when(seconds):
    """`YYYY-MM-DD HH:MM:SS UTC` for Unix seconds."""
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))


def read_answer(status, answer, username, server_public, now, seen_serial=0, logged=None):
    """The Answer in a parsed lookup body served with HTTP `status` (200 or
    404) for `username`, checked against the pinned server key, the clock
    `now` (Unix seconds) and the highest serial already seen for the name.
    With `logged` (tlog.answer_commitment of the answer's log member), a keys
    answer must be signed as the "lookup logged" statement of that log state."""
    if status not in (KEYS, ABSENT):
        raise DirectoryError("key server answered HTTP %d" % status)
    if not isinstance(answer, dict) or not isinstance(answer.get("response"), dict):
        what = "a no-such-user answer" if status == ABSENT else "answer"
        raise DirectoryError("%s has no signed response object" % what)
    entry = answer["response"]
    if entry.get("username") != username or not USERNAME_RE.match(username):
        raise DirectoryError("answer is for another username")
    keys = None
    if status == KEYS:
        keys = (_b64(entry.get("public_key_message"), KEY_BYTES, "public_key_message"),
                _b64(entry.get("public_key_sign"), KEY_BYTES, "public_key_sign"))
    serial, issued_at, expires_at = (_integer(entry, f) for f in ("serial", "issued_at", "expires_at"))
    if issued_at > expires_at:
        raise DirectoryError("answer for %s expires before it was issued" % username)
    signature = _b64(answer.get("signature"), SIGNATURE_BYTES, "signature")
    if not signing.verify(server_public,
                          signed_bytes(username, serial, issued_at, expires_at, keys, keys and logged),
                          signature):
        raise DirectoryError("key-server signature does not verify with the pinned key")
    if issued_at > now + MAX_LOOKUP_SKEW_S:
        raise StaleAnswerError("answer for %s was issued at %s, in the future (the clock here "
                               "says %s)" % (username, when(issued_at), when(now)))
    if expired(expires_at, now):
        raise StaleAnswerError("answer for %s expired at %s (the clock here says %s)"
                               % (username, when(expires_at), when(now)))
    if serial < seen_serial:
        raise RollbackError("answer for %s has serial %d, older than serial %d seen before "
                            "(a replayed answer)" % (username, serial, seen_serial))
    return Answer(username, keys, serial, issued_at, expires_at)


def expired(expires_at, now):
    """True once an answer expiring at `expires_at` may no longer be used."""
    return now >= expires_at + MAX_LOOKUP_SKEW_S


def verify_lookup(answer, username, server_public, now=None):
    """(message_key, sign_key) of a parsed 200 answer for `username`, checked
    as read_answer does (against the clock when `now` is not given)."""
    now = int(time.time()) if now is None else now
    return read_answer(KEYS, answer, username, server_public, now).keys
