"""The test-vector file format of docs/PROTOCOL.md §12: parse and write.

A parsed vector is a dict: b64 fields as bytes, `timestamp`/`now`/`opens` as
int, `message` as str, `directory` as a dict name -> signing key, and `frame`
as the exact frame bytes (from either `frame` or `frame_b64`).

Lookup vectors (tests/vectors/lookup/, §12) use the same lines with their own
fields: `parse_lookup` and `dumps_lookup`."""
import base64
import binascii
import json

from .inner import json_string

HEADER = "# nes/1 test vector (docs/PROTOCOL.md §12), written by tests/vectors/generate.py; do not edit.\n"
ORDER = (
    "scenario", "sender", "sender_sign_seed", "sender_sign_public",
    "recipient", "recipient_message_secret", "recipient_message_public",
    "receiver", "directory", "ephemeral", "file_key", "iv", "timestamp",
    "message", "now", "opens", "frame", "frame_b64", "expect",
)
B64 = frozenset((
    "sender_sign_seed", "sender_sign_public", "recipient_message_secret",
    "recipient_message_public", "ephemeral", "file_key", "iv", "frame_b64",
))
INTS = frozenset(("timestamp", "now", "opens"))
LITERALS = frozenset(("message", "frame"))
REQUIRED = frozenset((
    "scenario", "sender", "sender_sign_seed", "sender_sign_public", "recipient",
    "recipient_message_secret", "recipient_message_public", "receiver", "now",
    "opens", "frame", "expect",
))
SEALING = ("ephemeral", "file_key", "iv", "timestamp", "message")

LOOKUP_ORDER = (
    "scenario", "server_sign_seed", "server_sign_public", "username", "now", "seen_serial",
    "status", "body", "public_key_message", "public_key_sign", "serial", "issued_at",
    "expires_at", "expect",
)
LOOKUP_B64 = frozenset(("server_sign_seed", "server_sign_public", "public_key_message",
                        "public_key_sign"))
LOOKUP_INTS = frozenset(("now", "seen_serial", "status", "serial", "issued_at", "expires_at"))
LOOKUP_REQUIRED = frozenset(("scenario", "server_sign_public", "username", "now", "seen_serial",
                             "status", "body", "expect"))


def _b64(text):
    raw = binascii.a2b_base64(text)
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("not canonical base64")
    return raw


def _value(name, text, b64s=B64, ints=INTS, literals=LITERALS):
    if name in b64s:
        return _b64(text)
    if name in ints:
        if not text.isdigit():
            raise ValueError("not a decimal integer")
        return int(text)
    if name in literals:
        value = json.loads(text)
        if not isinstance(value, str):
            raise ValueError("not a JSON string literal")
        return value.encode("utf-8") if name in ("frame", "body") else value
    return text


def _fields(text, order, required, value, vector):
    """Read the `name: value` lines of `text` into `vector` with value(name, text)."""
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        name, colon, rest = line.partition(":")
        try:
            if not colon or name not in order:
                raise ValueError("unknown field %r" % name)
            value_text = rest.strip()
            if name == "directory":
                user, key = value_text.split()
                vector["directory"][user] = _b64(key)
                continue
            parsed = value(name, value_text)
            if name == "frame_b64":
                name = "frame"
            if name in vector:
                raise ValueError("field %s given twice" % name)
        except ValueError as e:
            raise ValueError("vector line %d: %s" % (number, e)) from None
        vector[name] = parsed
    missing = required - set(vector)
    if missing:
        raise ValueError("vector lacks %s" % ", ".join(sorted(missing)))
    return vector


def _lookup_value(name, text):
    return _value(name, text, LOOKUP_B64, LOOKUP_INTS, ("body",))


def parse_lookup(text):
    """The lookup vector in `text` (`body` as the exact answer bytes)."""
    return _fields(text, LOOKUP_ORDER, LOOKUP_REQUIRED, _lookup_value, {})


def dumps_lookup(vector):
    """The text of a lookup vector given as `parse_lookup` returns it."""
    lines = [HEADER]
    for name in LOOKUP_ORDER:
        if name not in vector:
            continue
        value = vector[name]
        if name in LOOKUP_B64:
            value = base64.b64encode(value).decode("ascii")
        elif name == "body":
            value = json_string(value.decode("utf-8"))
        lines.append("%s: %s\n" % (name, value))
    return "".join(lines)


def parse(text):
    """The vector in `text`; ValueError naming the line for anything malformed."""
    vector = _fields(text, ORDER, REQUIRED, _value, {"directory": {}})
    sealing = [name in vector for name in SEALING]
    if any(sealing[:3]) and not all(sealing):
        raise ValueError("vector has only some of %s" % ", ".join(SEALING))
    if vector["expect"] == "ok" and not all(sealing[3:]):
        raise ValueError("ok vector lacks timestamp or message")
    return vector


def dumps(vector):
    """The text of a vector given as `parse` returns it."""
    lines = [HEADER]
    for name in ORDER:
        if name == "directory":
            lines.extend("directory: %s %s\n" % (user, base64.b64encode(key).decode("ascii"))
                         for user, key in vector.get("directory", {}).items())
            continue
        if name == "frame_b64" or name not in vector:
            continue
        value = vector[name]
        if name == "frame":
            try:
                lines.append("frame: %s\n" % json_string(value.decode("utf-8")))
            except UnicodeDecodeError:
                lines.append("frame_b64: %s\n" % base64.b64encode(value).decode("ascii"))
            continue
        if name in B64:
            value = base64.b64encode(value).decode("ascii")
        elif name in LITERALS:
            value = json_string(value)
        lines.append("%s: %s\n" % (name, value))
    return "".join(lines)
