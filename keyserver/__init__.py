"""NES key server: a Flask directory of users' public keys with signed
lookups (docs/PROTOCOL.md §10, docs/KEYSERVER.md).

    gunicorn --worker-class gevent_pywsgi 'keyserver:create_app()'
"""
from werkzeug.middleware.proxy_fix import ProxyFix

from . import accounts, config, errors, limits, serverkey
from .accounts import Accounts
from .answers import ReadPath
from .routes import BLUEPRINTS
from .store import Store
from .tlog import entries as log_entries


def create_app(test_config=None):
    """The WSGI app. Configuration: defaults, then instance/keyserver.cfg and
    NES_KEYSERVER_* variables, or only `test_config` when one is given."""
    app = config.make_app(test_config)
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    key = serverkey.load(app.config["SERVER_KEY_FILE"])
    config.check_public_url(app.config)
    store = Store(app.config["DATABASE_URL"])
    store.create_schema()
    app.extensions["nes_keyserver"] = Accounts(store, key, app.config)
    log_entries.backfill(app.extensions["nes_keyserver"].log, store, accounts.now())  # issue 18
    # No pooled connection may survive into forked workers (gunicorn --preload).
    store.dispose()
    app.wsgi_app = ReadPath(app.wsgi_app, app.extensions["nes_keyserver"])
    errors.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    limits.init_app(app)
    return app
