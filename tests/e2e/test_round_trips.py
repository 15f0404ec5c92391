"""Messages across the whole system: board to host (the kitchen's sensor
readings and a text sent from its REPL arrive at alice's `nes listen --json`),
host to board (`nes send` shows on the board's console) and board to board,
each sealed, signed and verified end to end through the private broker."""
import re
import time

from tests.e2e.conftest import WAIT, next_message, received

READING = re.compile(r"^nes-reading/1\ntemperature=-?\d+(\.\d)? C$")  # PROTOCOL.md §14


def test_board_readings_arrive_at_the_host(alice_listener):

    message = next_message(alice_listener, lambda m: m["from"] == "kitchen")

    assert message["to"] == "alice"
    assert READING.match(message["message"]), message


def test_board_text_arrives_at_the_host(system, console, alice_listener):
    kitchen = console("kitchen")

    assert kitchen.value('nes.send("alice", "the oven is off")') is True

    message = next_message(alice_listener, lambda m: m["message"] == "the oven is off")
    assert (message["from"], message["to"]) == ("kitchen", "alice")


def test_host_text_shows_on_the_board_console(system):
    board = system.boards["kitchen"]
    mark = board.mark()

    result = system.alice.run("send", "kitchen", "Is the oven off?").ok()

    assert result.stdout.strip() == "sent to kitchen"
    received(board, "alice", "Is the oven off?", after=mark)


def test_board_readings_reach_the_other_board(system):
    """The boards' sensors post to each other."""
    kitchen, garage = system.boards["kitchen"], system.boards["garage"]
    mark_kitchen, mark_garage = kitchen.mark(), garage.mark()

    for board, sender, mark in ((garage, "kitchen", mark_garage), (kitchen, "garage", mark_kitchen)):
        out = board.wait_for("message from %s at " % sender, after=mark, timeout=WAIT)
        line = next(line for line in out[mark:].splitlines() if line.startswith("message from " + sender))
        assert line.rstrip("\r").split(" UTC: ", 1)[1] == "nes-reading/1", line  # its next line indented


def test_board_text_reaches_the_other_board(system, console):
    kitchen = system.boards["kitchen"]
    mark = kitchen.mark()
    garage = console("garage")

    assert garage.value('nes.send("kitchen", "garage door closed")') is True

    received(kitchen, "garage", "garage door closed", after=mark)


def test_reply_from_the_board_repl_to_the_host_and_back(system, console, alice_listener):
    """A round trip: alice asks, the kitchen answers from its REPL after
    reading the question with nes.poll()/nes.inbox()."""
    kitchen = console("kitchen")

    system.alice.run("send", "kitchen", "ping 42").ok()
    deadline = time.monotonic() + WAIT
    inbox = []
    while not any(text == "ping 42" for _, _, text in inbox):
        assert time.monotonic() < deadline, "alice's question never reached the kitchen: %r" % inbox
        kitchen.line("nes.poll(1000)")
        inbox = kitchen.value("nes.inbox()")
    sender = next(s for s, _, text in inbox if text == "ping 42")
    assert sender == "alice"
    assert kitchen.value('nes.send(%r, "pong 42")' % sender) is True

    message = next_message(alice_listener, lambda m: m["message"] == "pong 42")
    assert (message["from"], message["to"]) == ("kitchen", "alice")
