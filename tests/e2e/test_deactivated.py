"""A deactivated user is gone from the directory, and a message to them is
refused with a clear one-line error: by `nes send` on the host, and by
`nes.send` at a board's serial REPL. bob is a host user who was reachable
(alice and the kitchen wrote to him, so both pinned his keys) until he
followed the deactivation link mailed to him at activation."""
import json

import pytest

from tests.e2e.conftest import SerialConsole, email_of, next_message


def pins_of(board):
    """The names whose keys a board has pinned on its flash."""
    path = board.dir / "nesdata" / "peers.json"
    return json.loads(path.read_text()) if path.exists() else {}


@pytest.fixture(scope="module")
def bob(system):
    """bob: registered, activated, written to by alice and the kitchen, then deactivated."""
    bob = system.host_user("bob")
    listener = bob.listen("--json")
    try:
        system.alice.run("send", "bob", "hello bob").ok()
        next_message(listener, lambda m: m["from"] == "alice" and m["message"] == "hello bob")
        with SerialConsole(system.boards["kitchen"].port) as kitchen:
            kitchen.repl()
            assert kitchen.value('nes.send("bob", "hello from the kitchen")') is True
            kitchen.resume()
        next_message(listener, lambda m: m["from"] == "kitchen" and m["message"] == "hello from the kitchen")
        assert "bob" in pins_of(system.boards["kitchen"]) and "bob" not in pins_of(system.boards["garage"])
    finally:
        assert listener.interrupt() == 0
    bob.deactivation = system.follow_link(email_of("bob"), "deactivation")
    return bob


def test_the_deactivation_link_removes_bob_from_the_directory(system, bob):
    assert (bob.deactivation["username"], bob.deactivation["status"]) == ("bob", "deactivated")
    assert "bob" not in system.directory()


def test_host_send_to_a_deactivated_user_fails_with_one_clear_line(system, bob):
    result = system.alice.run("send", "bob", "are you there?")

    assert result.returncode == 1
    error = result.failed()
    # alice pinned bob: the server's signed "no such user" withdraws the pin
    assert "'bob' has no keys any more" in error and "deactivated" in error, error


def test_board_send_to_a_deactivated_user_fails_with_a_clear_error(bob, console):
    """The garage never wrote to bob: it asks the key server, which does not know him."""
    garage = console("garage")

    answer = garage.line('nes.send("bob", "are you there?")')

    assert answer.splitlines()[-1] == "DirectoryError: the key server does not know bob", answer
    assert "True" not in answer


def test_board_send_to_a_deactivated_user_it_had_pinned_fails(system, bob, console):
    """The kitchen wrote to bob while he was active and pinned his keys. Once
    that answer is older than the board's refresh interval (made so here: its
    check time moved an hour back while the board was off), a send asks the
    key server again and gets the signed "no such user": refused, and the pin
    stays (keys served later for the freed name are a key change to report,
    not a first lookup)."""
    kitchen_board = system.boards["kitchen"]
    kitchen_board.stop()
    pins = pins_of(kitchen_board)
    pins["bob"][4] -= 3600
    (kitchen_board.dir / "nesdata" / "peers.json").write_text(json.dumps(pins))
    mark = kitchen_board.mark()
    kitchen_board.start()
    kitchen_board.wait_for("nes: running", after=mark)
    kitchen = console("kitchen")

    answer = kitchen.line('nes.send("bob", "are you there?")')

    assert answer.splitlines()[-1] == ("DirectoryError: the key server says bob has no keys any more "
                                       "(deactivated); nothing is sealed to the pinned keys"), answer
    assert "True" not in answer
    assert pins_of(kitchen_board)["bob"][:2] == pins["bob"][:2]
