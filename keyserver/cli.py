"""nes-keyserver: create the server key and the tables (init), run a local
development server (serve), drop expired registrations (purge), sign every
stored lookup answer again (resign).

The configuration is the server's own (docs/KEYSERVER.md): defaults, the
instance folder's keyserver.cfg, NES_KEYSERVER_* variables; `--instance DIR`
sets the instance folder."""
import argparse
import os
import sys

from sqlalchemy.exc import SQLAlchemyError

from . import accounts, config, create_app, serverkey
from .store import Store


class CommandError(Exception):
    """A failure to report on stderr with exit status 1."""


class State:
    """What the commands share: the resolved configuration."""

    def __init__(self, instance=None):
        if instance:
            os.environ[config.INSTANCE_ENV] = os.path.abspath(instance)
        self.config = config.make_app().config

    def store(self):
        store = Store(self.config["DATABASE_URL"])
        store.create_schema()
        return store


def do_init(state, args):
    path = state.config["SERVER_KEY_FILE"]
    key = serverkey.create(path, force=args.force)
    store = state.store()
    try:
        resigned = accounts.Accounts(store, key, state.config).resign_all()
    finally:
        store.dispose()
    print("server key: %s" % path)
    print("public key: %s" % key.public_b64)
    if resigned:
        print("re-signed %d published entries; clients must pin the new key" % resigned)


def do_resign(state, args):
    key = serverkey.load(state.config["SERVER_KEY_FILE"])
    store = state.store()
    try:
        signed = accounts.Accounts(store, key, state.config).resign_all()
    finally:
        store.dispose()
    print("signed %d lookup answer%s" % (signed, "" if signed == 1 else "s"))


def do_serve(state, args):
    from werkzeug.serving import run_simple

    run_simple(args.host, args.port, create_app(), threaded=True)


def do_purge(state, args):
    store = state.store()
    try:
        purged = store.purge(accounts.now(), state.config["EXPIRED_TOKEN_RETENTION"])
    finally:
        store.dispose()
    print("purged %d expired registration%s" % (purged, "" if purged == 1 else "s"))


def _init_args(parser):
    parser.add_argument("--force", action="store_true",
                        help="replace an existing key (published entries are re-signed)")


def _serve_args(parser):
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5000, help="port to listen on (default 5000)")


# name: (handler, help, argument setup)
COMMANDS = {
    "init": (do_init, "create the server key (mode 0600) and the database tables", _init_args),
    "serve": (do_serve, "run the development server (use gunicorn in production)", _serve_args),
    "purge": (do_purge, "delete registrations whose activation link expired (for cron)", None),
    "resign": (do_resign, "sign every stored lookup answer again with the current key (and "
                          "publish active users stored before answers were)", None),
}


def _parser():
    parser = argparse.ArgumentParser(prog="nes-keyserver", description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", metavar="DIR", help="instance folder (config, key, SQLite file)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (_, help_text, setup) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        if setup:
            setup(sub)
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    handler = COMMANDS[args.command][0]
    try:
        try:
            handler(State(args.instance), args)
        except (config.ConfigError, serverkey.ServerKeyError) as exc:
            raise CommandError(str(exc)) from None
        except SQLAlchemyError as exc:
            raise CommandError("database error: %s" % str(exc).splitlines()[0]) from None
    except CommandError as exc:
        print("nes-keyserver: error: %s" % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
