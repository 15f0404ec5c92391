"""Frames opened on several cores (`nes listen --workers N`): opening and
verifying is CPU-bound and holds the GIL, so each worker is a process.

A worker opens a frame with the keys pinned in the peers file and nothing
else: no key-server lookup, no replay cache, no output. What it returns is
only a shortcut for the listener, which keeps every decision in its own
process: it checks the replay cache, records, shows and acknowledges in
arrival order (so per sender too). A frame the worker could not open (an
unpinned sender, a forgery, anything) is opened again by the listener
itself, which then does what it always does (lookup, pin, the reason)."""
import concurrent.futures
import multiprocessing
import signal

from .messaging import now_ms
from .peers import PeerStore
from .protocol import envelope

_worker = {}  # in each worker process: user, message secret, peers path, pins


class _Signature:
    """A stand-in replay cache that keeps the signature of the frame it is shown."""

    value = None

    def accept(self, signature, timestamp, now):
        self.value = bytes(signature)


def _start(user, message_secret, peers_path):
    # Ctrl-C and SIGTERM are the listener's to handle; it stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _worker.update(user=user, secret=message_secret, peers=peers_path, pins=PeerStore(peers_path))


def _sign_key(name):
    keys = _worker["pins"].keys(name)
    if keys is None:  # pinned since this worker started?
        _worker["pins"] = PeerStore(_worker["peers"])
        keys = _worker["pins"].keys(name)
    return keys and keys[1]


def _open(payload):
    """(Message, signature), or None when the listener must open it itself."""
    seen = _Signature()
    try:
        message = envelope.open_frame(payload, _worker["user"], _worker["secret"], _sign_key, now_ms(), seen)
    except Exception:  # whatever it is, the listener finds it again and says why
        return None
    return message, seen.value


class Openers:
    """`count` worker processes; opened(payloads) -> a result per payload, in order."""

    def __init__(self, count, identity, peers_path):
        self.pool = concurrent.futures.ProcessPoolExecutor(
            count, mp_context=multiprocessing.get_context("spawn"),
            initializer=_start, initargs=(identity.user, identity.message_secret, str(peers_path)))

    def opened(self, payloads):
        return list(self.pool.map(_open, payloads))

    def close(self):
        self.pool.shutdown(cancel_futures=True)
