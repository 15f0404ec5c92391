"""Frames opened on several cores (`nes listen --workers N`): opening and
verifying is CPU-bound and holds the GIL, so each worker is a process.

A worker opens frames with the keys pinned in the peers file and nothing
else: no key-server lookup, no replay cache. For each frame it returns the
message, its signature (for the listener's replay cache) and the line the
listener prints, rendered there; or None. That is only a shortcut for the
listener, which keeps every decision in its own process: it checks the replay
cache, records, shows and acknowledges in arrival order (so per sender too).
A frame the worker could not open (an unpinned sender, a forgery, anything)
is opened again by the listener itself, which then does what it always does
(lookup, pin, the reason).

Frames go to the workers in chunks over a pipe each (one pickle per chunk,
not per frame), at most AHEAD chunks per worker at a time, so the listener
keeps receiving, recording and printing while the workers open."""
import collections
import multiprocessing
import multiprocessing.connection
import signal

from .messaging import now_ms
from .output import message_json, message_line
from .peers import PeerStore
from .protocol import envelope

CHUNK = 16  # frames per message to a worker (of those waiting; one frame goes alone)
AHEAD = 2  # chunks a worker may hold (one being opened, the next one waiting)
RENDER = {"json": message_json, "line": message_line}


class _Signature:
    """A stand-in replay cache that keeps the signature of the frame it is shown."""

    value = None

    def accept(self, signature, timestamp, now):
        self.value = bytes(signature)


def _work(conn, user, message_secret, peers_path, render):
    """A worker's life: chunks of payloads in, a list of results out, until None."""
    # Ctrl-C and SIGTERM are the listener's to handle; it stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    pins = PeerStore(peers_path)  # re-read by itself when the file changes
    render = RENDER[render]

    def sign_key(name):
        keys = pins.keys(name)
        return keys and keys[1]

    def opened(payload):
        seen = _Signature()
        try:
            message = envelope.open_frame(payload, user, message_secret, sign_key, now_ms(), seen)
        except Exception:  # whatever it is, the listener finds it again and says why
            return None
        return tuple(message), seen.value, render(message)

    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):  # the listener is gone
            return
        if chunk is None:
            return
        conn.send([opened(payload) for payload in chunk])


class Openers:
    """`count` worker processes. submit(payloads) in arrival order; results()
    gives back, in the same order, the results that are in (a (Message fields,
    signature, line) tuple, or None: the listener opens that frame itself)."""

    def __init__(self, count, identity, peers_path, render="json"):
        context = multiprocessing.get_context("spawn")
        self.workers = []
        for _ in range(count):
            ours, theirs = context.Pipe()
            process = context.Process(target=_work, daemon=True, args=(
                theirs, identity.user, bytes(identity.message_secret), str(peers_path), render))
            process.start()
            theirs.close()
            self.workers.append({"conn": ours, "process": process, "held": 0})
        self._unsent = collections.deque()  # chunks not yet handed to a worker
        self._order = collections.deque()  # (worker, size) of each chunk handed out, in order
        self._done = collections.deque()  # results received, in order

    def connections(self):
        """What to wait on (select) for the next
        result in order: the pipe of the worker holding the oldest chunk (another
        worker's results, ready sooner, wait for it without waking anyone)."""
        if self._order and self._order[0][0] is not None and self._order[0][0]["conn"] is not None:
            return [self._order[0][0]["conn"]]
        return []

    def submit(self, payloads):
        payloads = list(payloads)
        if self._unsent and len(self._unsent[-1]) < CHUNK:  # fill the last chunk waiting
            room = CHUNK - len(self._unsent[-1])
            self._unsent[-1] += payloads[:room]
            payloads = payloads[room:]
        for start in range(0, len(payloads), CHUNK):
            self._unsent.append(payloads[start:start + CHUNK])
        self._hand_out()

    def _hand_out(self):
        """A full chunk to a worker holding fewer than AHEAD, a partial one only to an
        idle worker: frames arriving while all are busy wait and fill a chunk, so
        a busy listener pays its per-chunk costs (pickles, pipe, synced write) per
        CHUNK frames, and a lone frame goes at once to an idle worker."""
        while self._unsent:
            limit = AHEAD if len(self._unsent[0]) >= CHUNK else 1
            alive = [w for w in self.workers if w["conn"] is not None and w["held"] < limit]
            if not alive:
                if not any(w["conn"] is not None for w in self.workers):  # all gone: the listener opens
                    self._order.append((None, len(self._unsent.popleft())))
                    continue
                return
            worker = min(alive, key=lambda w: w["held"])
            chunk = self._unsent.popleft()
            try:
                worker["conn"].send(chunk)
            except OSError:
                self._lost(worker)
                self._unsent.appendleft(chunk)
                continue
            worker["held"] += 1
            self._order.append((worker, len(chunk)))

    def _lost(self, worker):
        worker["conn"].close()
        worker["conn"] = None

    def results(self):
        """The results in so far, in submission order (without blocking)."""
        while self._order:
            worker, size = self._order[0]
            if worker is None or worker["conn"] is None:
                got = [None] * size
            else:
                try:
                    if not worker["conn"].poll():
                        break
                    got = worker["conn"].recv()
                except (EOFError, OSError):
                    self._lost(worker)
                    got = [None] * size
            self._order.popleft()
            if worker is not None:
                worker["held"] -= 1
            self._done.extend(got)
        self._hand_out()
        done, self._done = list(self._done), collections.deque()
        return done

    def close(self):
        for worker in self.workers:
            if worker["conn"] is not None:
                try:
                    worker["conn"].send(None)
                except OSError:
                    pass
        for worker in self.workers:
            worker["process"].join(5)
            if worker["process"].is_alive():
                worker["process"].terminate()
                worker["process"].join(5)
            if worker["conn"] is not None:
                worker["conn"].close()
