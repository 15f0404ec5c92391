"""Correspondents' public keys, cached on disk and pinned (PROTOCOL.md §10):
a key the server serves later for a cached name must match, or it is refused
until the user accepts the change with `nes keys --accept USER`."""
import json
import time

from .atomic import write_atomic
from .errors import CommandError
from .keyfiles import b64, decode_key, fingerprint
from .keyserver_client import KeyServerUnreachable
from .output import notice

FILE_NAME = "peers.json"


class KeyChanged(CommandError):
    def __init__(self, name, pinned, served):
        super().__init__(
            "WARNING: the key server now serves a different key for %r than the one pinned on "
            "%s (pinned %s, served %s). Either %s made new keys, or someone is impersonating "
            "them. Messages to and from %s are refused until you check with them and run "
            "`nes keys --accept %s`."
            % (name, pinned["pinned"], fingerprint(decode_key(pinned["public_key_sign"])),
               fingerprint(served[1]), name, name, name))


class PeerStore:
    """peers.json in the state directory: {name: {public_key_message, public_key_sign, pinned}}."""

    def __init__(self, path):
        self.path = path
        try:
            with open(path, encoding="utf-8") as f:
                self.entries = json.load(f)
        except FileNotFoundError:
            self.entries = {}
        except (OSError, ValueError) as exc:
            raise CommandError("cannot read the pinned keys in %s: %s" % (path, exc)) from None

    def keys(self, name):
        """(message_public, sign_public) pinned for `name`, or None."""
        entry = self.entries.get(name)
        if entry is None:
            return None
        return decode_key(entry["public_key_message"]), decode_key(entry["public_key_sign"])

    def pin(self, name, keys):
        self.entries[name] = {
            "public_key_message": b64(keys[0]),
            "public_key_sign": b64(keys[1]),
            "pinned": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        self._save()

    def forget(self, name):
        if self.entries.pop(name, None) is None:
            raise CommandError("no key is pinned for %r" % name)
        self._save()

    def _save(self):
        write_atomic(self.path, json.dumps(self.entries, indent=1, sort_keys=True))


class Directory:
    """Keys of other users: the key server's verified answer, checked against the pins."""

    def __init__(self, store, keyserver, warn=notice):
        self.store = store
        self.keyserver = keyserver
        self.warn = warn  # how to tell the user something (chat draws it above its input line)

    def resolve(self, name):
        """(message_public, sign_public) for `name`: looked up, pinned on first use, and
        refused (KeyChanged) when the server's answer differs from the pin. When the server
        cannot be reached, a pinned key is used."""
        pinned = self.store.keys(name)
        try:
            served = self.keyserver.lookup(name)
        except KeyServerUnreachable as exc:
            if pinned is None:
                raise
            self.warn("%s; using the pinned key of %s" % (exc, name))
            return pinned
        if pinned is None:
            self.store.pin(name, served)
        elif pinned != served:
            raise KeyChanged(name, self.store.entries[name], served)
        return served

    def cached_sign_key(self, name):
        """The pinned signing key of `name` if any, else the looked-up one (then pinned)."""
        pinned = self.store.keys(name)
        return pinned[1] if pinned else self.resolve(name)[1]

    def accept(self, name):
        """Pin whatever the server serves now; returns (old keys or None, new keys)."""
        old = self.store.keys(name)
        new = self.keyserver.lookup(name)
        self.store.pin(name, new)
        return old, new
