"""Key files of the local user (one base64 line of the raw 32-byte key each;
private files mode 0600) and the key server's pinned public key."""
import base64
import binascii
import hashlib
import pathlib
from dataclasses import dataclass

from .atomic import write_atomic
from .errors import CommandError
from .protocol.constants import KEY_BYTES

# (setting, what it holds, private?) in the order `nes generate` reports them.
KEY_FILES = (
    ("PRIVATE_KEY_MESSAGE_FILE", "message private key", True),
    ("PUBLIC_KEY_MESSAGE_FILE", "message public key", False),
    ("PRIVATE_KEY_SIGN_FILE", "signing private key", True),
    ("PUBLIC_KEY_SIGN_FILE", "signing public key", False),
)


def b64(raw):
    return base64.b64encode(raw).decode("ascii")


def decode_key(text):
    """32 raw bytes from base64 text, or None."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == KEY_BYTES else None


def fingerprint(key):
    """OpenSSH-style SHA256 fingerprint of a raw public key, for people to compare."""
    return "SHA256:" + b64(hashlib.sha256(key).digest()).rstrip("=")


GENERATE_HINT = "run `nes generate` first, or point -k/-K/-j/-J or the config file at your key files"


def read_key(path, what, hint=GENERATE_HINT):
    """The raw key stored in `path`, or a CommandError saying what is wrong."""
    try:
        text = pathlib.Path(path).read_text(encoding="ascii")
    except FileNotFoundError:
        raise CommandError("no %s at %s (%s)" % (what, path, hint)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError("cannot read the %s from %s: %s" % (what, path, exc)) from None
    key = decode_key(text)
    if key is None:
        raise CommandError("%s does not hold a %s (one base64 line of 32 bytes)" % (path, what))
    return key


def write_key(path, key, private):
    """Write one key file atomically; private files are created 0600."""
    path = pathlib.Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomic(path, b64(key) + "\n", 0o600 if private else 0o644)


@dataclass
class Identity:
    """The local user's name and keys, read from the key files."""

    user: str
    message_secret: bytes = None
    message_public: bytes = None
    sign_seed: bytes = None
    sign_public: bytes = None


def load_identity(settings, private=True):
    """The user's keys: the public ones always, the private ones when `private`."""
    keys = {key: read_key(settings.value(key), what)
            for key, what, is_private in KEY_FILES if private or not is_private}
    return Identity(settings.user, keys.get("PRIVATE_KEY_MESSAGE_FILE"),
                    keys["PUBLIC_KEY_MESSAGE_FILE"], keys.get("PRIVATE_KEY_SIGN_FILE"),
                    keys["PUBLIC_KEY_SIGN_FILE"])


PROVIDER_HINT = "`nes config --fetch-provider-key` shows the key server's key to check and pin"


def provider_key(settings):
    """The pinned key-server public key (-P / PUBKEY_PUBLIC_KEY_FILE: base64 or a file)."""
    value = settings.value("PUBKEY_PUBLIC_KEY_FILE")
    if not value:
        raise CommandError(
            "no key-server public key is configured: pass -P KEY_OR_FILE, or run "
            "`nes config PUBKEY_PUBLIC_KEY_FILE FILE`; `nes config --fetch-provider-key` "
            "shows the server's key and fingerprint to check")
    return decode_key(value) or read_key(value, "key-server public key", PROVIDER_HINT)
