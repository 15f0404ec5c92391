"""`nes send` (seal for one recipient and publish) and `nes listen` (print each
verified message as it arrives; drop the rest with a one-line reason)."""
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


def handle_events(session, receiver, show, warn, openers=None):
    """Open each frame received: `show` the verified ones, `warn` about the rest.
    A message is recorded in the saved replay cache, then shown, with Ctrl-C held
    between the two (PROTOCOL.md §11), so it is shown once; the frame is
    acknowledged to the broker only after that (or once refused). The messages
    waiting are recorded BATCH at a time: one synced write for them all.
    `openers` (host_tools.workers) open a batch's frames in parallel first."""
    events = session.events()
    for start in range(0, len(events), BATCH):
        _handle_batch(session, receiver, events[start:start + BATCH], show, warn, openers)


def _handle_batch(session, receiver, events, show, warn, openers):
    frames = [data for kind, data in events if kind == "message"]
    early = iter(openers.opened([f.payload for f in frames]) if openers else [None] * len(frames))
    opened = []  # (frame, its message or None), in arrival order
    for kind, data in events:
        if kind != "message":
            warn("dropped a frame: " + data if kind == "dropped" else data)
            continue
        done = next(early)
        try:
            opened.append((data, receiver.accept_opened(*done) if done else receiver.open(data.payload)))
        except (ProtocolError, DroppedFrame) as exc:
            warn(drop_reason(exc))
            opened.append((data, None))
    with signals_held():
        receiver.save()
        for _, message in opened:
            if message is not None:
                show(message)
    for data, _ in opened:
        session.ack(data)  # in arrival order, as MQTT asks


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
    openers = Openers(args.workers, identity, receiver.directory.store.path) if args.workers > 1 else None

    def show(message):
        if history:
            history.add(message)
        print(render(message), flush=True)

    stop_on_sigterm()
    try:
        session = open_session(state, receiver, "listen")
        try:
            notice("listening as %s on %s (Ctrl-C to stop)" % (identity.user, session.address.url))
            while True:
                if select.select([session], [], [], 1.0)[0]:
                    handle_events(session, receiver, show, notice, openers)
        except KeyboardInterrupt:
            pass
        finally:
            session.close()
    finally:
        if openers:
            openers.close()
        if history:
            history.close()
