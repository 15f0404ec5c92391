"""The full-screen `nes chat` screen, on prompt_toolkit: the conversation with
the peer (sender, time and, for what you sent, whether the broker took it),
a pane of its own for messages from anyone else, a status line, and the input
line with a shell's editing keys (arrows, Home/End, Ctrl-U/K/W, Up/Down for
the lines sent before). Everything runs in the screen's own event loop: the
broker's events arrive through a file descriptor it watches."""
import asyncio
import signal

from prompt_toolkit.application import Application
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.data_structures import Point
from prompt_toolkit.filters import Condition
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.keys import Keys
from prompt_toolkit.layout import ConditionalContainer, HSplit, Layout, Window
from prompt_toolkit.layout.controls import BufferControl, FormattedTextControl
from prompt_toolkit.layout.dimension import Dimension
from prompt_toolkit.styles import Style

from .output import message_line, safe_text

SENDING, SENT, UNCONFIRMED = "sending", "sent", "not confirmed by the broker"
OTHERS_HEIGHT = 6  # lines of the pane for messages from others

_STYLE = Style.from_dict({
    "bar": "reverse",
    "mine": "bold",
    "state": "italic",
    "notice": "italic",
    "others-title": "underline",
})


class Entry:
    """One line of a pane: a message (with a delivery state if we sent it) or a notice."""

    def __init__(self, text, style="", state=None):
        self.text = text
        self.style = style
        self.state = state

    def fragments(self):
        out = [(self.style, self.text)]
        if self.state:
            out.append(("class:state", "  [%s]" % self.state))
        return out + [("", "\n")]


class ChatScreen:
    """`on_line(text)` is called for each line entered; it returns None when
    nothing was sent, else the line to show and an awaitable telling whether
    the broker took the message."""

    def __init__(self, me, peer, title):
        self.me = me
        self.peer = peer
        self.title = title
        self.conversation = []
        self.others = []
        self.on_line = None
        self.input = Buffer(multiline=False, history=InMemoryHistory(), accept_handler=self._accept)
        self.app = Application(layout=self._layout(), key_bindings=self._keys(), style=_STYLE,
                               full_screen=True, mouse_support=False)

    # -- what is shown -----------------------------------------------------------
    def _layout(self):
        def pane(entries):
            return FormattedTextControl(
                lambda: [f for entry in entries for f in entry.fragments()],
                get_cursor_position=lambda: Point(0, max(len(entries) - 1, 0)))  # keeps the end in view

        has_others = Condition(lambda: bool(self.others))
        return Layout(HSplit([
            Window(FormattedTextControl(lambda: self.title), height=1, style="class:bar"),
            Window(pane(self.conversation), wrap_lines=True),
            ConditionalContainer(HSplit([
                Window(FormattedTextControl("messages from others"), height=1, style="class:others-title"),
                Window(pane(self.others), wrap_lines=True, height=Dimension(max=OTHERS_HEIGHT)),
            ]), filter=has_others),
            Window(FormattedTextControl(
                "%s -> %s   Enter sends, Up/Down: earlier lines, Ctrl-D or Ctrl-C ends"
                % (self.me, self.peer)),
                height=1, style="class:bar"),
            Window(BufferControl(self.input), height=1,
                   get_line_prefix=lambda line, wrap: "%s> " % self.me),
        ]), focused_element=self.input)

    def show(self, message):
        """A received message: in the conversation when from the peer (or us), else apart."""
        entry = Entry(message_line(message), "class:mine" if message.sender == self.me else "")
        (self.conversation if message.sender in (self.peer, self.me) else self.others).append(entry)
        self.app.invalidate()

    def notice(self, text):
        self.conversation.append(Entry("* " + safe_text(text, keep=""), "class:notice"))
        self.app.invalidate()

    # -- input -------------------------------------------------------------------
    def _keys(self):
        keys = KeyBindings()

        @keys.add("c-c")
        @keys.add(Keys.SIGINT)
        def _quit(event):
            event.app.exit()

        @keys.add("c-d", filter=Condition(lambda: not self.input.text))
        def _end(event):
            event.app.exit()

        return keys

    def _accept(self, buffer):
        text = buffer.text
        if text.strip():
            asyncio.ensure_future(self._send(text))
        return False  # clear the line (it is in the history)

    async def _send(self, text):
        sent = self.on_line(text)
        if sent is None:
            return
        line, acknowledged = sent
        entry = Entry(line, "class:mine", SENDING)
        self.conversation.append(entry)
        self.app.invalidate()
        entry.state = SENT if await acknowledged else UNCONFIRMED
        self.app.invalidate()

    # -- running -----------------------------------------------------------------
    def run(self, on_line, fd, on_ready):
        """Until Ctrl-D, Ctrl-C or SIGTERM; `on_ready()` is called when `fd` is readable."""
        self.on_line = on_line

        async def main():
            loop = asyncio.get_running_loop()
            loop.add_reader(fd, on_ready)
            loop.add_signal_handler(signal.SIGTERM, self.app.exit)
            try:
                await self.app.run_async()
            finally:
                loop.remove_reader(fd)
                loop.remove_signal_handler(signal.SIGTERM)

        asyncio.run(main())
