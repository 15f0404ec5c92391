"""Correspondents' public keys, cached on disk and pinned (PROTOCOL.md §10):
a key the server serves later for a cached name must match, or it is refused
until the user accepts the change with `nes keys --accept USER`.

Each pin keeps the newest answer verified for it (serial, issued_at,
expires_at, when it was confirmed). Without an answer from the server a pin is
used only while that answer is unexpired (fail closed); a signed "no such
user" withdraws the pin's use at once."""
import json
import time

from .atomic import write_atomic
from .errors import CommandError
from .keyfiles import b64, decode_key, fingerprint
from .keyserver_client import KeyServerUnreachable, UnknownUser
from .output import notice
from .protocol.directory import expired, when

# Fields of a pin that record its newest verified answer.
_ANSWER_FIELDS = ("serial", "issued_at", "expires_at")

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


class PinUnconfirmed(CommandError):
    """No fresh answer for a pinned name, and its last one has expired."""


class NameWithdrawn(UnknownUser):
    """The server said, signed, that a pinned name has no keys any more."""


def _confirmed(entry):
    at = entry.get("confirmed_at")
    return "never (pinned before answers expired)" if at is None else when(at)


class PeerStore:
    """peers.json in the state directory: {name: {public_key_message,
    public_key_sign, pinned, serial, issued_at, expires_at, confirmed_at, gone}}."""

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

    def pin(self, name, answer, now):
        """Pin the keys of a verified key answer."""
        self.entries[name] = {
            "public_key_message": b64(answer.keys[0]),
            "public_key_sign": b64(answer.keys[1]),
            "pinned": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        self.confirm(name, answer, now)

    def confirm(self, name, answer, now):
        """Record a verified answer for a pinned name: its keys (the pin's, when
        `answer.keys` is set) or a signed "no such user" (the pin then unusable)."""
        entry = self.entries[name]
        entry.update({field: getattr(answer, field) for field in _ANSWER_FIELDS},
                     confirmed_at=now, gone=answer.keys is None)
        self._save()

    def serial(self, name):
        """The highest serial verified for a pinned name (0 for none)."""
        return self.entries.get(name, {}).get("serial", 0)

    def forget(self, name):
        if self.entries.pop(name, None) is None:
            raise CommandError("no key is pinned for %r" % name)
        self._save()

    def _save(self):
        write_atomic(self.path, json.dumps(self.entries, indent=1, sort_keys=True))


class Directory:
    """Keys of other users: the key server's verified answer, checked against the pins."""

    def __init__(self, store, keyserver, warn=notice, clock=time.time):
        self.store = store
        self.keyserver = keyserver
        self.warn = warn  # how to tell the user something (chat draws it above its input line)
        self.clock = clock

    def resolve(self, name):
        """(message_public, sign_public) for `name`: looked up, pinned on first use, and
        refused (KeyChanged) when the server's answer differs from the pin, or
        (NameWithdrawn) when it says, signed, that the name has no keys. When the
        server cannot be reached, the pin is used while its last answer is unexpired."""
        now = int(self.clock())
        pinned = self.store.keys(name)
        try:
            answer = self.keyserver.answer(name, self.store.serial(name), now)
        except KeyServerUnreachable as exc:
            if pinned is None:
                raise
            return self._offline(name, pinned, exc, now)
        if pinned is None:
            if answer.keys is None:
                raise UnknownUser("the key server says %r has no keys (deactivated or not yet "
                                  "activated again)" % name)
            self.store.pin(name, answer, now)
            return answer.keys
        if answer.keys is None:
            self.store.confirm(name, answer, now)
            raise self._withdrawn(name)
        if pinned != answer.keys:
            raise KeyChanged(name, self.store.entries[name], answer.keys)
        self.store.confirm(name, answer, now)
        return pinned

    def _withdrawn(self, name):
        entry = self.store.entries[name]
        return NameWithdrawn(
            "the key server said (signed, at %s) that %r has no keys any more: deactivated, "
            "perhaps after a lost device. Messages to %s are refused until the name is "
            "published again and you accept its new key with `nes keys --accept %s`."
            % (when(entry["issued_at"]), name, name, name))

    def _offline(self, name, pinned, exc, now):
        entry = self.store.entries[name]
        if entry.get("gone"):
            raise self._withdrawn(name)
        if "expires_at" not in entry or expired(entry["expires_at"], now):
            raise PinUnconfirmed(
                "%s, and the key of %r was last confirmed %s; that answer has expired, so it "
                "is not used without the key server (try again when it can be reached)"
                % (exc, name, _confirmed(entry)))
        self.warn("%s; using the pinned key of %s, last confirmed %s (valid until %s)"
                  % (exc, name, _confirmed(entry), when(entry["expires_at"])))
        return pinned

    def cached_sign_key(self, name):
        """The pinned signing key of `name` if any, else the looked-up one (then pinned)."""
        pinned = self.store.keys(name)
        return pinned[1] if pinned else self.resolve(name)[1]

    def accept(self, name):
        """Pin whatever the server serves now; returns (old keys or None, new keys)."""
        now = int(self.clock())
        old = self.store.keys(name)
        answer = self.keyserver.answer(name, self.store.serial(name), now)
        if answer.keys is None:
            raise UnknownUser("the key server says %r has no keys" % name)
        self.store.pin(name, answer, now)
        return old, answer.keys
