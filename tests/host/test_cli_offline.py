"""`nes send` without the key server (docs/PROTOCOL.md §10, fail closed): a
pinned key is used while its last verified answer is unexpired, with a
warning naming when it was confirmed; after that the send fails and says so."""
import json

from tests.fixtures.paths import free_port


def test_send_uses_a_fresh_pin_offline_and_refuses_an_expired_one(nes_factory, mosquitto, keyserver):
    alice = nes_factory("alice").join(mosquitto, keyserver)
    nes_factory("bob").join(mosquitto, keyserver)
    alice.run("send", "bob", "online").ok()
    offline = {"NES_PUBKEY_ADDRESS": "http://127.0.0.1:%d" % free_port()}

    sent = alice.run("send", "bob", "offline, pin fresh", env=offline).ok()
    assert "using the pinned key of bob, last confirmed" in sent.stderr

    peers = alice.nes_dir / "peers.json"
    entries = json.loads(peers.read_text())
    entries["bob"]["expires_at"] = entries["bob"]["issued_at"] - 1000
    peers.write_text(json.dumps(entries))
    error = alice.run("send", "bob", "offline, pin expired", env=offline).failed()
    assert "cannot reach the key server" in error
    assert "the key of 'bob' was last confirmed" in error and "has expired" in error

    alice.run("send", "bob", "online again").ok()
    assert json.loads(peers.read_text())["bob"]["expires_at"] > entries["bob"]["expires_at"]
