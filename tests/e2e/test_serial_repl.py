"""A person at a virtual board's serial REPL: the device path opened directly
(no mpremote), Ctrl-C stops the application loop, then `import nes` and
`nes.send(...)` typed line by line deliver a message to alice's `nes listen`."""
import base64

from tests.e2e.conftest import next_message, received


def test_send_typed_at_the_repl_reaches_alice(system, console, alice_listener):
    kitchen = console("kitchen")

    assert kitchen.value('nes.send("alice", "typed at the REPL")') is True

    message = next_message(alice_listener, lambda m: m["message"] == "typed at the REPL")
    assert (message["from"], message["to"]) == ("kitchen", "alice")


def test_whoami_at_the_repl_names_the_board_and_its_registered_keys(system, console):
    kitchen = console("kitchen")

    me = kitchen.value("nes.whoami()")

    assert me["user"] == "kitchen" and me["board"] == "unix"
    assert me["broker"] == "%s:%d" % (system.broker.host, system.broker.port)
    message_public, sign_public = system.directory()["kitchen"]
    assert me["public_key_message"] == base64.b64encode(message_public).decode()
    assert me["public_key_sign"] == base64.b64encode(sign_public).decode()


def test_the_loop_runs_again_after_the_repl(system, console):
    """After nes.run() at the REPL the board receives again."""
    board = system.boards["kitchen"]
    kitchen = console("kitchen")
    kitchen.resume()
    mark = board.mark()

    system.alice.run("send", "kitchen", "back in the loop").ok()

    received(board, "alice", "back in the loop", after=mark)
