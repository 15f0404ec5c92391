"""The dashboard's one connection to NES: a thread that opens each frame
arriving for the local user, keeps it in the history and hands it to every
open page (server-sent events); and the sending of a page's message. Key
lookups and the replay cache are used under one lock, by one thread at a time.
The broker session and the frame handling are `nes listen`'s, handed in by
the command (commands/dashboard.py)."""
import queue
import select
import threading

from ..errors import CommandError
from ..history import Stored
from ..messaging import now_ms, seal
from ..output import message_object
from ..protocol.constants import topic

SNAPSHOT_MESSAGES = 500  # the conversation a page starts with
SNAPSHOT_POINTS = 2000  # per sensor


class Hub:
    def __init__(self, receiver, history, open_session, handle_events):
        """`open_session()` -> the subscribed mqtt.Session; `handle_events(session,
        receiver, show, warn)` opens what it received (commands/messages.py)."""
        self.open_session = open_session
        self.handle_events = handle_events
        self.receiver = receiver
        self.identity = receiver.identity
        self.directory = receiver.directory
        self.history = history
        self.lock = threading.Lock()
        self.pages = set()
        self.pages_lock = threading.Lock()
        self.session = None
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._pump, name="nes-dashboard-receiver", daemon=True)

    def start(self):
        self.session = self.open_session()
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        self.thread.join()
        self.session.close()
        with self.pages_lock:
            for page in self.pages:
                page.put(None)

    # -- receiving -----------------------------------------------------------
    def _pump(self):
        while not self.stopping.is_set():
            if select.select([self.session], [], [], 0.5)[0]:
                with self.lock:
                    self.handle_events(self.session, self.receiver, self._received, self.notice)

    def _received(self, message):
        self.history.add(message)
        self._tell({"kind": "message", "message": message_object(message)})

    def notice(self, text):
        """Tell every open page something (a dropped frame, a key warning)."""
        self._tell({"kind": "notice", "text": text})

    def _tell(self, event):
        with self.pages_lock:
            for page in self.pages:
                page.put(event)

    # -- pages -----------------------------------------------------------------
    def subscribe(self):
        """A queue of events for one page, starting with the state it shows."""
        page = queue.Queue()
        with self.pages_lock:
            self.pages.add(page)
        # Taken after subscribing: an event may come twice (the page ignores the
        # second), but none is missed.
        page.put(self.snapshot())
        return page

    def unsubscribe(self, page):
        with self.pages_lock:
            self.pages.discard(page)

    def snapshot(self):
        return {
            "kind": "state",
            "user": self.identity.user,
            "broker": self.session.address.url,
            "messages": [message_object(m) for m in self.history.messages(limit=SNAPSHOT_MESSAGES)],
            "series": self.history.series(limit=SNAPSHOT_POINTS),
        }

    # -- sending ---------------------------------------------------------------
    def send(self, peer, text):
        """Seal and publish `text` for `peer`; the message as a page shows it.
        CommandError when the peer is unknown, its key changed, or the broker
        does not acknowledge."""
        with self.lock:
            keys = self.directory.resolve(peer)
            timestamp = now_ms()
            frame = seal(self.identity, peer, keys, text)
        if not self.session.wait_published([self.session.publish(topic(peer), frame)]):
            raise CommandError("the broker %s did not acknowledge the message" % self.session.address.url)
        sent = Stored(self.identity.user, peer, timestamp, text)
        self.history.add(sent)
        shown = message_object(sent)
        self._tell({"kind": "message", "message": shown})
        return shown
