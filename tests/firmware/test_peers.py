"""The board's key cache (firmware/nes/peers.py) under the MicroPython unix
port against the real key server: sending to a pinned name asks the server
again, refuses a name it no longer knows (keeping the pin, so keys served
later for a re-registered name are reported, not pinned silently), and falls
back to the pin when the server cannot be reached; opening a frame from a
pinned sender needs no lookup."""
import base64
import json

import pytest

# One step of the board's life: a fresh interpreter with the key cache on
# `path`, one Peers call, its outcome on the last line.
STEP = """
from nes.crypto import b64
from nes.peers import Peers
peers = Peers(%r, b64.decode(%r), %r)
try:
    found = peers.%s(%r)
    if isinstance(found, bytes):  # sign_key
        found = (found,)
    print("->", found if found is None else [b64.encode_str(k) for k in found])
except Exception as exc:
    print("->", type(exc).__name__, exc)
"""


@pytest.fixture
def board(micropython, keyserver, tmp_path):
    """board(call, name) -> (what it printed, the outcome line) of one Peers call."""
    path = tmp_path / "peers.json"

    def step(call, name):
        run = micropython(STEP % (keyserver.url, keyserver.public_key_b64, str(path), call, name)).check()
        lines = run.stdout.splitlines()
        return "\n".join(lines[:-1]), lines[-1]

    step.pins = lambda: json.loads(path.read_text()) if path.exists() else {}
    return step


def keys_of(answer):
    response = answer["response"]
    return [response["public_key_message"], response["public_key_sign"]]


def test_a_pinned_active_user_gets_the_key_servers_keys(board, keyserver):
    bob = keys_of(keyserver.register_and_activate("bob"))

    assert board("keys", "bob") == ("", "-> %s" % bob)  # first lookup: pinned
    assert board.pins() == {"bob": bob}
    assert board("keys", "bob") == ("", "-> %s" % bob)  # asked again, same keys
    assert board.pins() == {"bob": bob}


def test_a_pinned_user_who_deactivated_is_refused_and_the_pin_kept(board, keyserver):
    bob = keys_of(keyserver.register_and_activate("bob"))
    board("keys", "bob")
    assert keyserver.deactivate("bob")[1]["status"] == "deactivated"

    assert board("keys", "bob") == ("", "-> None")  # app.send: "the key server does not know bob"
    assert board.pins() == {"bob": bob}
    # a frame bob sent before he left is still opened with the pin
    assert board("sign_key", "bob")[1] == "-> %s" % bob[1:]

    # whoever registers the free name next does not inherit bob's place on the board
    newcomer = keys_of(keyserver.register_and_activate("bob", email="someone-else@example.org"))
    said, outcome = board("keys", "bob")
    assert said == ""
    assert outcome.startswith("-> KeyChangedError the key server now has other keys for bob"), outcome
    assert "nes.trust('bob')" in outcome
    assert board.pins() == {"bob": bob}
    assert board("trust", "bob")[1] == "-> %s" % newcomer
    assert board("keys", "bob")[1] == "-> %s" % newcomer


def test_a_pinned_user_is_sent_to_from_the_pin_while_the_key_server_is_down(board, keyserver):
    bob = keys_of(keyserver.register_and_activate("bob"))
    keyserver.register_and_activate("carol")
    board("keys", "bob")
    keyserver.stop()

    said, outcome = board("keys", "bob")
    assert outcome == "-> %s" % bob
    assert said.startswith("peers: cannot check the keys of bob with the key server (OSError: "), said
    assert said.endswith("sealing with the pinned keys"), said
    assert board("sign_key", "bob") == ("", "-> %s" % bob[1:])
    # without a pin there is nothing to fall back to
    assert board("keys", "carol")[1].startswith("-> OSError ")
    assert board.pins() == {"bob": bob}


@pytest.mark.parametrize("served", ["the pinned keys", "other keys"])
def test_a_forged_answer_gets_no_further_than_the_pin(micropython, keyserver, json_server, tmp_path,
                                                      served):
    """An answer with the pinned keys is taken without its signature checked;
    it could only have the board do what it does offline. One with other
    keys is checked, fails, and the board seals with its pin all the same."""
    bob = keys_of(keyserver.register_and_activate("bob"))
    other = keys_of(keyserver.register_and_activate("mallory"))
    path = tmp_path / "peers.json"
    path.write_text(json.dumps({"bob": bob}))
    keys = bob if served == "the pinned keys" else other
    forged = json.dumps({"response": {"username": "bob", "public_key_message": keys[0],
                                      "public_key_sign": keys[1]},
                         "signature": base64.b64encode(bytes(64)).decode()}).encode()
    forger = json_server(lambda path: forged)  # signed by nobody
    run = micropython(STEP % (forger.url, keyserver.public_key_b64, str(path), "keys", "bob")).check()
    said, outcome = "\n".join(run.stdout.splitlines()[:-1]), run.stdout.splitlines()[-1]
    assert outcome == "-> %s" % bob
    if served == "the pinned keys":
        assert said == ""
    else:
        assert said.startswith("peers: cannot check the keys of bob with the key server (DirectoryError: "
                               "key-server signature does not verify"), said
    assert json.loads(path.read_text()) == {"bob": bob}
