"""Configuration of the key server: defaults, then the instance file
`keyserver.cfg`, then `NES_KEYSERVER_*` environment variables (or, in tests,
the mapping given to create_app). Every value is coerced to the type of its
setting here, so `NES_KEYSERVER_MAIL_PORT=587` is an int and
`NES_KEYSERVER_MAIL_PASSWORD=1234` stays a string."""
import os
import urllib.parse

from flask import Flask

ENV_PREFIX = "NES_KEYSERVER"
INSTANCE_ENV = ENV_PREFIX + "_INSTANCE_PATH"
INSTANCE_FILE = "keyserver.cfg"

MAIL_MODES = ("smtp", "console")
MAIL_SECURITIES = ("none", "starttls", "ssl")

# name: (type, default). None as a default means "unset"; DATABASE_URL and
# SERVER_KEY_FILE then fall back to files in the instance folder.
SETTINGS = {
    "DATABASE_URL": (str, None),
    "SERVER_KEY_FILE": (str, None),
    "PUBLIC_URL": (str, None),
    "LOG_ORIGIN": (str, None),
    "LOG_WITNESSES": (str, None),
    "ACTIVATION_TTL": (int, 24 * 3600),
    "EXPIRED_TOKEN_RETENTION": (int, 7 * 24 * 3600),
    "MAX_CONTENT_LENGTH": (int, 4096),
    "TRUSTED_PROXIES": (int, 0),
    "MAIL_MODE": (str, "smtp"),
    "MAIL_HOST": (str, "localhost"),
    "MAIL_PORT": (int, 25),
    "MAIL_SECURITY": (str, "none"),
    "MAIL_USERNAME": (str, None),
    "MAIL_PASSWORD": (str, None),
    "MAIL_FROM": (str, "NES key server <nes-keyserver@localhost>"),
    "MAIL_TIMEOUT": (float, 10.0),
    "MAIL_CA_FILE": (str, None),
    "RATE_LIMIT_REGISTER": (str, "10 per hour"),
    "RATE_LIMIT_TOKEN": (str, "30 per hour"),
    "RATELIMIT_ENABLED": (bool, True),
    "RATELIMIT_STORAGE_URI": (str, "memory://"),
    "RATELIMIT_HEADERS_ENABLED": (bool, True),
}


class ConfigError(Exception):
    """A setting that the server cannot run with."""


def _coerce(name, kind, value):
    if value is None or isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    try:
        if kind is bool:
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(text)
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError("setting %s=%r is not a valid %s" % (name, value, kind.__name__)) from None


def _check(config):
    if config["MAIL_MODE"] not in MAIL_MODES:
        raise ConfigError("MAIL_MODE must be one of %s" % ", ".join(MAIL_MODES))
    if config["MAIL_SECURITY"] not in MAIL_SECURITIES:
        raise ConfigError("MAIL_SECURITY must be one of %s" % ", ".join(MAIL_SECURITIES))
    for name in ("ACTIVATION_TTL", "EXPIRED_TOKEN_RETENTION", "TRUSTED_PROXIES"):
        if config[name] < 0:
            raise ConfigError("%s must not be negative" % name)


def check_public_url(config):
    """Mailed links are built on PUBLIC_URL. Without it they would take the
    request's Host header, which the requester chooses: so a server that mails
    by SMTP must have it (console mode prints the mail for the operator only)."""
    url = config["PUBLIC_URL"]
    if not url:
        if config["MAIL_MODE"] == "smtp":
            raise ConfigError("PUBLIC_URL must be set (e.g. https://keys.example.org) when MAIL_MODE is "
                              "smtp: the mailed links are built on it, never on the request's Host header")
        return
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError("PUBLIC_URL must be an http:// or https:// URL, not %r" % url)


def make_app(test_config=None):
    """A Flask object carrying the resolved configuration and nothing else."""
    instance = os.environ.get(INSTANCE_ENV)
    app = Flask(
        "keyserver",
        instance_path=os.path.abspath(instance) if instance else None,
        instance_relative_config=True,
        static_folder=None,
    )
    app.config.update({name: default for name, (_, default) in SETTINGS.items()})
    if test_config is None:
        app.config.from_pyfile(INSTANCE_FILE, silent=True)
        app.config.from_prefixed_env(ENV_PREFIX, loads=str)
    else:
        app.config.update(test_config)
    for name, (kind, _) in SETTINGS.items():
        app.config[name] = _coerce(name, kind, app.config.get(name))
    _check(app.config)
    if not app.config["DATABASE_URL"] or not app.config["SERVER_KEY_FILE"]:
        os.makedirs(app.instance_path, exist_ok=True)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "keyserver.sqlite3")
    if not app.config["SERVER_KEY_FILE"]:
        app.config["SERVER_KEY_FILE"] = os.path.join(app.instance_path, "server.key")
    return app
