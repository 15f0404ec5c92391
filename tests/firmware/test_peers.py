"""The board's key cache (firmware/nes/peers.py) under the MicroPython unix
port against the real key server and a key server in the middle: answers are
verified with their freshness (PROTOCOL §10); a pinned name is asked again
only once its answer is older than the refresh interval; a signed "no such
user" refuses the name at once (keeping the pin, so keys served later for a
re-registered name are reported, not pinned silently); without the key server
the pin is used only while its last answer is unexpired (fail closed);
rollback, expired, future and unsigned or badly signed 404 answers are
refused; opening a frame from a pinned sender needs no lookup."""
import base64
import json
import time

import pytest

from host_tools.protocol import directory
from tests.fixtures.paths import BOARDS

# One step of the board's life: a fresh interpreter with the key cache on
# `path`, one Peers call, its outcome on the last line.
STEP = """
from nes.crypto import b64
from nes.peers import Peers
peers = Peers(%r, b64.decode(%r), %r, refresh=%d)
try:
    found = peers.%s(%r)
    if isinstance(found, bytes):  # sign_key
        found = (found,)
    print("->", found if found is None else [b64.encode_str(k) for k in found])
except Exception as exc:
    print("->", type(exc).__name__, exc)
"""
ALWAYS = 0  # refresh interval: ask the key server on every send
HOURLY = 3600


def step(micropython, url, server_key_b64, path, call, name, refresh=ALWAYS):
    """(what the board printed, the outcome line) of one Peers call."""
    # nes.clock reads the board module: the virtual board's, its RTC file (none) in the test's folder
    run = micropython(STEP % (url, server_key_b64, str(path), refresh, call, name),
                      extra_path=[BOARDS / "unix"], cwd=path.parent).check()
    lines = run.stdout.splitlines()
    return "\n".join(lines[:-1]), lines[-1]


@pytest.fixture
def board(micropython, keyserver, tmp_path):
    """board(call, name, refresh=ALWAYS) -> (printed, outcome) against the real key server."""
    path = tmp_path / "peers.json"

    def call(what, name, refresh=ALWAYS):
        return step(micropython, keyserver.url, keyserver.public_key_b64, path, what, name, refresh)

    call.path = path
    call.pins = lambda: json.loads(path.read_text()) if path.exists() else {}
    return call


def keys_of(answer):
    response = answer["response"]
    return [response["public_key_message"], response["public_key_sign"]]


def test_a_first_lookup_is_pinned_with_its_answer(board, keyserver):
    answer = keyserver.register_and_activate("bob")
    bob = keys_of(answer)
    assert board("keys", "bob") == ("", "-> %s" % bob)
    pin = board.pins()["bob"]
    response = answer["response"]
    assert pin[:4] == bob + [response["serial"], response["expires_at"]]
    assert abs(pin[4] - time.time()) < 600 and pin[5] == 0  # checked now, not gone
    assert board("keys", "bob") == ("", "-> %s" % bob)  # asked again, same keys


def test_a_pinned_name_is_asked_again_only_after_the_refresh_interval(board, keyserver):
    bob = keys_of(keyserver.register_and_activate("bob"))
    board("keys", "bob", HOURLY)
    keyserver.stop()
    assert board("keys", "bob", HOURLY) == ("", "-> %s" % bob), "looked up within the interval"
    said, outcome = board("keys", "bob", ALWAYS)
    assert said.startswith("peers: cannot reach the key server (OSError: "), said
    assert outcome == "-> %s" % bob


def test_a_pinned_user_who_deactivated_is_refused_and_the_pin_kept(board, keyserver):
    bob = keys_of(keyserver.register_and_activate("bob"))
    board("keys", "bob")
    assert keyserver.deactivate("bob")[1]["status"] == "deactivated"

    assert board("keys", "bob") == ("", "-> None")  # app.send: "... says bob has no keys any more"
    assert board.pins()["bob"][:2] == bob and board.pins()["bob"][5] == 1  # gone
    # a frame bob sent before he left is still opened with the pin
    assert board("sign_key", "bob")[1] == "-> %s" % bob[1:]
    # refused without asking again, even when the key server is not reached
    assert board("keys", "bob", HOURLY) == ("", "-> None")

    # whoever registers the free name next does not inherit bob's place on the board
    newcomer = keys_of(keyserver.register_and_activate("bob", email="someone-else@example.org"))
    said, outcome = board("keys", "bob")
    assert said == ""
    assert outcome.startswith("-> KeyChangedError the key server now has other keys for bob"), outcome
    assert "nes.trust('bob')" in outcome
    assert board.pins()["bob"][:2] == bob
    assert board("trust", "bob")[1] == "-> %s" % newcomer
    assert board("keys", "bob")[1] == "-> %s" % newcomer


def test_without_the_key_server_a_pin_is_used_only_until_its_answer_expires(board, keyserver):
    bob = keys_of(keyserver.register_and_activate("bob"))
    keyserver.register_and_activate("carol")
    board("keys", "bob")
    keyserver.stop()

    said, outcome = board("keys", "bob")
    assert outcome == "-> %s" % bob
    assert said.startswith("peers: cannot reach the key server (OSError: "), said
    assert "sealing to bob with the pinned keys, last confirmed 20" in said, said
    assert board("sign_key", "bob") == ("", "-> %s" % bob[1:])
    # without a pin there is nothing to fall back to
    assert board("keys", "carol")[1].startswith("-> OSError ")

    pins = board.pins()
    pins["bob"][3] = pins["bob"][4] - 3600  # its last answer expired an hour before it was checked
    board.path.write_text(json.dumps(pins))
    said, outcome = board("keys", "bob")
    assert outcome.startswith("-> DirectoryError cannot reach the key server to confirm the keys of "
                              "bob (OSError: "), outcome
    assert "they were last confirmed 20" in outcome and "that answer has expired" in outcome


def signed(keyserver, serial, issued_at, keys, seed=None):
    """(status, body) of an answer signed with the test server's key (or `seed`)."""
    raw = None if keys is None else tuple(base64.b64decode(k) for k in keys)
    answer = directory.sign_answer(seed or keyserver.accounts.server_key.seed, "bob", serial,
                                   issued_at, issued_at + 86400, raw)
    return (200 if keys else 404), json.dumps(answer).encode()


NOW = int(time.time())
BAD_ANSWERS = {
    "rollback": (lambda ks, bob: signed(ks, 4, NOW, bob),
                 "RollbackError answer for bob has serial 4, older than serial 5 seen before"),
    "expired": (lambda ks, bob: signed(ks, 5, NOW - 2 * 86400, bob),
                "StaleAnswerError answer for bob expired"),
    "issued in the future": (lambda ks, bob: signed(ks, 5, NOW + 3600, bob),
                             "StaleAnswerError answer for bob was issued"),
    "unsigned 404": (lambda ks, bob: (404, b'{"error": "no such user", "status": 404}'),
                     "DirectoryError answer has no signed response object"),
    "404 signed by another key": (lambda ks, bob: signed(ks, 6, NOW, None, b"\x09" * 32),
                                  "DirectoryError key-server signature does not verify"),
    "key answer signed by nobody": (lambda ks, bob: signed(ks, 6, NOW, bob, b"\x09" * 32),
                                    "DirectoryError key-server signature does not verify"),
}


@pytest.mark.parametrize("bad", sorted(BAD_ANSWERS))
def test_a_bad_answer_for_a_pinned_name_is_refused(micropython, keyserver, json_server, tmp_path, bad):
    """A key server in the middle serves the board an answer it must refuse:
    the send fails with the reason, and the pin stays as it was."""
    bob = keys_of(keyserver.register_and_activate("bob"))
    path = tmp_path / "peers.json"
    pin = bob + [5, NOW + 86400, NOW - 7200, 0]  # serial 5, checked two hours ago
    path.write_text(json.dumps({"bob": pin}))
    make, expected = BAD_ANSWERS[bad]
    served = make(keyserver, bob)
    forger = json_server(lambda p: served)
    said, outcome = step(micropython, forger.url, keyserver.public_key_b64, path, "keys", "bob", HOURLY)
    assert forger.asked == ["/users/bob"]
    assert said == "" and outcome.startswith("-> " + expected), outcome
    assert json.loads(path.read_text()) == {"bob": pin}


def test_the_no_such_user_statement_never_verifies_as_keys(micropython, keyserver, json_server, tmp_path):
    """A signed "no such user" with keys added and served as 200 is refused."""
    honest = keyserver.register_and_activate("bob")
    bob = keys_of(honest)
    answer = json.loads(signed(keyserver, 6, NOW, None)[1])
    answer["response"].update(public_key_message=bob[0], public_key_sign=bob[1])
    answer["log"] = honest["log"]  # a board asks an unpinned name with the log's proofs
    forger = json_server(lambda p: json.dumps(answer).encode())
    outcome = step(micropython, forger.url, keyserver.public_key_b64, tmp_path / "peers.json",
                   "keys", "bob")[1]
    assert outcome == "-> DirectoryError key-server signature does not verify with the pinned key"


# A lookup that runs out of heap, then one that does not (as app._retried
# asks again after a collection).
OUT_OF_HEAP = """
from nes.crypto import b64
from nes.peers import Peers
peers = Peers(%r, b64.decode(%r), %r)
lookup = peers.lookup
calls = []
def once_out_of_heap(name, logged=False):
    calls.append(name)
    if len(calls) == 1:
        raise MemoryError("memory allocation failed")
    return lookup(name, logged)
peers.lookup = once_out_of_heap
try:
    peers.sign_key(%r)
except MemoryError:
    print("MemoryError")
print("->", b64.encode_str(peers.sign_key(%r)), len(calls))
"""


def test_a_lookup_out_of_heap_is_no_answer_about_the_sender(micropython, keyserver, tmp_path):
    """A sender lookup that ran out of heap is tried again after a
    collection (app._retried): that asks the key server again rather than taking the failed
    lookup for "no key", which would drop the frame as from an unknown sender."""
    bob = keys_of(keyserver.register_and_activate("bob"))
    code = OUT_OF_HEAP % (keyserver.url, keyserver.public_key_b64, str(tmp_path / "peers.json"), "bob", "bob")
    run = micropython(code, extra_path=[BOARDS / "unix"], cwd=tmp_path).check()
    assert run.stdout.splitlines() == ["MemoryError", "-> %s 2" % bob[1]]
