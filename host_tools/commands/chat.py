"""`nes chat USER` (or the original's `nes chat -t USER`): a two-way
conversation. On a terminal it is a full-screen screen (host_tools.terminal);
off one (a pipe) it reads lines from stdin and prints what arrives on stdout.
Each line entered is sealed for USER and published."""
import asyncio
import os
import select
import sys
from collections import namedtuple

from ..errors import CommandError
from ..messaging import Receiver, now_ms, seal
from ..output import message_line, notice
from ..protocol.constants import topic
from ..settings import check_username
from . import one_of
from .messages import handle_events, open_session, stop_on_sigterm

Shown = namedtuple("Shown", "sender timestamp text")


def add_chat_arguments(parser):
    parser.add_argument("peer", nargs="?", metavar="USER", help="username to chat with")
    parser.add_argument("-t", "--to", metavar="USER", help="the same, as a flag (the original's)")


class Chat:
    """What the two modes share: sealing and publishing a line, opening frames."""

    def __init__(self, state, peer):
        self.peer = peer
        self.identity = state.identity()
        self.directory = state.directory()
        self.peer_keys = self.directory.resolve(peer)  # an unknown or changed peer fails here
        self.receiver = Receiver(self.identity, self.directory, state.replay_path())
        self.session = open_session(state, self.receiver, "chat")
        self.sent = []
        self.warn = notice

    def header(self):
        return "chat with %s as %s on %s" % (self.peer, self.identity.user, self.session.address.url)

    def send(self, text):
        """(the line to show, the publication) or None when it could not be sealed."""
        try:
            frame = seal(self.identity, self.peer, self.peer_keys, text)
        except CommandError as exc:  # e.g. too long: say so and keep chatting
            self.warn(str(exc))
            return None
        info = self.session.publish(topic(self.peer), frame)
        self.sent.append(info)
        return message_line(Shown(self.identity.user, now_ms(), text)), info

    def events(self, show):
        handle_events(self.session, self.receiver, show, self.warn)

    def close(self):
        if not self.session.wait_published(self.sent):
            notice("the broker did not acknowledge every message sent; they may be lost")
        self.session.close()


def _full_screen(chat):
    from ..terminal import ChatScreen  # prompt_toolkit loads only for a terminal

    screen = ChatScreen(chat.identity.user, chat.peer, chat.header())
    chat.warn = screen.notice

    def on_line(text):
        sent = chat.send(text)
        if sent is None:
            return None
        line, info = sent
        return line, asyncio.to_thread(chat.session.wait_published, [info])

    screen.run(on_line, chat.session.fileno(), lambda: chat.events(screen.show))


def _line_mode(chat, fd):
    """Lines from `fd` until its end; messages and notices on stdout."""
    def say(text):
        print(text, flush=True)

    def send(line):
        sent = chat.send(line)
        if sent:
            say(sent[0])

    chat.warn = lambda text: say("* " + text)
    say(chat.header() + "; one line per message, end of input ends")
    pending = b""
    while True:
        ready = select.select([fd, chat.session], [], [], 1.0)[0]
        if chat.session in ready:
            chat.events(lambda message: say(message_line(message)))
        if fd in ready:
            data = os.read(fd, 4096)
            *lines, pending = (pending + data).split(b"\n") if data else (pending, b"")
            for line in lines:
                text = line.decode("utf-8", "replace").rstrip("\r")
                if text.strip():
                    send(text)
            if not data:
                return


def do_chat(state, args):
    peer = check_username(one_of(args.peer, args.to, "USER"))
    stop_on_sigterm()
    chat = Chat(state, peer)
    chat.directory.warn = lambda text: chat.warn(text)  # nothing may write around the screen
    try:
        if sys.stdin.isatty() and sys.stdout.isatty():
            _full_screen(chat)
        else:
            _line_mode(chat, sys.stdin.fileno())
    except KeyboardInterrupt:
        pass
    finally:
        chat.close()
