"""Every command line of the original NES client's README (github
marcinbor85/nes, "Examples") run as written against a real key server and a
real Mosquitto: the original's per-command flags (`send -t/-m`, `register -e`,
`chat -t`, `config -s/-S`, `generate -s`) are accepted alongside today's
positional forms and do the same."""
import json

import pytest


@pytest.fixture
def alice(nes_factory, mosquitto, keyserver):
    return nes_factory("alice").configure(mosquitto, keyserver)


def _activate(keyserver, name):
    keyserver.emails[name] = "%s@example.org" % name
    status, body = keyserver.activate(name)
    assert status == 200, body


def test_the_originals_readme_examples(alice, mosquitto, keyserver):
    keys = alice.nes_dir
    # Generate keys
    alice.run("generate").ok()
    sized = alice.run("generate", "-s", "4096", "-u", "bob").ok()
    assert "--size 4096 ignored" in sized.stderr and "256 bits" in sized.stderr
    carol_files = ["carol-message", "carol-message.pub", "carol-sign", "carol-sign.pub"]
    alice.run("generate", "-u", "carol", "-k", carol_files[0], "-K", carol_files[1],
              "-j", carol_files[2], "-J", carol_files[3]).ok()
    assert all((alice.home / name).is_file() for name in carol_files)

    # Register username
    alice.run("register", "-e", "alice@example.org").ok()
    alice.run("register", "-u", "carol", "-e", "carol@example.org",
              "-K", carol_files[1], "-J", carol_files[3]).ok()
    alice.run("register", "-u", "bob", "bob@example.org").ok()  # today's positional form
    for name in ("alice", "bob", "carol"):
        _activate(keyserver, name)
    status, carol = keyserver.lookup("carol")
    assert status == 200
    assert carol["response"]["public_key_message"] == (alice.home / carol_files[1]).read_text().strip()

    # Message listening, sending
    alice_inbox = alice.listen()
    bob_inbox = alice.start("listen", "-u", "bob")
    bob_inbox.wait_for("stderr", "listening as bob")
    alice.run("send", "-t", "bob", "-m", "hi bob").ok()
    assert bob_inbox.wait_for("stdout", "alice:").endswith(" alice: hi bob")
    alice.run("send", "-t", "alice", "-u", "bob", "-m", "hi alice").ok()
    assert alice_inbox.wait_for("stdout", "bob:").endswith(" bob: hi alice")
    alice.run("send", "bob", "positional", "too").ok()
    assert bob_inbox.wait_for("stdout", "alice:").endswith(" alice: positional too")

    # Interactive chat (its line mode here; the screen is tests/host/test_chat.py)
    alice.run("chat", "-t", "bob", input="over chat\n").ok()
    assert bob_inbox.wait_for("stdout", "alice:").endswith(" alice: over chat")
    bob_config = alice.home / "bob.conf"
    alice.run("config", "-c", bob_config, "-u", "bob", "-b", mosquitto.url, "-p", keyserver.url,
              "-P", keyserver.public_key_b64, "-k", keys / "bob-x25519-message",
              "-K", keys / "bob-x25519-message.pub", "-j", keys / "bob-ed25519-sign",
              "-J", keys / "bob-ed25519-sign.pub", "-S").ok()
    alice.run("chat", "-t", "alice", "-c", bob_config, input="from bob's config\n").ok()
    assert alice_inbox.wait_for("stdout", "bob:").endswith(" bob: from bob's config")
    assert alice_inbox.interrupt() == 0 and bob_inbox.interrupt() == 0

    # Configuration: -S writes the effective settings, -s shows them
    stored = alice.run("config", "-u", "dave", "-S").ok()
    assert "Config file saved" in stored.stdout
    text = (keys / "config").read_text()
    assert "NES_USERNAME = dave" in text and "MQTT_BROKER_ADDRESS = %s" % mosquitto.url in text
    assert "PRIVATE_KEY_MESSAGE_FILE = %s" % (keys / "dave-x25519-message") in text
    shown = alice.run("config", "-s").ok().stdout
    assert "NES_USERNAME = dave  (config " in shown
    assert alice.run("config").ok().stdout == shown


def test_original_flags_and_positional_forms_conflict_clearly(alice):
    cases = [
        (["send", "-t", "bob", "-m", "hi", "there"], "either with -m/--message or after USER"),
        (["send", "bob", "-t", "carol", "-m", "x"], "either with -m/--message or after USER"),
        (["register", "a@b.org", "-e", "c@d.org"], "EMAIL given twice"),
        (["chat", "bob", "-t", "carol"], "USER given twice"),
        (["chat"], "USER is needed"),
        (["register"], "EMAIL is needed"),
        (["config", "-s", "NES_USERNAME"], "-s/--show and -S/--store take no KEY"),
    ]
    for argv, text in cases:
        result = alice.run(*argv)
        assert text in result.failed(), argv
        assert result.returncode == 2, argv


def test_send_json_prints_what_was_published(alice, nes_factory, mosquitto, keyserver):
    alice.run("generate").ok()
    alice.run("register", "alice@example.org").ok()
    _activate(keyserver, "alice")
    bob = nes_factory("bob").join(mosquitto, keyserver)
    inbox = bob.listen("--json")
    published = json.loads(alice.run("send", "-t", "bob", "-m", "hi", "--json").ok().stdout)
    assert published["from"] == "alice" and published["to"] == "bob"
    assert published["topic"] == "nes/bob/message"
    assert set(published["frame"]) == {"cipherkey", "ciphertext", "signature"}
    assert json.loads(inbox.wait_for("stdout", "{"))["message"] == "hi"
    inbox.interrupt()
