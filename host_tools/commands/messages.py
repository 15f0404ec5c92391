"""`nes send` (seal for one recipient and publish) and `nes listen` (print each
verified message as it arrives; drop the rest with a one-line reason)."""
import collections
import contextlib
import json
import select
import signal
import sys
import threading

from ..errors import CommandError
from ..history import FILE_SUFFIX, History, default_path
from ..messaging import DroppedFrame, Receiver, seal
from ..mqtt import Session
from ..output import drop_reason, message_json, message_line, notice
from ..protocol.constants import topic
from ..protocol.envelope import Message
from ..protocol.errors import ProtocolError
from ..settings import check_username, random_client_id
from ..workers import Openers
from . import UsageError

BATCH = 32  # messages recorded with one synced write, then shown


def client_id(state, command):
    """This installation's random id and a letter per command (`listen`, `chat`), so
    the broker keeps one persistent session for each; nothing in it names the user."""
    return state.settings.client_id() + command[0]


def add_send_arguments(parser):
    parser.add_argument("recipient", nargs="?", metavar="USER", help="username of the recipient")
    parser.add_argument("text", nargs="*", metavar="TEXT",
                        help="the message; read from stdin when absent or '-'")
    parser.add_argument("-t", "--to", metavar="USER", help="the recipient, as a flag (the original's)")
    parser.add_argument("-m", "--message", metavar="TEXT", help="the message, as a flag (the original's)")
    parser.add_argument("--json", action="store_true",
                        help="print what was published as one JSON object (from, to, topic, frame)")


def _recipient_and_words(args):
    """With -t, every positional word is text: `send -t bob hi there`."""
    if args.to is not None:
        words = ([args.recipient] if args.recipient is not None else []) + args.text
        return args.to, words
    if args.recipient is None:
        raise UsageError("USER is needed (`nes send USER TEXT` or `nes send -t USER -m TEXT`)")
    return args.recipient, args.text


def _text(args, words):
    if args.message is not None:
        if words:
            raise UsageError("give the text either with -m/--message or after USER, not both")
        return args.message
    if words and words != ["-"]:
        return " ".join(words)
    if sys.stdin.isatty():
        notice("reading the message from stdin (end it with Ctrl-D; or give TEXT or -m TEXT)")
    try:
        text = sys.stdin.buffer.read().decode("utf-8")
    except UnicodeDecodeError:
        raise CommandError("the message on stdin is not UTF-8 text") from None
    return text[:-1] if text.endswith("\n") else text


def do_send(state, args):
    recipient, words = _recipient_and_words(args)
    recipient = check_username(recipient)
    text = _text(args, words)  # may be empty, as the protocol and the boards allow
    identity = state.identity()
    frame = seal(identity, recipient, state.directory().resolve(recipient), text)
    session = Session(state.broker(), random_client_id()).open()  # a fresh one per send
    try:
        if not session.wait_published([session.publish(topic(recipient), frame)]):
            raise CommandError("the broker %s did not acknowledge the message" % session.address.url)
    finally:
        session.close()
    if args.json:
        print(json.dumps({"from": identity.user, "to": recipient, "topic": topic(recipient),
                          "frame": json.loads(frame)}))
    else:
        print("sent to %s" % recipient)


def open_session(state, receiver, command):
    """The persistent, subscribed session of `command` for the local user."""
    return Session(state.broker(), client_id(state, command),
                   persistent=True, topic=receiver.topic).open()


@contextlib.contextmanager
def signals_held():
    """Ctrl-C and SIGTERM wait until the block is done (signals reach only the
    main thread; elsewhere there is nothing to hold)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    held = {sig: signal.signal(sig, lambda signum, frame: caught.append(signum))
            for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in held.items():
            signal.signal(sig, handler)
        if caught:
            raise KeyboardInterrupt


def handle_events(session, receiver, show, warn):
    """Open each frame received: `show` the verified ones, `warn` about the rest.
    A message is recorded in the saved replay cache, then shown, with Ctrl-C held
    between the two (PROTOCOL.md §11), so it is shown once; the frame is
    acknowledged to the broker only after that (or once refused). The messages
    waiting are recorded BATCH at a time: one synced write for them all."""
    events = session.events()
    for start in range(0, len(events), BATCH):
        _handle_batch(session, receiver, [[kind, data, None] for kind, data in events[start:start + BATCH]],
                      show, warn)


def _handle_batch(session, receiver, events, show, warn):
    """`events`: [kind, data, what a worker made of a frame or None], in arrival order."""
    opened = []  # (frame, its message or None, its line or None), in arrival order
    for kind, data, early in events:
        if kind != "message":
            warn("dropped a frame: " + data if kind == "dropped" else data)
            continue
        try:
            if early:
                fields, signature, line = early
                opened.append((data, receiver.accept_opened(Message(*fields), signature), line))
            else:
                opened.append((data, receiver.open(data.payload), None))
        except (ProtocolError, DroppedFrame) as exc:
            warn(drop_reason(exc))
            opened.append((data, None, None))
    with signals_held():
        receiver.save()
        for _, message, line in opened:
            if message is None:
                continue
            if line is None:
                show(message)
            else:
                show(message, line)
        sys.stdout.flush()  # the batch's lines in one write, before any is acknowledged
    session.ack(*[data for data, _, _ in opened])  # in arrival order, as MQTT asks


def listen_with_workers(session, receiver, show, warn, openers):
    """handle_events' work, with the frames opened by `openers` (host_tools.workers)
    while this process receives, records, shows and acknowledges the frames
    opened before them; until Ctrl-C. `show(message, line)` gets the line a
    worker rendered, `show(message)` a frame this process opened itself."""
    waiting = collections.deque()  # [kind, data, result], in arrival order
    unopened = collections.deque()  # the entries of `waiting` whose frame is with a worker
    while True:
        ready = select.select([session] + openers.connections(), [], [], 1.0)[0]
        if session in ready:
            entries = [[kind, data, None] for kind, data in session.events()]
            waiting.extend(entries)
            frames = [e for e in entries if e[0] == "message"]
            unopened.extend(frames)
            openers.submit([e[1].payload for e in frames])
        for result in openers.results():
            unopened.popleft()[2] = result if result is not None else False
        done = []
        while waiting and (waiting[0][0] != "message" or waiting[0][2] is not None):
            done.append(waiting.popleft())
        if done:
            _handle_batch(session, receiver, done, show, warn)


def stop_on_sigterm():
    """Let SIGTERM end a session as cleanly as Ctrl-C does."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupt)


def add_listen_arguments(parser):
    parser.add_argument("--json", action="store_true", help="print one JSON object per message and line")
    parser.add_argument("--store", nargs="?", const="", metavar="FILE",
                        help="also keep every verified message and reading in the SQLite history FILE "
                             "(default: <state dir>/<user>%s), for `nes history`" % FILE_SUFFIX)
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="open frames in N processes (for many messages; default 1: in this one)")


def do_listen(state, args):
    identity = state.identity()
    receiver = Receiver(identity, state.directory(), state.replay_path())
    render = message_json if args.json else message_line
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    history = None if args.store is None else History(args.store or default_path(state.settings))
    openers = (Openers(args.workers, identity, receiver.directory.store.path, "json" if args.json else "line")
               if args.workers > 1 else None)

    def show(message, line=None):
        if history:
            history.add(message)
        print(render(message) if line is None else line)  # flushed once per batch

    stop_on_sigterm()
    try:
        session = open_session(state, receiver, "listen")
        try:
            notice("listening as %s on %s (Ctrl-C to stop)" % (identity.user, session.address.url))
            if openers:
                listen_with_workers(session, receiver, show, notice, openers)
            while True:
                if select.select([session], [], [], 1.0)[0]:
                    handle_events(session, receiver, show, notice)
        except KeyboardInterrupt:
            pass
        finally:
            session.close()
    finally:
        if openers:
            openers.close()
        if history:
            history.close()
