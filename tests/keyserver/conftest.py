"""Unit-level fixtures (Flask tutorial style): `app` is the key server app on a
temporary SQLite file with a fresh server key and mail to the `smtp` fixture;
`client` is its Flask test client; `instance` an empty instance folder for
tests of the configuration sources and the CLI. HTTP-level tests use the
`keyserver` fixture (tests/fixtures/keyserver.py) instead."""
import os

import pytest

from keyserver import config, create_app
from tests.fixtures.keyserver import keyserver_config


@pytest.fixture
def app(tmp_path, smtp):
    app = create_app(keyserver_config(tmp_path, smtp, TESTING=True))
    yield app
    app.extensions["nes_keyserver"].store.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def instance(tmp_path, monkeypatch):
    """An empty instance folder selected through NES_KEYSERVER_INSTANCE_PATH,
    with every other NES_KEYSERVER_* variable of the caller's environment removed."""
    for name in list(os.environ):
        if name.startswith(config.ENV_PREFIX + "_"):
            monkeypatch.delenv(name)
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setenv(config.INSTANCE_ENV, str(folder))
    return folder
