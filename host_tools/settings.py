"""Where each `nes` setting comes from: a command-line flag, else its
environment variable, else the config file (the original NES `KEY = value`
lines and names), else the built-in default.

The config file is `-c/--config`, else `$NES_CONFIG`, else `~/.nes/config`.
Its directory is the *state directory*: the default key files, the pinned
peer keys and the replay caches live there, so one config file is one user."""
import getpass
import os
import pathlib
import secrets
import sys
from dataclasses import dataclass

from .atomic import write_atomic
from .errors import CommandError
from .keyfiles import decode_key
from .protocol.constants import USERNAME_RE

DEFAULT_CONFIG = "~/.nes/config"
CONFIG_ENV = "NES_CONFIG"
DEFAULT_BROKER = "tcp://test.mosquitto.org:1883"
DEFAULT_PROVIDER = "http://127.0.0.1:5000"
CLIENT_ID_FILE = "%s-client-id"  # per user: one installation may listen as several


@dataclass(frozen=True)
class Setting:
    key: str  # name in the config file
    dest: str  # argparse destination of its flag
    is_path: bool
    default: object  # a string, None, or a function of the Settings
    help: str
    metavar: str = "FILE"

    @property
    def env(self):
        """Its environment variable: the key, prefixed NES_ where it is not already."""
        return self.key if self.key.startswith("NES_") else "NES_" + self.key


def _key_file(suffix):
    return lambda settings: str(settings.directory / (settings.user + suffix))


def _os_user(settings):
    return getpass.getuser().lower()


SETTINGS = (
    Setting("MQTT_BROKER_ADDRESS", "broker", False, DEFAULT_BROKER,
            "MQTT broker, tcp://HOST[:PORT] or ssl://HOST[:PORT]", "URL"),
    Setting("MQTT_CA_FILE", "ca_file", True, None,
            "CA certificate(s), PEM, that an ssl:// broker's certificate must chain to "
            "(default: the system's CAs)"),
    Setting("PUBKEY_ADDRESS", "provider", False, DEFAULT_PROVIDER, "key server URL", "URL"),
    Setting("PUBKEY_PUBLIC_KEY_FILE", "provider_key", True, None,
            "key server's Ed25519 public key: a file holding it in base64, or the base64 itself",
            "KEY_OR_FILE"),
    Setting("PRIVATE_KEY_MESSAGE_FILE", "private_message", True, _key_file("-x25519-message"),
            "private key file for messages"),
    Setting("PUBLIC_KEY_MESSAGE_FILE", "public_message", True, _key_file("-x25519-message.pub"),
            "public key file for messages"),
    Setting("PRIVATE_KEY_SIGN_FILE", "private_sign", True, _key_file("-ed25519-sign"),
            "private key file for signing"),
    Setting("PUBLIC_KEY_SIGN_FILE", "public_sign", True, _key_file("-ed25519-sign.pub"),
            "public key file for signature verification"),
    Setting("NES_USERNAME", "user", False, _os_user, "local username", "NAME"),
    Setting("LOG_WITNESS_KEY", "witness_key", False, None,
            "verifier key of a witness whose cosignature the key server's log checkpoints must carry",
            "VKEY"),
)
BY_KEY = {s.key: s for s in SETTINGS}


def setting(key):
    """The Setting named `key` (any case), or a CommandError listing the names."""
    found = BY_KEY.get(key.upper())
    if found is None:
        raise CommandError("unknown setting %r; settings are %s" % (key, ", ".join(BY_KEY)))
    return found


def is_inline_key(key, value):
    """PUBKEY_PUBLIC_KEY_FILE may hold the key itself (base64) instead of a file name."""
    return key == "PUBKEY_PUBLIC_KEY_FILE" and decode_key(value) is not None


def random_client_id():
    """22 random hex digits: unguessable, and within the 1 to 23 characters of
    0-9a-zA-Z every MQTT 3.1.1 broker accepts (§3.1.3.1)."""
    return secrets.token_hex(11)


def check_username(name):
    """`name` lower-cased, or a CommandError when it is not a nes/1 username."""
    lowered = name.lower()
    if not USERNAME_RE.match(lowered):
        raise CommandError(
            "%r is not a valid username: 3 to 32 characters from a-z, 0-9, _ and -" % name)
    return lowered


class ConfigFile:
    """The `KEY = value` file; comments and unknown lines survive an update."""

    def __init__(self, path):
        self.path = pathlib.Path(path)

    def _lines(self):
        try:
            return self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError("cannot read config file %s: %s" % (self.path, exc)) from None

    @staticmethod
    def _parse(line):
        """(KEY, value) of a setting line, None for a blank or comment line."""
        text = line.strip()
        if not text or text.startswith("#"):
            return None
        key, sep, value = text.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        return (key.strip().upper(), value) if sep else (text, None)

    def read(self):
        """{KEY: value} of the known settings; a bad or unknown line is reported and skipped."""
        values = {}
        for number, line in enumerate(self._lines(), 1):
            parsed = self._parse(line)
            if parsed is None:
                continue
            key, value = parsed
            if value is None or key not in BY_KEY:
                print("nes: %s line %d: ignored (expected one of %s = value)"
                      % (self.path, number, "/".join(BY_KEY)), file=sys.stderr)
                continue
            values[key] = value
        return values

    def write(self, key, value):
        """Set `key` to `value`, or remove it when `value` is None."""
        lines, done = [], False
        for line in self._lines():
            parsed = self._parse(line)
            if parsed and parsed[0] == key:
                if value is not None and not done:
                    lines.append("%s = %s" % (key, value))
                done = True
                continue
            lines.append(line)
        if value is not None and not done:
            lines.append("%s = %s" % (key, value))
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(self.path, "".join(line + "\n" for line in lines))


class Settings:
    """Resolved settings for one run. `flags` maps argparse dests to given values."""

    def __init__(self, flags, environ=None):
        self.flags = {k: v for k, v in flags.items() if v is not None}
        self.environ = os.environ if environ is None else environ
        config = self.flags.get("config") or self.environ.get(CONFIG_ENV) or DEFAULT_CONFIG
        self.config_path = pathlib.Path(os.path.abspath(os.path.expanduser(config)))
        self.directory = self.config_path.parent
        self.config_file = ConfigFile(self.config_path)
        self.file_values = self.config_file.read()

    def lookup(self, key):
        """(value, source) where source names the flag, variable, file or 'default'."""
        item = BY_KEY[key]
        if item.dest in self.flags:
            return self.flags[item.dest], "flag --" + item.dest
        if self.environ.get(item.env):
            return self.environ[item.env], "environment " + item.env
        if key in self.file_values:
            return self.file_values[key], "config " + str(self.config_path)
        default = item.default
        if callable(default):
            default = default(self)
        return default, "default"

    def value(self, key):
        """The effective value; paths made absolute (config-file ones relative to its directory)."""
        value, source = self.lookup(key)
        if value is None or not BY_KEY[key].is_path or is_inline_key(key, value):
            return value
        base = self.directory if source.startswith("config") else pathlib.Path.cwd()
        return str(base / os.path.expanduser(value))

    @property
    def user(self):
        return check_username(self.lookup("NES_USERNAME")[0])

    @property
    def broker(self):
        return self.value("MQTT_BROKER_ADDRESS")

    @property
    def ca_file(self):
        return self.value("MQTT_CA_FILE")

    @property
    def provider(self):
        return self.value("PUBKEY_ADDRESS").rstrip("/")

    def state_file(self, name):
        """A file of the state directory (created 0700 on demand)."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.directory / name

    def client_id(self):
        """This installation's MQTT client id for its user (a random one, made and
        stored in the state directory on first use): persistent sessions hang on
        it, and it says nothing about the user to the broker or to another broker
        user. One per user, as the broker allows one connection per id: `listen`
        and `listen -u bob` from one installation would otherwise take the
        connection from each other, over and over."""
        path = self.state_file(CLIENT_ID_FILE % self.user)
        try:
            return path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            pass
        tmp = path.with_name("%s.%s.tmp" % (path.name, os.getpid()))
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(random_client_id() + "\n")
        try:
            os.link(tmp, path)  # fails if another run made one meanwhile: that one is kept
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
        return path.read_text(encoding="ascii").strip()
