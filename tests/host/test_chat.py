"""`nes chat USER` driven through a pseudo-terminal: messages arriving while
the user types are printed above the input line and the half-typed input is
redrawn intact; the terminal is restored afterwards. Also the non-terminal
(pipe) mode and the errors before the screen starts."""
import json
import signal
import termios

import pytest

from tests.fixtures.nes_cli import WAIT


def screen(text):
    """The lines a terminal shows for `text` (enough of a VT100 for the line editor)."""
    lines, col, i = [""], 0, 0
    while i < len(text):
        if text.startswith("\x1b[K", i):
            lines[-1] = lines[-1][:col]
            i += 3
            continue
        ch = text[i]
        if ch == "\r":
            col = 0
        elif ch == "\n":
            lines.append("")
            col = 0
        elif ch >= " ":
            line = lines[-1].ljust(col)
            lines[-1] = line[:col] + ch + line[col + 1:]
            col += 1
        i += 1
    return lines


@pytest.fixture
def pair(nes_factory, mosquitto, keyserver):
    return nes_factory("alice").join(mosquitto, keyserver), nes_factory("bob").join(mosquitto, keyserver)


def test_incoming_messages_appear_above_the_line_being_typed(pair, ptys):
    alice, bob = pair
    bob_inbox = bob.listen("--json")
    chat = ptys(alice, ["chat", "bob"])
    at = chat.expect("Enter sends")
    at = chat.expect("alice> ", at)
    chat.type("helx")
    at = chat.expect("alice> helx", at)
    chat.type("\x7f")  # the typo erased
    at = chat.expect("alice> hel", at)

    bob.run("send", "alice", "incoming while you type").ok()
    at = chat.expect("bob: incoming while you type", at)
    chat.expect("alice> hel", at)  # the half-typed line is drawn again below the message
    chat.type("lo\r")
    assert json.loads(bob_inbox.wait_for("stdout", "{"))["message"] == "hello"
    at = chat.expect("alice: hello", at)
    chat.type("\x04")  # Ctrl-D on an empty line ends the chat
    assert chat.proc.wait(WAIT) == 0

    shown = [line for line in screen(chat.text()) if line.strip()]
    assert shown[0].startswith("chat with bob as alice")
    assert shown[1].endswith(" bob: incoming while you type")
    assert shown[2].endswith(" alice: hello")
    assert len(shown) == 3  # nothing left behind: no stray prompt or partial input
    bob_inbox.interrupt()


def test_line_editing_keys_and_a_long_line_on_a_narrow_terminal(pair, ptys):
    alice, bob = pair
    bob_inbox = bob.listen("--json")
    chat = ptys(alice, ["chat", "bob"], columns=40)
    chat.expect("alice> ")
    chat.type("discard this\x15")  # Ctrl-U: kill the line
    chat.type("one two\x17three")  # Ctrl-W: kill a word
    chat.type("\x1b[D")  # an arrow key is ignored, not inserted
    long_tail = "".join(str(i % 10) for i in range(100))
    chat.type(" " + long_tail)
    at = chat.expect(long_tail[-20:])
    # The input line scrolls instead of wrapping: it fits in 40 columns.
    input_line = screen(chat.text()[:at])[-1]
    assert input_line.startswith("alice> ") and input_line.endswith(long_tail[-20:])
    assert len(input_line) < 40
    chat.type("\r")
    message = json.loads(bob_inbox.wait_for("stdout", "{"))["message"]
    assert message == "one three " + long_tail
    chat.type("\x04")
    assert chat.proc.wait(WAIT) == 0
    bob_inbox.interrupt()


def test_ctrl_c_ends_the_chat_and_restores_the_terminal(pair, ptys):
    alice, _ = pair
    chat = ptys(alice, ["chat", "bob"])
    chat.expect("alice> ")
    assert not termios.tcgetattr(chat.slave)[3] & termios.ECHO  # the editor echoes, not the tty
    chat.type("half typed")
    chat.expect("half typed")
    chat.proc.send_signal(signal.SIGINT)
    assert chat.proc.wait(WAIT) == 0
    assert termios.tcgetattr(chat.slave)[3] & termios.ECHO
    assert "Traceback" not in chat.text()


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
    chat.expect("bob: left for you", chat.expect("Enter sends"))
    chat.type("\x04")
    assert chat.proc.wait(WAIT) == 0


def test_chat_with_an_unknown_user_fails_before_the_screen(pair):
    alice, _ = pair
    assert "does not know 'nobody'" in alice.run("chat", "nobody").failed()
