"""The key cache: correspondents' public keys, pinned on flash.

A name not found in /nesdata/peers.json is looked up on the key server
(keyserver.lookup: the answer checked against the pinned server key, the
board's clock and the serial seen before, PROTOCOL §10) and its keys are
pinned with what the answer said: [M, S, serial, expires_at, checked_at,
gone]. A later answer with other keys for a pinned name is reported
(KeyChangedError) and never replaces the pin by itself; `trust(name)` does
that on request.

Sending to a pinned name (`keys`) asks the key server again once the pin's
answer is older than the refresh interval (config keyserver.refresh, 1 h by
default), not before every send:
- it says, signed, that the name has no keys (deactivated, perhaps after a
  lost board): the pin is marked gone and sends to it are refused (None) at
  once. The pin is kept: keys served for the name later are a key change to
  report, not a first lookup to pin silently (docs/SECURITY.md);
- it serves other keys: KeyChangedError, the send refused, the pin kept;
- it gives an answer that fails a check (signature, expiry, serial rollback,
  an unsigned 404 for a pinned name): DirectoryError, the send refused;
- it cannot be reached: the pin is used, with a log line, while its last
  answer is unexpired; after that the send fails naming the name and when
  its keys were last confirmed (fail closed).

Opening a frame from a pinned sender (`sign_key`) uses the pin without a
lookup: the signature still proves the sender held the pinned key, a frame
sent before a deactivation may arrive long after it (queued by the broker),
and a lookup per received frame would let anyone who can publish to the
board's topic make it query the key server at will. For that reason too, an
unpinned sender's answer (or its absence) is reused for a minute, and it is
pinned (`pin_sender`) only once a frame's signature verified with it: a
forged frame needs only this board's public key."""
import gc
import time

import nes

from . import clock, storage
from .crypto import b64
from .proto.constants import MAX_LOOKUP_SKEW_S, const
from .proto.errors import DirectoryError

_LIMIT = const(64)  # pins kept on flash; beyond this, keys are looked up each time
REFRESH = const(3600)  # seconds a verified answer is used before asking again
# A pin: [M b64, S b64, serial, expires_at, checked_at, gone]
_SERIAL = const(2)
_EXPIRES = const(3)
_CHECKED = const(4)
_GONE = const(5)
_ANSWER_MS = const(60000)  # how long an unpinned sender's answer is reused


class KeyChangedError(DirectoryError):
    """The key server now serves other keys for a name pinned on this board."""


def _now():
    return clock.now_ms() // 1000


class Peers:
    def __init__(self, url, server_public, path=None, refresh=REFRESH, witness=None):
        self.url = url.rstrip("/")
        self.server_public = server_public
        self.witness = witness  # (name, key ID, key) of the log witness whose cosignature pins need
        self.refresh = refresh
        self.path = path or storage.path("peers.json")
        # The newest transparency-log checkpoint seen, next to the pins (issue 18).
        self.log_path = self.path[:self.path.rfind("/") + 1] + "log"
        try:
            self._pins = storage.load_json(self.path, {})
        except ValueError:
            print("peers: %s is not JSON; starting an empty key cache" % self.path)
            self._pins = {}
        for name in list(self._pins):
            pin = self._pins[name]
            if not isinstance(pin, list) or len(pin) < 2:
                del self._pins[name]
            elif len(pin) < 6:  # pinned before answers expired: confirmed at the next send
                self._pins[name] = pin[:2] + [0, 0, 0, 0]
        self._last = None  # (name, ticks_ms, (M, S) or None): the last unpinned sender's answer
        self.before_lookup = None  # called before each lookup: the App drops what a lookup does not need

    def __contains__(self, name):
        return name in self._pins

    def lookup(self, name, logged=False):
        """The key server's verified answer for `name`: (keys or None, serial,
        issued_at, expires_at), or None for a name it never published. Keys
        to pin (a name not pinned, or `logged`) come with the log's proofs."""
        pin = self._pins.get(name)
        # The lookup code is loaded for the lookup only, after a collection
        # (as before a seal) so that it and the signature check, the largest
        # transient of a send, start from the lowest free blocks.
        if self.before_lookup:
            self.before_lookup()
        gc.collect()
        from . import keyserver

        try:
            return keyserver.lookup(self.url, self.server_public, name, _now(), pin[_SERIAL] if pin else 0,
                                    self.log_path if logged or not pin else None, self.witness)
        finally:
            for module in keyserver.CODE:
                nes.unload(module)

    def _pinned(self, name):
        pin = self._pins.get(name)
        return (b64.decode(pin[0]), b64.decode(pin[1])) if pin else None

    def _first(self, name):
        """Looked up and pinned (while there is room), or None."""
        found = self.lookup(name)
        if not found or found[0] is None:
            return None
        if len(self._pins) < _LIMIT:
            self._record(name, [b64.encode_str(k) for k in found[0]], found)
        return found[0]

    def keys(self, name):
        """(M, S) to seal a message for `name` with (see the module doc):
        pinned on first use; None when the key server does not know the name
        or has said it has no keys any more."""
        pin = self._pins.get(name)
        if pin is None:
            return self._first(name)
        now = _now()
        if now - pin[_CHECKED] < self.refresh and not _expired(pin, now):
            return None if pin[_GONE] else self._pinned(name)
        try:
            return self.check(name)
        except OSError as exc:
            if pin[_GONE]:
                return None
            why = "%s: %s" % (type(exc).__name__, exc)
            when = clock.iso(pin[_CHECKED] * 1000) + " UTC" if pin[_CHECKED] else "never"
            if _expired(pin, now):
                raise DirectoryError("cannot reach the key server to confirm the keys of %s (%s); they "
                                     "were last confirmed %s and that answer has expired, so nothing "
                                     "is sealed to them" % (name, why, when))
            print("peers: cannot reach the key server (%s); sealing to %s with the pinned keys, last "
                  "confirmed %s" % (why, name, when))
            return self._pinned(name)

    def known(self, name):
        """Whether sign_key(name) answers without a lookup."""
        last = self._last
        return name in self._pins or (last is not None and last[0] == name
                                      and time.ticks_diff(time.ticks_ms(), last[1]) < _ANSWER_MS)

    def sign_key(self, name):
        """The signing key to open a frame from `name` with: the pin without a
        lookup, else the key server's answer of the last minute (not pinned);
        None when nobody knows the name or the server did not answer. One
        answer is kept: forged frames claiming one name cost one lookup a
        minute; frames rotating names cost a lookup each."""
        pinned = self._pinned(name)
        if pinned is not None:
            return pinned[1]
        if not self.known(name):
            now = time.ticks_ms()
            self._last = (name, now, None)  # no key if the lookup raises
            try:
                self._last = (name, now, self.lookup(name))
            except MemoryError:
                # Not an answer: the lookup is tried again after a collection
                # (app._retried), and that must ask again, not find "no key".
                self._last = None
                raise
        found = self._last[2]
        return found[0][1] if found and found[0] else None

    def pin_sender(self, name):
        """Pin the answer a frame from `name` verified with (first message only)."""
        last = self._last
        if (last and last[0] == name and last[2] and last[2][0] and name not in self._pins
                and len(self._pins) < _LIMIT):
            self._record(name, [b64.encode_str(k) for k in last[2][0]], last[2])
            self._last = None

    def check(self, name):
        """Ask the key server again for a name: its keys, or None when it has
        none; KeyChangedError when they differ from the pin, which is kept
        either way. The pin records the answer."""
        pin = self._pins.get(name)
        found = self.lookup(name)
        if found is None:
            return None
        keys = found[0]
        if pin:
            if keys is not None and [b64.encode_str(k) for k in keys] != pin[:2]:
                raise KeyChangedError(
                    "the key server now has other keys for %s than the ones pinned on this board; the "
                    "pin is kept and messages to %s refused until nes.trust(%r) accepts the new keys"
                    % (name, name, name))
            self._record(name, pin[:2], found)
        return keys

    def trust(self, name):
        """Replace the pin of `name` with the key server's current keys, proved
        by the log as for a first pin."""
        found = self.lookup(name, True)
        if not found or found[0] is None:
            raise DirectoryError("the key server does not know %s" % name)
        self._record(name, [b64.encode_str(k) for k in found[0]], found)
        return found[0]

    def _record(self, name, keys, found):
        self._pins[name] = keys + [found[1], found[3], _now(), 1 if found[0] is None else 0]
        storage.save_json(self.path, self._pins)


def _expired(pin, now):
    # directory.expired, without loading the signature check for it
    return now >= pin[_EXPIRES] + MAX_LOOKUP_SKEW_S
