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
ANSWER_SECONDS = 60  # a sender's lookup answer (or failure) is reused this long


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
        self._answers = {}  # name -> (time.monotonic(), keys or the CommandError raised)

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

    def sender_keys(self, name):
        """The keys to check a received frame's signature with: the pin, else the
        server's answer, NOT pinned (anyone can make a frame claiming any name;
        pin with `pin_sender` once the signature verified). Answers and failures
        are reused for ANSWER_SECONDS, so forged frames cost one lookup per name
        and minute."""
        pinned = self.store.keys(name)
        if pinned:
            return pinned
        now = time.monotonic()
        self._answers = {k: v for k, v in self._answers.items() if now - v[0] < ANSWER_SECONDS}
        if name not in self._answers:
            try:
                self._answers[name] = (now, self.keyserver.lookup(name))
            except CommandError as exc:
                self._answers[name] = (now, exc)
        answer = self._answers[name][1]
        if isinstance(answer, CommandError):
            raise answer
        return answer

    def pin_sender(self, name, keys):
        """Pin the keys a verified frame from `name` was checked with (first use)."""
        if self.store.keys(name) is None:
            self.store.pin(name, keys)

    def accept(self, name):
        """Pin whatever the server serves now; returns (old keys or None, new keys)."""
        old = self.store.keys(name)
        new = self.keyserver.lookup(name)
        self.store.pin(name, new)
        return old, new
