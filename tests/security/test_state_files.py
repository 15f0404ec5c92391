"""Every state file of `nes` is written through one atomic-write helper
(host_tools.atomic): NAME.tmp created afresh with O_EXCL|O_NOFOLLOW, synced,
renamed. A symbolic link planted at NAME.tmp, pointing at a file of the user's
that another local user wants overwritten, is not followed, whichever file is
being written: the config file (through the real `nes config`), the pinned
peers, the replay cache and the key files."""
import os
import time
import stat

import pytest

from host_tools.keyfiles import Identity, write_key
from host_tools.messaging import Receiver
from host_tools.peers import PeerStore
from host_tools.protocol.directory import Answer
from host_tools.settings import ConfigFile
from host_tools.transparency import LogState

KEYS = (bytes(range(32)), bytes(range(1, 33)))


def _pin(path):
    now = int(time.time())
    PeerStore(path).pin("bob", Answer("bob", KEYS, 1, now, now + 86400), now)


def _replay(path):
    Receiver(Identity("alice"), None, str(path)).store.compact()


WRITERS = {
    "config": lambda path: ConfigFile(path).write("NES_USERNAME", "alice"),
    "peers": _pin,
    "replay": _replay,
    "key": lambda path: write_key(path, KEYS[0], private=True),
    "log": lambda path: LogState(path).registered("bob", KEYS),
}


def _plant(tmp_path, name):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    os.chmod(victim, 0o644)
    target = tmp_path / "state" / name
    target.parent.mkdir(exist_ok=True)
    os.symlink(victim, str(target) + ".tmp")
    return victim, target


@pytest.mark.parametrize("kind", WRITERS)
def test_a_link_planted_at_the_temporary_file_is_not_followed(tmp_path, kind):
    victim, target = _plant(tmp_path, kind)
    WRITERS[kind](target)
    assert victim.read_text() == "precious\n", "the write went through the planted link"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644
    assert not os.path.islink(target) and target.stat().st_size > 0
    assert not os.path.lexists(str(target) + ".tmp")


def test_nes_config_does_not_follow_a_planted_link(nes, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    nes.nes_dir.mkdir(parents=True)
    os.symlink(victim, nes.nes_dir / "config.tmp")
    nes.run("config", "NES_USERNAME", "alice").ok()
    assert victim.read_text() == "precious\n"
    config = nes.nes_dir / "config"
    assert not config.is_symlink() and "NES_USERNAME = alice" in config.read_text()
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
