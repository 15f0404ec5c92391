"""`nes config` (show and set settings, pin the key server's key) and `nes version`."""
import json
import os
import sys

from .. import __version__
from ..errors import CommandError
from ..keyfiles import PROVIDER_HINT, b64, fingerprint, read_key, write_key
from ..keyserver_client import KeyServer
from ..mqtt import parse_broker
from ..settings import SETTINGS, check_username, is_inline_key, setting
from . import UsageError

PROTOCOL = "nes/1"
PROVIDER_KEY_FILE = "keyserver.pub"


def add_config_arguments(parser):
    parser.add_argument("key", nargs="?", help="setting to show or set (e.g. MQTT_BROKER_ADDRESS)")
    parser.add_argument("value", nargs="?", help="new value, written to the config file")
    parser.add_argument("-s", "--show", action="store_true", help="show every setting (as without arguments)")
    parser.add_argument("-S", "--store", action="store_true",
                        help="write every effective setting (flags and environment included) "
                             "to the config file")
    parser.add_argument("--unset", metavar="KEY", help="remove a setting from the config file")
    parser.add_argument("--fetch-provider-key", action="store_true",
                        help="show the key server's public key and fingerprint (GET /key)")
    parser.add_argument("--trust", nargs="?", const=True, metavar="FINGERPRINT",
                        help="with --fetch-provider-key: pin that key (optionally only if it has "
                             "this SHA256: fingerprint, or is this base64 key, as `make serve` "
                             "prints it) and the key server address in the config file")
    parser.add_argument("--json", action="store_true",
                        help="with --fetch-provider-key: print one JSON object "
                             "(key_server, public_key, fingerprint, key_file)")


def _checked(item, value):
    """The value to write for a setting, after checking it makes sense."""
    if any(ch < " " or ch == "\x7f" for ch in value):
        raise CommandError("a setting cannot hold control characters")
    if item.key == "MQTT_BROKER_ADDRESS":
        parse_broker(value)
    elif item.key == "PUBKEY_ADDRESS":
        KeyServer(value)
    elif item.key == "NES_USERNAME":
        value = check_username(value)
    if item.is_path and not is_inline_key(item.key, value):
        value = os.path.abspath(os.path.expanduser(value))
        if item.key == "PUBKEY_PUBLIC_KEY_FILE":
            read_key(value, "key-server public key", PROVIDER_HINT)
    return value


def _write(state, item, value, out=None):
    """Write one setting and say so on `out` (stdout by default)."""
    settings = state.settings
    settings.config_file.write(item.key, value)
    print("%s %s in %s" % (item.key, "= " + value if value is not None else "removed",
                           settings.config_path), file=out)
    settings.file_values = settings.config_file.read()
    source = settings.lookup(item.key)[1]
    if not source.startswith(("config", "default")):
        print("note: %s overrides the config file in this shell" % source, file=out)


def _show_all(settings):
    print("# config file: %s" % settings.config_path)
    for item in SETTINGS:
        value, source = settings.lookup(item.key)
        print("%s = %s  (%s)" % (item.key, settings.value(item.key) or "", source if value else "not set"))


def _store_all(state):
    """The original's `config -S`: the effective value of every setting, into the config file."""
    settings = state.settings
    values = [(item, settings.value(item.key)) for item in SETTINGS]
    for item, value in values:
        if value is not None:
            settings.config_file.write(item.key, value)
    settings.file_values = settings.config_file.read()
    print("Config file saved: %s" % settings.config_path)


def _fetch_provider_key(state, trust, as_json):
    """Show the key server's key; with `trust`, pin it and the server address.
    As JSON, stdout holds only the object and the settings written go to stderr."""
    server = state.keyserver(trusted=False)
    key = server.server_key()
    found = {"key_server": server.url, "public_key": b64(key), "fingerprint": fingerprint(key),
             "key_file": None}
    if not as_json:
        print("key server:  %(key_server)s\npublic key:  %(public_key)s\nfingerprint: %(fingerprint)s"
              % found)
    if trust is not None:
        found["key_file"] = _trust_provider_key(state, server.url, key, trust,
                                                out=sys.stderr if as_json else None)
    elif not as_json:
        print("Not saved. Check this fingerprint with the key server's operator, then run "
              "`nes config --fetch-provider-key --trust %s`." % fingerprint(key))
    if as_json:
        print(json.dumps(found))


def _trust_provider_key(state, url, key, trust, out):
    """Pin `key` (if it has fingerprint `trust`, or is `trust` in base64, unless
    that is True); its file's path."""
    if trust is not True and trust not in (fingerprint(key), b64(key)):
        raise CommandError("the key server's key has fingerprint %s, not %s; nothing saved"
                           % (fingerprint(key), trust))
    path = state.settings.state_file(PROVIDER_KEY_FILE)
    write_key(path, key, private=False)
    _write(state, setting("PUBKEY_ADDRESS"), url, out)
    _write(state, setting("PUBKEY_PUBLIC_KEY_FILE"), str(path), out)
    return str(path)


def do_config(state, args):
    if args.fetch_provider_key:
        return _fetch_provider_key(state, args.trust, args.json)
    if args.trust is not None:
        raise CommandError("--trust goes with --fetch-provider-key")
    if args.json:
        raise CommandError("--json goes with --fetch-provider-key")
    if args.show or args.store:
        if args.key or args.unset:
            raise UsageError("-s/--show and -S/--store take no KEY, VALUE or --unset")
        if args.store:
            _store_all(state)
        if args.show:
            _show_all(state.settings)
        return
    if args.unset:
        if args.key:
            raise CommandError("give either --unset KEY or KEY [VALUE]")
        return _write(state, setting(args.unset), None)
    if args.key is None:
        return _show_all(state.settings)
    item = setting(args.key)
    if args.value is None:
        print(state.settings.value(item.key) or "")
        return
    _write(state, item, _checked(item, args.value))


def add_version_arguments(parser):
    parser.add_argument("--json", action="store_true", help='print {"version", "protocol"}')


def version_line():
    return "nes %s (protocol %s)" % (__version__, PROTOCOL)


def do_version(state, args):
    if args.json:
        print(json.dumps({"version": __version__, "protocol": PROTOCOL}))
    else:
        print(version_line())
