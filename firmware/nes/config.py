"""The board's configuration, /nesdata/config.json, checked at start.

    {"user": "alice",
     "broker": {"host": "192.168.1.10", "port": 1883, "user": null, "password": null,
                "client_id": "<20 random hex digits>", "keepalive": 60, "tls": false},
     "keyserver": {"url": "http://192.168.1.10:5000", "public_key": "<b64, 32 bytes>",
                   "refresh": 3600, "witness": null},
     "wifi": {"ssid": "home", "password": "secret", "country": "GB"},
     "sensor": {"recipients": ["bob"], "interval": 300,
                "sensors": [{"kind": "dht22", "pin": 4}, {"kind": "rssi"}]},
     "ntp": {"host": "pool.ntp.org"},
     "commands": {"allow": ["alice"]},
     "power": {"sleep_s": 0}}

`load` reports every missing or bad key, one line each, in a ConfigError;
values are never echoed (some are secrets). A configuration without a
broker.client_id gets a random one, stored once (an id derived from the user
name would tell the broker who sends, and let anyone take over the session)."""
import binascii
import json
import os

from . import storage
from .crypto import b64
from .proto.names import is_username

PATH = storage.path("config.json")
_REQUIRED = object()
_SENSORS_MAX = 16


class ConfigError(ValueError):
    """The configuration cannot be used; .problems lists why, one line each."""

    def __init__(self, problems):
        super().__init__("bad configuration: " + "; ".join(problems))
        self.problems = problems


def _text(value):
    if not isinstance(value, str) or not value:
        raise ValueError("must be a non-empty string")
    return value


def _optional_text(value):
    if value is not None and not isinstance(value, str):
        raise ValueError("must be a string or null")
    return value


def _integer(low, high):
    def check(value):
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValueError("must be an integer from %d to %d" % (low, high))
        return value
    return check


def _boolean(value):
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _username(value):
    if not isinstance(value, str) or not is_username(value.lower()):
        raise ValueError("must be a username: 3 to 32 of a-z 0-9 _ -")
    return value.lower()


def _usernames(value):
    if not isinstance(value, list):
        raise ValueError("must be a list of usernames")
    try:
        return [_username(name) for name in value]
    except ValueError:
        raise ValueError("must list usernames only: 3 to 32 of a-z 0-9 _ -")


def _sensors(value):
    if not isinstance(value, list) or len(value) > _SENSORS_MAX:
        raise ValueError("must be a list of up to %d sensors" % _SENSORS_MAX)
    if not value:
        return value
    import nes
    from .sensorspec import check  # only on a board with sensors configured

    checked = []
    try:
        for i, spec in enumerate(value):
            try:
                checked.append(check(spec))
            except ValueError as exc:
                raise ValueError("#%d: %s" % (i + 1, exc))
    finally:
        nes.unload("sensorspec")
    return checked


def _url(value):
    if not isinstance(value, str) or not (value.startswith("http://") or value.startswith("https://")):
        raise ValueError("must be an http:// or https:// URL")
    return value.rstrip("/")


def _server_key(value):
    try:
        raw = b64.decode(value)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ValueError("must be the key server's public key: base64 of 32 bytes")
    return raw


def _witness(value):
    """A log witness's verifier key, or null (docs/TRANSPARENCY.md §6)."""
    if value is None:
        return None
    import nes
    from .proto.cosignature import parse_key

    try:
        return parse_key(value)
    except ValueError:
        raise ValueError("must be a witness verifier key (<name>+<key ID>+<key>) or null")
    finally:
        nes.unload("proto.cosignature")


def _host_port(value):
    host, colon, port = _text(value).partition(":")
    if not host or colon and not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError("must be a host name or address, optionally :port")
    return value


def _country(value):
    if value is not None and (not isinstance(value, str) or len(value) != 2):
        raise ValueError("must be a two-letter country code or null")
    return value


# (section, key, check, default); section None is the top level.
_SCHEMA = (
    (None, "user", _username, _REQUIRED),
    ("broker", "host", _text, _REQUIRED),
    ("broker", "port", _integer(1, 65535), 1883),
    ("broker", "user", _optional_text, None),
    ("broker", "password", _optional_text, None),
    ("broker", "client_id", _optional_text, None),
    ("broker", "keepalive", _integer(5, 3600), 60),
    ("broker", "tls", _boolean, False),
    ("keyserver", "url", _url, _REQUIRED),
    ("keyserver", "public_key", _server_key, _REQUIRED),
    ("keyserver", "refresh", _integer(0, 86400), 3600),
    ("keyserver", "witness", _witness, None),
    ("wifi", "ssid", _optional_text, None),
    ("wifi", "password", _optional_text, None),
    ("wifi", "country", _country, None),
    ("sensor", "recipients", _usernames, []),
    ("sensor", "interval", _integer(0, 604800), 0),
    ("sensor", "sensors", _sensors, []),
    ("ntp", "host", _host_port, "pool.ntp.org"),
    ("commands", "allow", _usernames, []),
    ("power", "sleep_s", _integer(0, 604800), 0),  # > 0: the battery duty cycle (nes/duty.py)
)


class Config:
    """Attributes named section_key (broker_host, keyserver_public_key, ...);
    `user` for the top-level key. No methods: the application drops this
    module once the configuration is loaded, and a method would keep it."""


def _unknown_keys(data):
    """Problems for keys the schema does not know (typos would otherwise be
    silently ignored) and for sections that are not objects."""
    known = {}
    for section, key, _, _ in _SCHEMA:
        known.setdefault(section, []).append(key)
    problems = []
    for name, value in data.items():
        if name in known[None]:
            continue
        if name not in known:
            problems.append("unknown key %r" % name)
        elif not isinstance(value, dict):
            problems.append("%s must be an object" % name)
        else:
            problems.extend("unknown key %r" % (name + "." + k) for k in value if k not in known[name])
    return problems


def _check(data, has_wifi):
    problems = _unknown_keys(data)
    config = Config()
    for section, key, check, default in _SCHEMA:
        where = key if section is None else section + "." + key
        container = data if section is None else data.get(section)
        if not isinstance(container, dict):
            container = {}
        if key in container:
            try:
                value = check(container[key])
            except ValueError as exc:
                problems.append("%s %s" % (where, exc))
                continue
        elif default is _REQUIRED:
            problems.append("%s is missing" % where)
            continue
        else:
            value = default
        setattr(config, key if section is None else section + "_" + key, value)
    if has_wifi and not problems and not config.wifi_ssid:
        problems.append("wifi.ssid is missing (this board reaches the broker over Wi-Fi)")
    if not problems and (config.broker_tls or config.keyserver_url.startswith("https://")) \
            and not storage.exists(storage.CA):
        problems.append("broker.tls and https:// need the CA certificate %s (nes provision --ca-file)"
                        % storage.CA)
    if problems:
        raise ConfigError(problems)
    return config


def load(path=PATH, has_wifi=False):
    """The checked Config from `path`; ConfigError listing every problem."""
    try:
        raw = storage.load(path)
    except OSError:
        raw = None
    if raw is None:
        raise ConfigError(["%s does not exist (provisioning writes it)" % path])
    try:
        data = json.loads(raw)
    except ValueError:
        raise ConfigError(["%s is not valid JSON" % path])
    if not isinstance(data, dict):
        raise ConfigError(["%s must hold a JSON object" % path])
    config = _check(data, has_wifi)
    if not config.broker_client_id:
        config.broker_client_id = binascii.hexlify(os.urandom(10)).decode()
        data["broker"]["client_id"] = config.broker_client_id
        try:
            storage.save_json(path, data)
        except OSError as exc:  # this run still works; the next one makes another id
            print("config: client id not saved: %s" % exc)
    return config
