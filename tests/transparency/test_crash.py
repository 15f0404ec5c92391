"""A process killed with SIGKILL in the middle of an append (its entry and
hashes written, the head not yet) leaves the log as it was before that append,
on SQLite and on PostgreSQL: the signed checkpoint matches the tiles, an
independent reader recomputes it, and appends carry on after the crash."""
import os
import signal
import subprocess
import sys

import pytest

from keyserver import serverkey
from tests.fixtures.paths import ROOT
from tests.transparency import reader

BEFORE = 5


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return "sqlite:///%s" % (tmp_path / "keyserver.sqlite3")
    return request.getfixturevalue("postgres_cluster").create_database()


def test_sigkill_mid_append_never_leaves_a_checkpoint_without_its_tiles(
        database_url, tmp_path, keyserver_factory):
    key_file = str(tmp_path / "server.key")
    serverkey.create(key_file)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.transparency.append_child", database_url, key_file, str(BEFORE)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in child.stdout:
            lines.append(line.strip())
            if line.strip() == "mid-append":
                break
        assert lines == ["appended %d" % (i + 1) for i in range(BEFORE)] + ["mid-append"]
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()

    server = keyserver_factory(DATABASE_URL=database_url, SERVER_KEY_FILE=key_file,
                               LOG_ORIGIN="crash.test/log")
    origin, public = "crash.test/log", server.public_key
    size, _, entries = reader.read_log(server.url + "/log", origin, public)
    assert size == BEFORE and not any(b"victim" in e for e in entries)
    server.register_and_activate("after")
    size, _, entries = reader.read_log(server.url + "/log", origin, public)
    assert size == BEFORE + 1 and b"name after\n" in entries[-1]
