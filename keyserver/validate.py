"""Checks on registration input; each failure names the offending field."""
import base64
import binascii
import re

from host_tools.protocol import x25519
from host_tools.protocol.constants import KEY_BYTES, USERNAME_RE

# A practical address shape: dot-atom local part, a domain of LDH labels with
# at least one dot. No quoted local parts, no IP literals.
_EMAIL_RE = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\Z"
)
_MAX_EMAIL = 254
_MAX_LOCAL = 64
# RFC 2047 encoded words start so; a mail library would decode one in the To
# header into another address, or into a line break.
_ENCODED_WORD = "=?"
# Any scalar: X25519 with a low-order point gives all zeros whatever it is.
_PROBE = bytes(range(1, KEY_BYTES + 1))
FIELDS = ("username", "email", "public_key_message", "public_key_sign")


class ValidationError(Exception):
    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def username(value):
    """The lower-cased username, or ValidationError."""
    if not isinstance(value, str) or not value.isascii():
        raise ValidationError("username", "username must be 3 to 32 characters of a-z 0-9 _ -")
    name = value.lower()
    if not USERNAME_RE.match(name):
        raise ValidationError("username", "username must be 3 to 32 characters of a-z 0-9 _ -")
    return name


def email(value):
    """A plain ASCII addr-spec, sent as it is (no encoded words)."""
    if (not isinstance(value, str) or len(value) > _MAX_EMAIL or not _EMAIL_RE.match(value)
            or len(value.rpartition("@")[0]) > _MAX_LOCAL or _ENCODED_WORD in value):
        raise ValidationError("email", "email is not an e-mail address")
    return value


def public_key(value, field):
    """The raw key of canonical base64 text for 32 bytes."""
    if isinstance(value, str):
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raw = None
        if raw is not None and len(raw) == KEY_BYTES and base64.b64encode(raw).decode() == value:
            return raw
    raise ValidationError(field, "%s must be the base64 of %d bytes" % (field, KEY_BYTES))


def message_key(raw):
    """`raw`, unless it is an X25519 key of low order (any encoding of one):
    every shared secret with it is zero, so nothing sealed to it is secret."""
    try:
        x25519.x25519(_PROBE, raw)
    except ValueError:
        raise ValidationError("public_key_message", "public_key_message is a low-order X25519 point") from None
    return raw


def registration(body):
    """The checked fields of a POST /users body: a dict of the four FIELDS."""
    if not isinstance(body, dict):
        raise ValidationError(None, "the body must be a JSON object")

    def field(name):
        if name not in body:
            raise ValidationError(name, "%s is missing" % name)
        return body[name]

    name = username(field("username"))
    address = email(field("email"))
    message_raw = message_key(public_key(field("public_key_message"), "public_key_message"))
    sign_raw = public_key(field("public_key_sign"), "public_key_sign")
    if message_raw == sign_raw:
        raise ValidationError("public_key_sign", "public_key_sign must differ from public_key_message")
    return {
        "username": name,
        "email": address,
        "public_key_message": body["public_key_message"],
        "public_key_sign": body["public_key_sign"],
    }
