"""Configuration sources and their order: defaults, the instance file,
NES_KEYSERVER_* variables (typed), or only the test mapping."""

import pytest

from keyserver import config, create_app, serverkey
from keyserver.store import make_engine


def test_defaults_live_in_the_instance_folder(instance):
    cfg = config.make_app().config
    assert cfg["DATABASE_URL"] == "sqlite:///%s" % (instance / "keyserver.sqlite3")
    assert cfg["SERVER_KEY_FILE"] == str(instance / "server.key")
    assert (cfg["ACTIVATION_TTL"], cfg["MAIL_MODE"], cfg["RATELIMIT_STORAGE_URI"]) == (86400, "smtp", "memory://")
    assert cfg["MAX_CONTENT_LENGTH"] == 4096


def test_environment_overrides_the_instance_file_with_typed_values(instance, monkeypatch):
    (instance / config.INSTANCE_FILE).write_text(
        "MAIL_HOST = 'smtp.example.org'\nMAIL_PORT = 2525\nPUBLIC_URL = 'https://keys.example.org'\n")
    monkeypatch.setenv("NES_KEYSERVER_MAIL_PORT", "587")
    monkeypatch.setenv("NES_KEYSERVER_MAIL_PASSWORD", "1234")
    monkeypatch.setenv("NES_KEYSERVER_RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("NES_KEYSERVER_MAIL_TIMEOUT", "2.5")
    cfg = config.make_app().config
    assert cfg["MAIL_HOST"] == "smtp.example.org" and cfg["PUBLIC_URL"] == "https://keys.example.org"
    assert cfg["MAIL_PORT"] == 587
    assert cfg["MAIL_PASSWORD"] == "1234"
    assert cfg["RATELIMIT_ENABLED"] is False
    assert cfg["MAIL_TIMEOUT"] == 2.5


def test_a_test_mapping_replaces_file_and_environment(instance, monkeypatch):
    (instance / config.INSTANCE_FILE).write_text("MAIL_HOST = 'from-file'\n")
    monkeypatch.setenv("NES_KEYSERVER_MAIL_PORT", "587")
    cfg = config.make_app({"MAIL_FROM": "x@example.org"}).config
    assert (cfg["MAIL_HOST"], cfg["MAIL_PORT"], cfg["MAIL_FROM"]) == ("localhost", 25, "x@example.org")


@pytest.mark.parametrize("name, value, message", [
    ("ACTIVATION_TTL", "a day", "not a valid int"),
    ("ACTIVATION_TTL", "-1", "must not be negative"),
    ("RATELIMIT_ENABLED", "perhaps", "not a valid bool"),
    ("MAIL_SECURITY", "tls", "MAIL_SECURITY must be one of"),
    ("MAIL_MODE", "pigeon", "MAIL_MODE must be one of"),
])
def test_bad_settings_are_refused(instance, monkeypatch, name, value, message):
    monkeypatch.setenv("NES_KEYSERVER_" + name, value)
    with pytest.raises(config.ConfigError, match=message):
        config.make_app()


def test_the_app_does_not_start_without_its_key(instance):
    with pytest.raises(serverkey.ServerKeyError, match="nes-keyserver init"):
        create_app()


def test_a_malformed_key_file_is_refused(instance):
    (instance / "server.key").write_bytes(b"short")
    with pytest.raises(serverkey.ServerKeyError, match="32-byte"):
        create_app()


def test_postgresql_urls_use_psycopg_3():
    for url in ("postgresql://nes@db.example.org/nes", "postgres://nes@db.example.org/nes"):
        assert make_engine(url).url.drivername == "postgresql+psycopg"
