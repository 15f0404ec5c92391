"""`nes generate`, `nes register` and `nes keys` (pinned correspondents' keys)
against a real key server and broker."""
import base64
import stat

from host_tools.protocol import signing, x25519


def raw(path):
    return base64.b64decode(path.read_text().strip(), validate=True)


def test_generate_writes_four_matching_key_files(nes):
    out = nes.run("-u", "alice", "generate").ok().stdout
    d = nes.nes_dir
    files = {name: d / ("alice-" + name) for name in
             ("x25519-message", "x25519-message.pub", "ed25519-sign", "ed25519-sign.pub")}
    for path in files.values():
        assert str(path) in out
        assert len(raw(path)) == 32
    assert x25519.public_key(raw(files["x25519-message"])) == raw(files["x25519-message.pub"])
    assert signing.public_key(raw(files["ed25519-sign"])) == raw(files["ed25519-sign.pub"])
    assert stat.S_IMODE(files["x25519-message"].stat().st_mode) == 0o600
    assert stat.S_IMODE(files["ed25519-sign"].stat().st_mode) == 0o600
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    assert "nes register" in out


def test_generate_refuses_to_overwrite_without_force(nes):
    nes.run("-u", "alice", "generate").ok()
    before = (nes.nes_dir / "alice-ed25519-sign").read_text()
    assert "use --force" in nes.run("-u", "alice", "generate").failed()
    assert (nes.nes_dir / "alice-ed25519-sign").read_text() == before
    nes.run("-u", "alice", "generate", "--force").ok()
    assert (nes.nes_dir / "alice-ed25519-sign").read_text() != before


def test_generate_and_register_use_the_key_file_flags(nes, keyserver):
    flags = ["-k", "k/m", "-K", "k/m.pub", "-j", "k/s", "-J", "k/s.pub", "-u", "alice",
             "-p", keyserver.url]
    nes.run(*flags, "generate").ok()
    assert sorted(p.name for p in (nes.home / "k").iterdir()) == ["m", "m.pub", "s", "s.pub"]
    nes.run(*flags, "register", "alice@example.org").ok()
    keyserver.emails["alice"] = "alice@example.org"
    keyserver.activate("alice")
    status, answer = keyserver.lookup("alice")
    assert status == 200
    assert answer["response"]["public_key_message"] == (nes.home / "k" / "m.pub").read_text().strip()
    assert answer["response"]["public_key_sign"] == (nes.home / "k" / "s.pub").read_text().strip()


def test_register_posts_the_keys_and_says_what_to_do_next(nes, keyserver):
    nes.run("-u", "alice", "generate").ok()
    out = nes.run("-u", "alice", "-p", keyserver.url, "register", "alice@example.org").ok().stdout
    assert "activation link" in out and "alice@example.org" in out
    assert keyserver.lookup("alice")[0] == 404  # pending until the link is followed
    keyserver.emails["alice"] = "alice@example.org"
    assert keyserver.activate("alice")[0] == 200
    status, answer = keyserver.lookup("alice")
    assert status == 200
    assert answer["response"]["public_key_sign"] == nes.key("ed25519-sign.pub")
    # The private keys never leave the machine.
    assert nes.key("ed25519-sign") not in str(answer)


def test_register_errors_are_one_line(nes, keyserver, tmp_path):
    url = ["-u", "alice", "-p", keyserver.url]
    assert "nes generate" in nes.run(*url, "register", "alice@example.org").failed()
    nes.run("-u", "alice", "generate").ok()
    assert "not an e-mail address" in nes.run(*url, "register", "not-an-address").failed()
    nes.run(*url, "register", "alice@example.org").ok()
    assert "username is taken" in nes.run(*url, "register", "other@example.org").failed()
    assert "http:// or https://" in nes.run("-u", "alice", "-p", "keys.example", "register", "a@b.example").failed()


def test_keys_lists_pins_and_refuses_a_changed_key_until_accepted(nes_factory, mosquitto, keyserver):
    alice = nes_factory("alice").join(mosquitto, keyserver)
    bob = nes_factory("bob").join(mosquitto, keyserver)
    assert "no keys pinned yet" in alice.run("keys").ok().stdout
    alice.run("send", "bob", "hello").ok()
    listing = alice.run("keys").ok().stdout
    assert listing.startswith("bob ") and "signing SHA256:" in listing and "message SHA256:" in listing

    # Bob makes new keys and registers them again.
    keyserver.deactivate("bob")
    bob.run("generate", "--force").ok()
    bob.run("register", "bob@example.org").ok()
    keyserver.activate("bob")

    refused = alice.run("send", "bob", "to the old key?").failed()
    assert "WARNING" in refused and "different key for 'bob'" in refused
    assert "nes keys --accept bob" in refused

    # A message signed with bob's new key is dropped with the same warning.
    listener = alice.listen()
    bob.run("send", "alice", "it is me, new keys").ok()
    assert "nes keys --accept bob" in listener.wait_for("stderr", "dropped")
    listener.interrupt()
    assert not any("new keys" in line for line in listener.seen["stdout"])

    accepted = alice.run("keys", "--accept", "bob").ok().stdout
    assert "accepted the new signing key" in accepted
    alice.run("send", "bob", "to the new key").ok()
    assert "key unchanged" in alice.run("keys", "--accept", "bob").ok().stdout

    alice.run("keys", "--forget", "bob").ok()
    assert "no keys pinned yet" in alice.run("keys").ok().stdout
    assert "no key is pinned for 'bob'" in alice.run("keys", "--forget", "bob").failed()
    assert "does not know 'nobody'" in alice.run("keys", "--accept", "nobody").failed()


def test_a_forged_key_server_answer_is_refused(nes_factory, mosquitto, keyserver, keyserver_factory):
    alice = nes_factory("alice").join(mosquitto, keyserver)
    impostor = keyserver_factory()
    impostor.register_and_activate("bob")
    # The impostor signs with its own key, not the pinned one.
    refused = alice.run("-p", impostor.url, "send", "bob", "hi").failed()
    assert "refusing the key server's answer for 'bob'" in refused
