"""The NES application: once online, loop — post sensor readings to the
configured recipients at the configured interval, receive and open frames,
print each verified message (sender, time, text) and blink the LED, drop
anything invalid with a one-line reason, and keep running.

nes/startup.py checks the configuration and keys and creates the App, and
nes/online.py brings the board online; this module holds only what runs
afterwards, the heap of the smaller boards being a few tens of KB. After Ctrl-C the same App serves
the REPL API (nes/repl.py). Functions in `hooks` (nes.on_message) are called
with each verified Message.

A message's text is printed with control characters escaped, so it can
neither fake further console lines nor send terminal escape sequences; a
newline is kept, as an indented line. It is written in pieces, so showing it
needs no memory the size of the text."""
import gc
import sys
import time

import board
import nes

from . import clock, storage
from .crypto import field
from .proto.constants import const
from .proto.errors import AuthenticationError, DirectoryError, TimestampError
from .peers import KeyChangedError

hooks = []
handlers = {}  # nes.command(): name -> fn(argument), run by nes/commands.py
_INBOX = const(8)  # messages kept for nes.inbox() ...
_INBOX_CHARS = const(2048)  # ... and at most about this much text
_RECHECK_MS = const(600000)  # a pinned key is re-checked at most this often
_LOOP_MS = const(1000)  # longest wait of one loop turn
_BLINK_MS = const(80)
_PIECE = const(128)  # bytes of text written to the console at a time

# The code of sealing and opening: on the pure path it is dropped while a key
# lookup runs (Peers.before_lookup), the largest need of a small heap besides
# a message, and the next seal or open loads it again. A lookup never runs
# inside an open (_Ask), so none of it is in use then.
_MESSAGE_CODE = ("proto.envelope", "proto.inner", "proto.outer", "proto.utf8", "proto.jsonstr",
                 "crypto.aes", "crypto.x25519")

_app = None


class _Ask(Exception):
    """Out of an open: the sender's keys are to be asked for, outside it."""


def _drop_message_code():
    for name in _MESSAGE_CODE:
        nes.unload(name)


def topic(user):
    return "nes/%s/message" % user


def describe(exc):
    """One line for an exception: class and message, never a traceback."""
    text = str(exc)
    return "%s: %s" % (type(exc).__name__, text) if text else type(exc).__name__


def _for_time(exc):
    """Whether `exc` judged a time by this board's clock: the frame's own
    (step 12) or, for a sender not pinned, the key server's answer (step 9,
    checked first). By name: proto.directory, which defines the latter, is
    loaded only for a lookup."""
    return isinstance(exc, TimestampError) or type(exc).__name__ == "StaleAnswerError"


def _retried(fn, *args):
    """fn(*args); once more after a collection when the heap had no block
    large enough. A small board's heap fragments: what the first attempt left
    behind is garbage by then, and usually makes room."""
    try:
        return fn(*args)
    except MemoryError:
        gc.collect()
        return fn(*args)


def _collected(fn, *args):
    """_retried(fn, *args) after a collection, with no collection before the
    heap is full (nes/startup.py sets one every few KB on the pure path): the
    crypto's many small temporaries would trigger dozens."""
    gc.collect()
    every = gc.threshold()
    gc.threshold(-1)
    try:
        return _retried(fn, *args)
    finally:
        gc.threshold(every)


def _write(raw, start, end):
    """Console output of raw[start:end] (UTF-8), at most _PIECE bytes at a
    time, cut only between characters."""
    while start < end:
        stop = min(start + _PIECE, end)
        while stop < end and raw[stop] & 0xC0 == 0x80:
            stop -= 1
        sys.stdout.write(raw[start:stop].decode())
        start = stop


def _show(text):
    """Write `text` with control characters escaped, piece by piece: nothing
    the size of the (escaped) text is built, so a long text cannot fail for
    memory here."""
    raw = text.encode()
    start = i = 0
    n = len(raw)
    while i < n:
        b = raw[i]
        c1 = b == 0xC2 and i + 1 < n and 0x80 <= raw[i + 1] < 0xA0  # U+0080..U+009F
        if c1 or b < 0x20 or b == 0x7F:
            _write(raw, start, i)
            sys.stdout.write("\n    " if b == 0x0A else "\\x%02x" % (raw[i + 1] if c1 else b))
            i += 2 if c1 else 1
            start = i
        else:
            i += 1
    _write(raw, start, n)


class App:
    """The board's one App (current() returns it), built by nes/startup.py: cfg,
    keys, peers, replay cache, the sensor poster when configured, and the
    transport (set right after, as it calls back into the App)."""

    blink = True  # the LED blinks at each message; nes/duty.py turns it off (each ms awake costs)

    def __init__(self, cfg, keys, peers, replay, poster):
        global _app
        _app = self
        self.cfg = cfg
        self.keys = keys
        self.peers = peers
        self.replay = replay
        self.poster = poster
        self.transport = None
        self.inbox = []
        self.fresh = None  # a list once nes.poll() is used: it returns only what came after
        self.online = False
        self.connects = 0
        self._claimed = None
        self._checked = {}
        if not field.fast:
            peers.before_lookup = _drop_message_code

    def start(self):
        """Bring the board online the first time; later, check the link."""
        if self.online:
            board.ensure(self.cfg.wifi_ssid, self.cfg.wifi_password, self.cfg.wifi_country)
            reconnected = self.transport.connects != self.connects
            self.connects = self.transport.connects
            self.resync(reconnected)
            return
        from . import online

        online.bring_up(self)
        nes.unload("online")

    def resync(self, now=False, attempts=1):
        """Ask NTP when the clock wants it (nes/clock.py), or `now` (after a
        reconnect) unless the board's clock needs no NTP."""
        if clock.due(now):
            from . import timesync

            timesync.sync(self.cfg.ntp_host, attempts)
            nes.unload("timesync")

    # -- sending ------------------------------------------------------------

    def send(self, to, text):
        """Seal `text` for user `to` and publish it; True once the broker has
        it, False when queued behind the frame being handled."""
        to = to.lower() if isinstance(to, str) else to
        self.start()  # online first: the clock is read (and NTP asked) after that
        self.resync(not clock.good())
        # Before the key check: an answer's freshness is judged by this clock,
        # so on a clock not known to be right it would fail for the wrong reason.
        clock.require()
        found = _retried(self.peers.keys, to)  # the key check collects first itself
        if found is None:
            if to in self.peers:  # a pin the key server's signed "no such user" withdrew
                raise DirectoryError("the key server says %s has no keys any more (deactivated); "
                                     "nothing is sealed to the pinned keys" % to)
            raise DirectoryError("the key server does not know %s" % to)
        from . import entropy  # loaded at start on the pure path, else now; it keeps the DRBG's state
        from .proto import envelope

        frame = _collected(envelope.seal, self.cfg.user, self.keys[2], to, found[0], text,
                           clock.now_ms(), entropy.random)  # collected first: as in on_frame
        return self.transport.send(topic(to), frame)

    # -- receiving ----------------------------------------------------------

    def _sign_key_for(self, name):
        self._claimed = name if name in self.peers else None
        if not self.peers.known(name):
            raise _Ask(name)
        return self.peers.sign_key(name)

    def _open(self, payload, sign_key_for):
        from .proto import envelope

        return _collected(envelope.open_frame, payload, self.cfg.user, self.keys[0],
                          sign_key_for, clock.now_ms(), self.replay)

    def on_frame(self, payload):
        """Open one received frame; print it, or one line saying why not."""
        self._claimed = None
        # Collected first, so allocation restarts from the lowest free block:
        # what a message leaves behind (the inbox text) lands low in the heap,
        # not among the crypto temporaries, and large free blocks survive.
        # Retried on MemoryError: nothing of a frame is kept before its last
        # check (the replay cache), so a second attempt is safe.
        # A sender with neither a pin nor an answer of the last minute is
        # looked up between two attempts, not during one: the frame is opened
        # again once the answer is in (Peers.sign_key).
        try:
            try:
                msg = self._open(payload, self._sign_key_for)
            except _Ask as ask:
                key = _retried(self.peers.sign_key, ask.args[0])
                # the answer just asked for, whatever the time the open takes
                # (the same frame: the same sender)
                msg = self._open(payload, lambda _: key)
        except Exception as exc:  # whatever a frame does, the board keeps running
            print("drop: " + describe(exc) + (" (refused for time: this board's clock is not known to be right)"
                                              if not clock.good() and _for_time(exc) else ""))
            if isinstance(exc, AuthenticationError) and self._claimed:
                self._recheck(self._claimed)
            return
        self.peers.pin_sender(msg.sender)  # only now: its signature verified
        # Recorded (saved) before it is shown, acknowledged after (the transport
        # sends the PUBACK when this returns): PROTOCOL.md §11.
        self._save_replay()
        try:
            print("message from %s at %s UTC: " % (msg.sender, clock.iso(msg.timestamp)), end="")
            _show(msg.text)
            print()
        except BaseException as exc:  # not shown (a Ctrl-C too): not recorded either, so the redelivery is
            self.replay.withdraw()
            self._save_replay()
            if not isinstance(exc, Exception):
                raise
            raise OSError("message not shown (%s); the broker delivers it again" % describe(exc))
        self._accept(msg)

    def _save_replay(self):
        try:
            storage.write_with(storage.path("replay.json"), self.replay.save)
        except Exception as exc:  # only the restart protection suffers
            print("nes: replay cache not saved: " + describe(exc))

    def on_drop(self, reason):
        print("drop: " + reason)

    def _recheck(self, name):
        """A frame claiming a pinned sender failed: has that user's key
        changed on the key server? Reported, never accepted by itself."""
        now = time.ticks_ms()
        last = self._checked.get(name)
        if last is not None and time.ticks_diff(now, last) < _RECHECK_MS:
            return
        self._checked[name] = now
        try:
            self.peers.check(name)
        except KeyChangedError as exc:
            print("WARNING: %s" % exc)
        except Exception as exc:
            print("peers: cannot check the key of %s: %s" % (name, describe(exc)))

    def _accept(self, msg):
        entry = (msg.sender, msg.timestamp, msg.text)
        for kept in (self.inbox, self.fresh):
            if kept is None:
                continue
            kept.append(entry)
            while len(kept) > 1 and (len(kept) > _INBOX or sum(len(e[2]) for e in kept) > _INBOX_CHARS):
                kept.pop(0)
        if self.blink:
            board.led(1)
            time.sleep_ms(_BLINK_MS)
            board.led(0)
        for hook in hooks:
            try:
                hook(msg)
            except Exception as exc:
                print("hook: %s failed: %s" % (getattr(hook, "__name__", "hook"), describe(exc)))
        if msg.text[:1] == "/":
            from . import commands

            commands.dispatch(self, msg.sender, msg.text, handlers, describe)
            nes.unload("commands")

    # -- the loop -----------------------------------------------------------

    def poll(self, timeout_ms=0):
        """Handle what has arrived (waiting up to `timeout_ms` for something);
        return the messages that are new since the last poll (the first: since this call)."""
        if self.fresh is None:
            self.fresh = []
        self.start()
        self.transport.poll(timeout_ms)
        fresh, self.fresh = self.fresh, []
        return fresh

    def run(self):
        """The main loop; runs until Ctrl-C."""
        self.start()
        print("nes: running; Ctrl-C for the REPL, then: import nes; nes.send(\"name\", \"text\")")
        while True:
            try:
                clock.uptime_ms()  # counted every turn, long before ticks_ms wraps
                self.start()
                poster = self.poster
                if poster and poster.due():
                    poster.post(self.send)
                self.transport.poll(poster.wait_ms(_LOOP_MS) if poster else _LOOP_MS)
            except Exception as exc:  # a bug must not leave a board deaf
                print("nes: unexpected error: " + describe(exc))
                sys.print_exception(exc)
                time.sleep_ms(_LOOP_MS)


def current():
    """The board's one App, None before nes/startup.py has built it."""
    return _app
