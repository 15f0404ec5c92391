"""Private key files are mode 0600 on the host: the user's two private keys
written by `nes generate` (also under umask 000, also when a stale temporary
file was left world-readable, also with --force), and the key server's
signing key written by `nes-keyserver init`."""
import os
import stat
import subprocess
import sys


PRIVATE = ("-x25519-message", "-ed25519-sign")
PUBLIC = ("-x25519-message.pub", "-ed25519-sign.pub")


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def _generate(user, *args):
    """`nes generate` under umask 000, so only the code's own modes protect the files."""
    old = os.umask(0)
    try:
        return user.run("generate", *args)
    finally:
        os.umask(old)


def _modes(user):
    return {suffix: oct(_mode(user.nes_dir / (user.name + suffix))) for suffix in PRIVATE + PUBLIC}


def test_nes_generate_writes_private_keys_0600(nes_factory):
    alice = nes_factory("alice")
    alice.run("config", "NES_USERNAME", "alice").ok()
    _generate(alice).ok()
    first = _modes(alice)

    # A temporary file left behind world-readable must not pass its mode on.
    for suffix in PRIVATE:
        stale = alice.nes_dir / (alice.name + suffix + ".tmp")
        stale.write_text("")
        os.chmod(stale, 0o666)
    _generate(alice, "--force").ok()
    forced = _modes(alice)
    print("\nnes generate under umask 000: %s; again with --force over world-readable temp files: %s"
          % (first, forced))
    for modes in (first, forced):
        assert all(modes[s] == oct(0o600) for s in PRIVATE), modes
        assert all(int(modes[s], 8) & 0o022 == 0 for s in PUBLIC), modes
    assert not [p.name for p in alice.nes_dir.iterdir() if p.name.endswith(".tmp")]


def test_keyserver_init_writes_its_signing_key_0600(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NES_KEYSERVER_")}
    env["NES_KEYSERVER_INSTANCE_PATH"] = str(tmp_path)
    exe = os.path.join(os.path.dirname(sys.executable), "nes-keyserver")
    subprocess.run(["sh", "-c", 'umask 000 && exec "$0" init', exe], env=env, check=True, capture_output=True)
    mode = _mode(tmp_path / "server.key")
    print("\nnes-keyserver init under umask 000: server.key mode %o" % mode)
    assert mode == 0o600
