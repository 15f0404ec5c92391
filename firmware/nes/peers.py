"""The key cache: correspondents' public keys, pinned on flash.

A name not found in /nesdata/peers.json is looked up on the key server
(keyserver.lookup, which checks the answer against the pinned server key)
and its keys are pinned. A later answer with other keys for a pinned name is
reported (KeyChangedError) and never replaces the pin by itself; `trust(name)`
does that on request.

Sending to a pinned name asks the key server again (`keys`), as the host's
`nes send` does, so that a board stops writing to a user who deactivated
their name (for instance after losing the board that held their keys):
- the server no longer knows the name: the send is refused (None). The pin is
  kept: a deactivated name is free for anyone to register, and keys served
  for it later are a key change to report, not a first lookup to pin
  silently (PROTOCOL §10, docs/SECURITY.md);
- it serves other keys: KeyChangedError, the send refused, the pin kept;
- it gives no usable answer (unreachable, timed out, a broken answer or one
  not signed by the pinned server key): the pinned keys are used, with a log
  line, so an offline board still sends. Whoever could forge such an answer
  could as well cut the connection, so this fallback concedes nothing to them.

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

from . import storage
from .crypto import b64
from .proto.constants import const
from .proto.errors import DirectoryError

_LIMIT = const(64)  # pins kept on flash; beyond this, keys are looked up each time
_ANSWER_MS = const(60000)  # how long an unpinned sender's answer is reused


class KeyChangedError(DirectoryError):
    """The key server now serves other keys for a name pinned on this board."""


class Peers:
    def __init__(self, url, server_public, path=None):
        self.url = url.rstrip("/")
        self.server_public = server_public
        self.path = path or storage.path("peers.json")
        try:
            self._pins = storage.load_json(self.path, {})
        except ValueError:
            print("peers: %s is not JSON; starting an empty key cache" % self.path)
            self._pins = {}
        self._last = None  # (name, ticks_ms, (M, S) or None): the last unpinned sender's answer

    def __contains__(self, name):
        return name in self._pins

    def lookup(self, name):
        """The key server's current (M, S) for `name`, verified, or None."""
        # The lookup code is loaded for the lookup only, after a collection
        # (as before a seal) so that it and the signature check, the largest
        # transient of a send, start from the lowest free blocks.
        gc.collect()
        from . import keyserver

        try:
            return keyserver.lookup(self.url, self.server_public, name, self._pins.get(name))
        finally:
            for module in ("keyserver", "http", "proto.directory"):
                nes.unload(module)

    def _pinned(self, name):
        pin = self._pins.get(name)
        return (b64.decode(pin[0]), b64.decode(pin[1])) if pin else None

    def _first(self, name):
        """Looked up and pinned (while there is room), or None."""
        found = self.lookup(name)
        if found and len(self._pins) < _LIMIT:
            self._pin(name, found)
        return found

    def keys(self, name):
        """(M, S) to seal a message for `name` with: the key server's current
        keys, pinned on first use; None when the server does not know the
        name; the pin when the server cannot answer (see the module doc)."""
        pin = self._pinned(name)
        if pin is None:
            return self._first(name)
        try:
            found = self.check(name)
        except KeyChangedError:  # a DirectoryError, but an answer: not a reason to fall back
            raise
        except (OSError, DirectoryError) as exc:
            print("peers: cannot check the keys of %s with the key server (%s: %s); sealing with "
                  "the pinned keys" % (name, type(exc).__name__, exc))
            return pin
        return pin if found else None

    def sign_key(self, name):
        """The signing key to open a frame from `name` with: the pin without a
        lookup, else the key server's answer of the last minute (not pinned);
        None when nobody knows the name or the server did not answer. One
        answer is kept: forged frames claiming one name cost one lookup a
        minute; frames rotating names cost a lookup each."""
        found = self._pinned(name)
        if found is None:
            last = self._last
            now = time.ticks_ms()
            if last is None or last[0] != name or time.ticks_diff(now, last[1]) >= _ANSWER_MS:
                self._last = (name, now, None)  # no key if the lookup raises
                self._last = last = (name, now, self.lookup(name))
            found = last[2]
        return found[1] if found else None

    def pin_sender(self, name):
        """Pin the answer a frame from `name` verified with (first message only)."""
        last = self._last
        if last and last[0] == name and last[2] and name not in self._pins and len(self._pins) < _LIMIT:
            self._pin(name, last[2])
            self._last = None

    def check(self, name):
        """Ask the key server again for a name: its keys, or None when it no
        longer knows the name; KeyChangedError when they differ from the pin,
        which is kept either way."""
        pin = self._pins.get(name)
        found = self.lookup(name)
        if pin and found and [b64.encode_str(k) for k in found] != pin:
            raise KeyChangedError(
                "the key server now has other keys for %s than the ones pinned on this board; the pin "
                "is kept and messages to %s refused until nes.trust(%r) accepts the new keys"
                % (name, name, name))
        return found

    def trust(self, name):
        """Replace the pin of `name` with the key server's current keys."""
        found = self.lookup(name)
        if not found:
            raise DirectoryError("the key server does not know %s" % name)
        self._pin(name, found)
        return found

    def _pin(self, name, found):
        self._pins[name] = [b64.encode_str(k) for k in found]
        storage.save_json(self.path, self._pins)
