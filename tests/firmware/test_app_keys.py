"""Keys on the board: lookups over HTTP from the real key server, checked
with the pinned server key; correspondents pinned on flash so a known one
needs no lookup; a changed key reported, never silently accepted."""
import base64
import json
import os

from tests.fixtures.vboard import b64, board_config, register


def _pins(board):
    return json.loads((board.dir / "nesdata" / "peers.json").read_text())


def test_a_looked_up_key_is_pinned_and_used_without_the_key_server(user_board, keyserver_factory):
    bob = user_board("bob")
    alice = user_board("alice")
    alice.exec("import nes; nes.send('bob', 'first')")
    bob.wait_for("UTC: first")
    assert _pins(bob)["alice"] == [b64(alice.keys[1]), b64(alice.keys[3])]
    assert _pins(alice)["bob"] == [b64(bob.keys[1]), b64(bob.keys[3])]

    user_board.keyserver.stop()  # from now on, no lookup can succeed
    mark = bob.mark()
    alice.exec("import nes; nes.send('bob', 'second, no lookup needed')")
    bob.wait_for("UTC: second, no lookup needed", after=mark)
    # a name that is not pinned needs the key server, which is gone: reported, not fatal
    out = alice.exec("import nes\ntry:\n    nes.send('carol', 'x')\nexcept OSError as e:\n    print('failed', e)")
    assert "failed" in out


def test_an_answer_not_signed_by_the_pinned_key_is_refused(vboard_factory, mosquitto, keyserver):
    alice_keys = register(keyserver, "alice")
    config = board_config("bob", mosquitto, keyserver)
    config["keyserver"]["public_key"] = base64.b64encode(os.urandom(32)).decode()  # not the server's
    bob = vboard_factory(config=config, keys=register(keyserver, "bob"))
    bob.wait_for("nes: running")
    out = bob.exec("import nes\ntry:\n    nes.send('alice', 'x')\nexcept Exception as e:\n    print(type(e).__name__, e)")
    assert "DirectoryError key-server signature does not verify with the pinned key" in out
    assert not (bob.dir / "nesdata" / "peers.json").exists()
    assert alice_keys  # alice exists on the key server; only the signature check stopped bob


def test_a_changed_key_is_reported_and_only_trust_accepts_it(user_board):
    bob = user_board("bob")
    alice = user_board("alice")
    alice.exec("import nes; nes.send('bob', 'hello')")
    bob.wait_for("UTC: hello")

    # bob's pin for alice is now other keys than the key server's (as if
    # alice had re-registered, or a pin had been made from another server)
    stale = [b64(os.urandom(32)), b64(os.urandom(32))]
    bob.stop()
    (bob.dir / "nesdata" / "peers.json").write_text(json.dumps({"alice": stale}))
    mark = bob.mark()
    bob.start()
    bob.wait_for("nes: running", after=mark)
    alice.exec("import nes; nes.send('bob', 'after the change')")
    out = bob.wait_for("WARNING: the key server now has other keys for alice", after=mark)[mark:]
    assert "drop: AuthenticationError" in out
    assert "UTC: after the change" not in out
    assert _pins(bob)["alice"] == stale  # reported, not accepted

    out = bob.exec("import nes; print(nes.trust('alice'))")
    assert b64(alice.keys[3]) in out
    assert _pins(bob)["alice"] == [b64(alice.keys[1]), b64(alice.keys[3])]
    bob.run_app()
    mark = bob.mark()
    alice.exec("import nes; nes.send('bob', 'trusted again')")
    bob.wait_for("UTC: trusted again", after=mark)


def test_forged_frames_pin_nothing_and_cost_one_lookup_per_name(user_board, mosquitto):
    """Six frames forged with bob's public key only, claiming alice (registered):
    no pin, no flash write, one key-server lookup; the real alice is pinned
    once her first message verifies."""
    from tests.fixtures.forgery import LookupCounter, forged_frame
    from tests.fixtures.nes_cli import publish_raw
    bob = user_board("bob")
    alice = user_board("alice")
    lookups = LookupCounter(user_board.keyserver)  # after the boards' own startup lookups
    mark = bob.mark()
    for _ in range(6):
        publish_raw(mosquitto, "nes/bob/message", forged_frame("alice", "bob", bob.keys[1]))
    bob.wait_for("drop: AuthenticationError", after=mark, count=6)
    assert not (bob.dir / "nesdata" / "peers.json").exists()
    assert lookups.counts["alice"] == 1
    alice.exec("import nes; nes.send('bob', 'the real alice')")
    bob.wait_for("UTC: the real alice", after=mark)
    assert _pins(bob)["alice"] == [b64(alice.keys[1]), b64(alice.keys[3])]
