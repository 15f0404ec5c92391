"""`nes chat USER`: a two-way conversation in the terminal. Incoming messages
are printed above the input line while the user types (host_tools.terminal);
each line typed is sealed for USER and published."""
import os
import select
import sys
from collections import namedtuple

from ..errors import CommandError
from ..messaging import Receiver, now_ms, seal
from ..output import message_line, notice, safe_text
from ..protocol.constants import topic
from ..settings import check_username
from ..terminal import EOF, LineEditor
from .messages import handle_events, open_session, stop_on_sigterm

Shown = namedtuple("Shown", "sender timestamp text")


def add_chat_arguments(parser):
    parser.add_argument("peer", metavar="USER", help="username to chat with")


def _converse(session, editor, receiver, send, warn):
    """Run until the user ends the input (Ctrl-D or end of a pipe)."""
    stdin = editor.fd
    while True:
        ready = select.select([stdin, session], [], [], 1.0)[0]
        if session in ready:
            handle_events(session, receiver, lambda m: editor.print_above(message_line(m)), warn)
        if stdin in ready:
            for line in editor.feed(os.read(stdin, 4096)):
                if line is EOF:
                    return
                send(line)


def do_chat(state, args):
    peer = check_username(args.peer)
    identity = state.identity()
    directory = state.directory()
    peer_keys = directory.resolve(peer)  # an unknown or changed peer fails here, before the screen
    receiver = Receiver(identity, directory, state.replay_path())
    stop_on_sigterm()
    session = open_session(state, receiver, "chat")
    editor = LineEditor(sys.stdin.fileno(), sys.stdout, "%s> " % identity.user)
    sent = []

    def warn(text):
        editor.print_above("* " + safe_text(text, keep=""))

    def send(line):
        try:
            frame = seal(identity, peer, peer_keys, line)
        except CommandError as exc:  # e.g. too long: say so and keep chatting
            return warn(str(exc))
        sent.append(session.publish(topic(peer), frame))
        editor.print_above(message_line(Shown(identity.user, now_ms(), line)))

    directory.warn = warn  # nothing may write around the line editor
    try:
        with editor:
            editor.print_above("chat with %s as %s on %s; Enter sends, Ctrl-D ends"
                               % (peer, identity.user, session.address.url))
            _converse(session, editor, receiver, send, warn)
    except KeyboardInterrupt:
        pass
    finally:
        if not session.wait_published(sent):
            notice("the broker did not acknowledge every message sent; they may be lost")
        session.close()
