"""The key cache: correspondents' public keys, pinned on flash.

A name found in /nesdata/peers.json needs no lookup. Otherwise the key server
is asked (keyserver.lookup, which checks the answer against the pinned server
key) and the keys are pinned. A later answer with other keys for a pinned
name is reported (KeyChangedError) and never replaces the pin by itself;
`trust(name)` does that on request."""
import nes

from . import b64, storage
from .constants import const
from .errors import DirectoryError

_LIMIT = const(64)  # pins kept on flash; beyond this, keys are looked up each time


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

    def __contains__(self, name):
        return name in self._pins

    def lookup(self, name):
        """The key server's current (M, S) for `name`, verified, or None."""
        # The lookup code is loaded for the lookup only: with its
        # correspondents pinned, a board rarely needs it.
        from . import keyserver

        try:
            return keyserver.lookup(self.url, self.server_public, name)
        finally:
            for module in ("keyserver", "http", "lookup"):
                nes.unload(module)

    def keys(self, name):
        """(M, S) for `name`: pinned, else looked up and pinned; None when the
        key server does not know the name."""
        pin = self._pins.get(name)
        if pin:
            return b64.decode(pin[0]), b64.decode(pin[1])
        found = self.lookup(name)
        if found and len(self._pins) < _LIMIT:
            self._pin(name, found)
        return found

    def sign_key(self, name):
        found = self.keys(name)
        return found[1] if found else None

    def check(self, name):
        """Ask the key server again for a pinned name; KeyChangedError when
        its keys differ from the pin, which is kept either way."""
        pin = self._pins.get(name)
        found = self.lookup(name)
        if pin and found and [b64.encode_str(k) for k in found] != pin:
            raise KeyChangedError(
                "the key server now has other keys for %s than the ones pinned on this "
                "board; still using the pinned keys (nes.trust(%r) accepts the new ones)" % (name, name))
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
