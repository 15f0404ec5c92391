"""Correspondents' public keys, cached on disk and pinned (PROTOCOL.md §10):
a key the server serves later for a cached name must match, or it is refused
until the user accepts the change with `nes keys --accept USER`.

Each pin keeps the newest answer verified for it (serial, issued_at,
expires_at, when it was confirmed). Without an answer from the server a pin is
used only while that answer is unexpired (fail closed); a signed "no such
user" withdraws the pin's use at once."""
import json
import os
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

    RECHECK_SECONDS = 1.0  # how often keys() looks whether another process changed the file

    def __init__(self, path):
        self.path = path
        self.entries = self._read()
        self._checked = time.monotonic()

    def _stamp(self):
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def _read(self):
        self._file = self._stamp()
        try:
            with open(self.path, encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise CommandError("cannot read the pinned keys in %s: %s" % (self.path, exc)) from None

    def _refresh(self, now=False):
        """The entries read again when another process (`nes keys --accept`, a
        second listener) replaced the file; kept in memory otherwise, so a
        message costs no file read. A file that cannot be read keeps the old."""
        when = time.monotonic()
        if not now and when - self._checked < self.RECHECK_SECONDS:
            return
        self._checked = when
        if self._stamp() != self._file:
            try:
                self.entries = self._read()
            except CommandError:
                pass

    def keys(self, name):
        """(message_public, sign_public) pinned for `name`, or None."""
        self._refresh()
        entry = self.entries.get(name)
        if entry is None:  # pinned by another process just now?
            self._refresh(now=True)
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
        self._file = self._stamp()


class Directory:
    """Keys of other users: the key server's verified answer, checked against the pins."""

    def __init__(self, store, keyserver, warn=notice, clock=time.time):
        self.store = store
        self.keyserver = keyserver
        self.warn = warn  # how to tell the user something (chat draws it above its input line)
        self.clock = clock
        self._answers = {}  # name -> (time.monotonic(), keys or the CommandError raised)

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

    def sender_keys(self, name):
        """The keys to check a received frame's signature with: the pin, else the
        server's verified answer, NOT pinned (anyone can make a frame claiming any
        name; pin with `pin_sender` once the signature verified). Answers and
        failures are reused for ANSWER_SECONDS, so forged frames cost one lookup
        per name and minute."""
        pinned = self.store.keys(name)
        if pinned:
            return pinned
        now = time.monotonic()
        self._answers = {k: v for k, v in self._answers.items() if now - v[0] < ANSWER_SECONDS}
        if name not in self._answers:
            try:
                answer = self.keyserver.answer(name, 0, int(self.clock()))
                if answer.keys is None:
                    raise UnknownUser("the key server says %r has no keys (deactivated or not "
                                      "yet activated again)" % name)
                self._answers[name] = (now, answer)
            except CommandError as exc:
                self._answers[name] = (now, exc)
        answer = self._answers[name][1]
        if isinstance(answer, CommandError):
            raise answer
        return answer.keys

    def pin_sender(self, name, keys):
        """Pin the keys a verified frame from `name` was checked with (first use),
        with the server's answer that gave them."""
        cached = self._answers.get(name)
        if self.store.keys(name) is None and cached and getattr(cached[1], "keys", None) == keys:
            self.store.pin(name, cached[1], int(self.clock()))

    def accept(self, name):
        """Pin whatever the server serves now; returns (old keys or None, new keys)."""
        now = int(self.clock())
        old = self.store.keys(name)
        answer = self.keyserver.answer(name, self.store.serial(name), now)
        if answer.keys is None:
            raise UnknownUser("the key server says %r has no keys" % name)
        self.store.pin(name, answer, now)
        return old, answer.keys
