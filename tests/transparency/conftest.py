"""Fixtures of the transparency tests."""
import subprocess
import sys

import pytest

from host_tools.protocol import tlog
from keyserver import serverkey
from keyserver.tlog import entries
from tests.fixtures.paths import ROOT, free_port, wait_for_port


@pytest.fixture
def witness(tmp_path):
    """A witness process for logs of the key file tmp_path/server.key; yields
    (url, verifier key)."""
    key = serverkey.create(str(tmp_path / "server.key"))
    log_vkey = tlog.verifier_key(entries.DEFAULT_ORIGIN, key.public)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "keyserver.tlog.witness", "--name", "witness.test",
         "--key", str(tmp_path / "witness.key"), "--state", str(tmp_path / "witness.json"),
         "--log", log_vkey, "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        banner = proc.stdout.readline().split()
        wait_for_port(port, timeout=30, proc=proc)
        yield "http://127.0.0.1:%d" % port, banner[1]
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()
