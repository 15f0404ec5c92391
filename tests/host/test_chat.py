"""`nes chat USER` driven through a pseudo-terminal and read back through a
terminal emulator (pyte): the full screen's conversation pane with delivery
states, messages from others in a pane of their own, the input line's editing
keys and history, the terminal restored afterwards. Also the non-terminal
(pipe) mode and the errors before the screen starts."""
import json
import signal
import termios
import time

import pyte
import pytest

from tests.fixtures.nes_cli import WAIT


def screen(chat, columns=80):
    """The lines a VT100 (pyte) shows for everything `chat` has written so far."""
    display = pyte.Screen(columns, 24)
    pyte.ByteStream(display).feed(chat.output)
    return [line.rstrip() for line in display.display]


def wait_screen(chat, condition, columns=80):
    """The screen once `condition(lines)` holds (each redraw is looked at)."""
    deadline = time.monotonic() + WAIT
    with chat.lock:
        while True:
            lines = screen(chat, columns)
            if condition(lines):
                return lines
            left = deadline - time.monotonic()
            if left <= 0 or chat.output.endswith(b"\0EOF"):
                pytest.fail("screen never matched:\n" + "\n".join(lines), pytrace=False)
            chat.lock.wait(left)


def shows(text):
    return lambda lines: any(text in line for line in lines)


@pytest.fixture(autouse=True)
def terminal_type(monkeypatch):
    monkeypatch.setenv("TERM", "xterm")


@pytest.fixture
def pair(nes_factory, mosquitto, keyserver):
    return nes_factory("alice").join(mosquitto, keyserver), nes_factory("bob").join(mosquitto, keyserver)


def test_full_screen_conversation_with_delivery_state_history_and_others_apart(
        pair, nes_factory, mosquitto, keyserver, ptys):
    alice, bob = pair
    carol = nes_factory("carol").join(mosquitto, keyserver)
    bob_inbox = bob.listen("--json")
    chat = ptys(alice, ["chat", "bob"])
    wait_screen(chat, shows("chat with bob as alice"))
    chat.type("helx")
    wait_screen(chat, lambda lines: lines[-1] == "alice> helx")
    chat.type("\x7f\x1b[D\x1b[C")  # the typo erased; arrows move without inserting anything
    chat.type("lo\r")
    assert json.loads(bob_inbox.wait_for("stdout", "{"))["message"] == "hello"
    lines = wait_screen(chat, shows("alice: hello  [sent]"))
    assert lines[-1] == "alice>"

    chat.type("half typed")
    bob.run("send", "alice", "incoming while you type").ok()
    carol.run("send", "alice", "from carol").ok()
    lines = wait_screen(chat, lambda lines: shows("from carol")(lines) and shows("incoming while")(lines))
    assert lines[-1] == "alice> half typed"  # the input line is untouched
    pane = lines.index("messages from others")
    conversation = [line for line in lines[1:pane] if line]
    assert conversation[0].endswith(" alice: hello  [sent]")
    assert conversation[1].endswith(" bob: incoming while you type")
    assert any(line.endswith(" carol: from carol") for line in lines[pane:])

    chat.type("\x15")  # Ctrl-U empties the line; Up brings back the line sent before
    chat.type("\x1b[A")
    wait_screen(chat, lambda lines: lines[-1] == "alice> hello")
    chat.type("\x15\x04")  # Ctrl-D on an empty line ends the chat
    assert chat.proc.wait(WAIT) == 0
    assert termios.tcgetattr(chat.slave)[3] & termios.ECHO
    bob_inbox.interrupt()


def test_a_long_line_on_a_narrow_terminal_is_sent_whole(pair, ptys):
    alice, bob = pair
    bob_inbox = bob.listen("--json")
    chat = ptys(alice, ["chat", "bob"], columns=40)
    wait_screen(chat, shows("alice>"), columns=40)
    chat.type("one two\x17three")  # Ctrl-W: kill a word
    long_tail = "".join(str(i % 10) for i in range(100))
    chat.type(" " + long_tail)
    wait_screen(chat, lambda lines: lines[-1].endswith(long_tail[-20:]), columns=40)
    chat.type("\r")
    assert json.loads(bob_inbox.wait_for("stdout", "{"))["message"] == "one three " + long_tail
    chat.type("\x04")
    assert chat.proc.wait(WAIT) == 0
    bob_inbox.interrupt()


def test_ctrl_c_ends_the_chat_and_restores_the_terminal(pair, ptys):
    alice, _ = pair
    chat = ptys(alice, ["chat", "-t", "bob"])  # the original's flag
    wait_screen(chat, shows("alice>"))
    assert not termios.tcgetattr(chat.slave)[3] & termios.ECHO  # the screen echoes, not the tty
    chat.type("half typed")
    wait_screen(chat, shows("half typed"))
    chat.proc.send_signal(signal.SIGINT)
    assert chat.proc.wait(WAIT) == 0
    assert termios.tcgetattr(chat.slave)[3] & termios.ECHO
    assert b"Traceback" not in chat.output


def test_chat_without_a_terminal_reads_lines_until_end_of_input(pair):
    alice, bob = pair
    bob_inbox = bob.listen("--json")
    result = alice.run("chat", "bob", input="first line\n\n%s\nsecond line\n" % ("x" * 4000))
    assert result.ok()
    got = [json.loads(bob_inbox.wait_for("stdout", "{"))["message"] for _ in range(2)]
    assert got == ["first line", "second line"]  # the empty and the too long line were not sent
    assert "alice: first line" in result.stdout
    assert "* cannot seal the message: message too long" in result.stdout
    bob_inbox.interrupt()


def test_chat_receives_what_was_sent_while_it_was_closed(pair, ptys):
    alice, bob = pair
    alice.run("chat", "bob", input="").ok()  # the first chat opens the persistent session
    bob.run("send", "alice", "left for you").ok()
    chat = ptys(alice, ["chat", "bob"])
    wait_screen(chat, shows("bob: left for you"))
    chat.type("\x04")
    assert chat.proc.wait(WAIT) == 0


def test_chat_with_an_unknown_user_fails_before_the_screen(pair):
    alice, _ = pair
    assert "does not know 'nobody'" in alice.run("chat", "nobody").failed()
