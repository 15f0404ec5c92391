"""`nes send` (seal for one recipient and publish) and `nes listen` (print each
verified message as it arrives; drop the rest with a one-line reason)."""
import json
import os
import select
import signal
import sys

from ..errors import CommandError
from ..messaging import DroppedFrame, Receiver, seal
from ..mqtt import Session
from ..output import drop_reason, message_json, message_line, notice
from ..protocol.constants import topic
from ..protocol.errors import ProtocolError
from ..settings import check_username
from . import UsageError


def client_id(user, command):
    """Stable per user and command, so the broker keeps one persistent session for each."""
    return "nes-%s-%s" % (user, command)


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
    text = _text(args, words)
    if not text:
        raise CommandError("nothing to send: the message (TEXT, -m TEXT, or read from stdin) is empty")
    identity = state.identity()
    frame = seal(identity, recipient, state.directory().resolve(recipient), text)
    session = Session(state.broker(), client_id(identity.user, "send-%s" % os.urandom(4).hex())).open()
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
    return Session(state.broker(), client_id(receiver.identity.user, command),
                   persistent=True, topic=receiver.topic).open()


def handle_events(session, receiver, show, warn):
    """Open each frame received: `show` the verified ones, `warn` about the rest.
    A frame is acknowledged to the broker only once shown (or refused)."""
    for kind, data in session.events():
        if kind != "message":
            warn("dropped a frame: " + data if kind == "dropped" else data)
            continue
        try:
            show(receiver.open(data.payload))
            receiver.save()
        except (ProtocolError, DroppedFrame) as exc:
            warn(drop_reason(exc))
        session.ack(data)


def stop_on_sigterm():
    """Let SIGTERM end a session as cleanly as Ctrl-C does."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupt)


def add_listen_arguments(parser):
    parser.add_argument("--json", action="store_true", help="print one JSON object per message and line")


def do_listen(state, args):
    identity = state.identity()
    receiver = Receiver(identity, state.directory(), state.replay_path())
    render = message_json if args.json else message_line
    stop_on_sigterm()
    session = open_session(state, receiver, "listen")
    try:
        notice("listening as %s on %s (Ctrl-C to stop)" % (identity.user, session.address.url))
        while True:
            if select.select([session], [], [], 1.0)[0]:
                handle_events(session, receiver, lambda m: print(render(m), flush=True), notice)
    except KeyboardInterrupt:
        pass
    finally:
        session.close()
