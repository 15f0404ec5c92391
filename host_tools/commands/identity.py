"""The local user's identity: `nes generate` (key files), `nes register`
(publish the public keys on the key server) and `nes keys` (correspondents'
pinned keys)."""
import json
import os

from ..errors import CommandError
from ..output import notice
from ..keyfiles import KEY_FILES, fingerprint, write_key
from ..protocol import keys
from ..settings import check_username
from . import one_of


KEY_BITS = 256  # X25519 and Ed25519 keys; the original's RSA took a size


def add_generate_arguments(parser):
    parser.add_argument("--force", action="store_true", help="replace existing key files")
    parser.add_argument("-s", "--size", type=int, metavar="BITS",
                        help="the original's RSA key size; accepted and ignored: Curve25519 keys "
                             "are always %d bits" % KEY_BITS)


def do_generate(state, args):
    if args.size is not None and args.size != KEY_BITS:
        notice("--size %d ignored: X25519 and Ed25519 keys always have %d bits (about the "
               "strength of 3072-bit RSA)" % (args.size, KEY_BITS))
    user = state.user
    paths = [(state.settings.value(key), what, private) for key, what, private in KEY_FILES]
    existing = [path for path, _, _ in paths if os.path.exists(path)]
    if existing and not args.force:
        raise CommandError("key files exist (%s); use --force to replace them (a registration "
                           "on the key server still names the old keys)" % ", ".join(existing))
    generated = keys.generate()  # message secret, message public, sign seed, sign public
    for (path, what, private), key in zip(paths, generated):
        write_key(path, key, private)
    print("Generated the keys of %s:" % user)
    for path, what, private in paths:
        print("  %-20s %s%s" % (what, path, "  (mode 0600)" if private else ""))
    print("  message key fingerprint %s" % fingerprint(generated[1]))
    print("  signing key fingerprint %s" % fingerprint(generated[3]))
    print("Next: `nes register EMAIL` publishes the public keys on the key server.")


def add_register_arguments(parser):
    parser.add_argument("email", nargs="?", help="address the key server sends the activation link to")
    parser.add_argument("-e", "--email", dest="email_flag", metavar="EMAIL", help="the same, as a flag")


def do_register(state, args):
    args.email = one_of(args.email, args.email_flag, "EMAIL")
    identity = state.identity(private=False)
    if "@" not in args.email or any(c.isspace() for c in args.email):
        raise CommandError("%r is not an e-mail address" % args.email)
    server = state.keyserver(trusted=False)
    server.register(identity.user, args.email, identity.message_public, identity.sign_public)
    print("Registered %s at %s (signing key %s)." % (identity.user, server.url,
                                                     fingerprint(identity.sign_public)))
    print("Next: open the activation link the key server sent to %s; until then nobody can look "
          "up your keys. Then `nes listen` receives messages and `nes send USER TEXT` sends them."
          % args.email)


def add_keys_arguments(parser):
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object: the pins, or what --accept/--forget changed")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--accept", metavar="USER",
                       help="pin the key the key server serves now for USER (after a key change)")
    group.add_argument("--forget", metavar="USER", help="remove USER's pinned key")


def do_keys(state, args):
    if args.json:
        def say(text, obj):
            print(json.dumps(obj))
    else:
        def say(text, obj):
            print(text)
    if args.accept:
        name = check_username(args.accept)
        old, new = state.directory().accept(name)
        if old == new:
            text = "%s: key unchanged (signing key %s)" % (name, fingerprint(new[1]))
        elif old is None:
            text = "%s: pinned signing key %s" % (name, fingerprint(new[1]))
        else:
            text = ("%s: accepted the new signing key %s (was %s)"
                    % (name, fingerprint(new[1]), fingerprint(old[1])))
        return say(text, {"user": name, "accepted": _fingerprints(new),
                          "previous": _fingerprints(old) if old else None})
    store = state.store()
    if args.forget:
        name = check_username(args.forget)
        store.forget(name)
        return say("%s: pinned key removed" % name, {"user": name, "forgotten": True})
    if args.json:
        return print(json.dumps({"pins": [
            dict(user=name, pinned=store.entries[name]["pinned"], **_fingerprints(store.keys(name)))
            for name in sorted(store.entries)]}))
    if not store.entries:
        print("no keys pinned yet (%s)" % store.path)
    for name in sorted(store.entries):
        message_key, sign_key = store.keys(name)
        print("%-32s pinned %s  message %s  signing %s"
              % (name, store.entries[name]["pinned"], fingerprint(message_key), fingerprint(sign_key)))


def _fingerprints(pair):
    return {"message_key": fingerprint(pair[0]), "signing_key": fingerprint(pair[1])}
