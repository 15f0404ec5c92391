"""Sealing for a correspondent and opening what arrives, on top of the
protocol (`host_tools.protocol.envelope`), the pinned peer keys and a replay
cache that persists across runs, so a persistent-session redelivery is not
shown twice."""
import time

from .errors import CommandError
from .keyserver_client import UnknownUser
from .peers import KeyChanged
from .protocol import envelope
from .protocol.constants import USERNAME_RE, topic
from .protocol.errors import AuthenticationError, ProtocolError, UnknownSenderError
from .replay_store import ReplayStore

REPLAY_CAPACITY = 4096
RECHECK_SECONDS = 600  # a pinned key is checked against the server at most this often


def now_ms():
    return int(time.time() * 1000)


def seal(identity, recipient, recipient_keys, text):
    """The frame carrying `text` from the local user to `recipient`."""
    try:
        return envelope.seal(identity.user, identity.sign_seed, recipient, recipient_keys[0],
                             text, now_ms())
    except (ProtocolError, ValueError) as exc:  # e.g. a text over the size limit
        raise CommandError("cannot seal the message: %s" % exc) from None


class DroppedFrame(Exception):
    """A frame refused for a reason the protocol classes do not name (key change, network)."""


class Receiver:
    """Opens frames for the local user; remembers accepted ones in `replay_path`."""

    def __init__(self, identity, directory, replay_path):
        self.identity = identity
        self.directory = directory
        self.replay_path = replay_path
        self.store = self._load_replay()
        self.replay = self.store.cache
        self.topic = topic(identity.user)
        self._asked = None
        self._lookup_failure = None
        self._keys = None  # the keys the frame being opened was checked with
        self._rechecked = {}  # name -> time.monotonic() of the last check

    def _load_replay(self):
        try:
            return ReplayStore(self.replay_path, REPLAY_CAPACITY)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CommandError("cannot read the replay cache %s: %s (delete it to start afresh)"
                               % (self.replay_path, exc)) from None

    def save(self):
        """The messages opened since the last save, recorded on disk (before they are shown)."""
        self.store.save()

    def _sign_key_for(self, name):
        if not isinstance(name, str) or not USERNAME_RE.match(name):
            return None
        self._asked = name
        try:
            self._keys = self.directory.sender_keys(name)
            return self._keys[1]
        except CommandError as exc:
            self._lookup_failure = exc
            return None

    def open(self, payload):
        """The verified Message; ProtocolError or DroppedFrame when it must be dropped.
        The caller shows the message, then calls save()."""
        self._asked = self._lookup_failure = self._keys = None
        try:
            message = envelope.open_frame(payload, self.identity.user, self.identity.message_secret,
                                          self._sign_key_for, now_ms(), self.replay)
        except AuthenticationError:
            self._explain_failed_signature()
            raise
        except UnknownSenderError:
            # A sender the server does not know is the protocol's case; anything else
            # (server unreachable, answer refused) is worth its own words.
            if self._lookup_failure and not isinstance(self._lookup_failure, UnknownUser):
                raise DroppedFrame("sender %r: %s" % (self._asked, self._lookup_failure)) from None
            raise
        # Pinned only now: the signature verified, and so did to, time and replay.
        self.directory.pin_sender(message.sender, self._keys)
        return message

    def accept_opened(self, message, signature):
        """A Message another process opened and verified with the pinned key of its
        sender (host_tools.workers): checked against the replay cache and recorded."""
        self.replay.accept(signature, message.timestamp, now_ms())
        return message

    def _explain_failed_signature(self):
        """A frame that fails with a pinned key may be signed by a changed key: say so.
        (Anyone can make frames that get this far, so the server is asked only now and then.)"""
        name = self._asked
        if name is None or self.directory.store.keys(name) is None:
            return
        if time.monotonic() - self._rechecked.get(name, -RECHECK_SECONDS) < RECHECK_SECONDS:
            return
        self._rechecked[name] = time.monotonic()
        try:
            self.directory.resolve(name)
        except KeyChanged as exc:
            raise DroppedFrame(str(exc)) from None
        except CommandError:
            pass
