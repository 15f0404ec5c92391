"""Two virtual boards exchange messages through a real Mosquitto, with keys
from the real key server; the serial REPL API (send, inbox, poll, run,
whoami, on_message) drives them as a user at the console would."""
import ast
import base64
import re


def _value(out):
    """The Python value a board printed on the last line of `out`."""
    return ast.literal_eval(out.strip().splitlines()[-1])


def test_two_boards_exchange_messages_through_the_repl_api(user_board):
    alice = user_board("alice")
    bob = user_board("bob")

    who = _value(alice.exec("import nes; print(nes.whoami())"))
    assert who["user"] == "alice" and who["board"] == "unix"
    assert base64.b64decode(who["public_key_message"]) == alice.keys[1]
    assert base64.b64decode(who["public_key_sign"]) == alice.keys[3]

    assert "True" in alice.exec("import nes; print(nes.send('bob', 'hello bob'))")
    out = bob.wait_for("hello bob")
    assert re.search(r"message from alice at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: hello bob", out)

    # bob's loop stops at Ctrl-C; what he received is in his inbox, and the LED blinked
    inbox = _value(bob.exec("import nes, board; print(nes.inbox()); print(board.blinks)").rsplit("\n", 2)[0])
    assert [(sender, text) for sender, _, text in inbox] == [("alice", "hello bob")]
    assert bob.exec("import board; print(board.blinks)").strip() == "1"
    assert _value(bob.exec("import nes; print(nes.poll())")) == []  # not new: it is in the inbox

    # alice is at her REPL: a reply waits at the broker until she polls
    assert "True" in bob.exec("import nes; print(nes.send('alice', 'hi alice\\nsecond line'))")
    polled = _value(alice.exec("import nes; print(nes.poll(10000))"))
    assert [(s, t) for s, _, t in polled] == [("bob", "hi alice\nsecond line")]
    assert "message from bob" in alice.output() and "    second line" in alice.output()

    # nes.run() restarts the loop; messages are printed as they come again
    alice.run_app()
    mark = alice.mark()
    bob.exec("import nes; nes.send('alice', 'while running')")
    alice.wait_for("UTC: while running", after=mark)


def test_on_message_hook_adds_behaviour_and_a_failing_hook_is_contained(user_board):
    alice = user_board("alice")
    bob = user_board("bob")
    bob.exec(
        "import nes\n"
        "@nes.on_message\n"
        "def broken(message):\n"
        "    raise ValueError('boom')\n"
        "@nes.on_message\n"
        "def pong(message):\n"
        "    if message.text == 'ping':\n"
        "        nes.send(message.sender, 'pong from ' + message.recipient)\n"
    )
    bob.run_app()
    mark = alice.mark()
    alice.exec("import nes; nes.send('bob', 'ping')")
    bob.wait_for("hook: broken failed: ValueError: boom")
    polled = alice.exec("import nes; print(nes.poll(15000))")
    assert "pong from bob" in polled
    assert "message from bob" in alice.output()[mark:]


def test_messages_sent_while_a_board_is_off_arrive_when_it_is_back(user_board):
    alice = user_board("alice")
    bob = user_board("bob")
    bob.stop()
    alice.exec("import nes; nes.send('bob', 'sent while you were away')")
    mark = bob.mark()
    bob.start()
    bob.wait_for("UTC: sent while you were away", after=mark)
    bob.wait_for("(session resumed)", after=mark)


def test_control_characters_cannot_fake_console_lines(user_board):
    alice = user_board("alice")
    bob = user_board("bob")
    alice.exec("import nes; nes.send('bob', 'a\\rmessage from mallory\\x1b[2J')")
    out = bob.wait_for("UTC: a\\x0dmessage from mallory\\x1b[2J")
    assert "\x1b" not in out
