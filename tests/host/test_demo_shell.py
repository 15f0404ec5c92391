"""`make demo-shell` (`python -m host_tools.dev.demo --keep`): the commands it
prints work as printed. Its `nes listen` is alone on alice's session and gets
the kitchen's readings; a user of one's own set up with the printed
`config -S`, `generate` and `register` gets its activation mail shown by the
demo and written to the file it names; Ctrl-C stops everything."""
import queue
import re
import shlex
import signal
import subprocess
import sys
import threading

import pytest

from tests.e2e.test_demo import processes_using
from tests.fixtures.keyserver import http
from tests.fixtures.nes_cli import WAIT
from tests.fixtures.paths import ROOT

START_TIMEOUT = 600  # building and provisioning two boards


class Demo:
    def __init__(self, workdir):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "host_tools.dev.demo", "--keep", "--interval", "2", "--dir", str(workdir)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, text, timeout=WAIT):
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                line = None
            if line is None:
                pytest.fail("the demo never printed %r:\n%s" % (text, "\n".join(self.seen[-40:])),
                            pytrace=False)
            self.seen.append(line)
            if text in line:
                return line


def command(line):
    """The command of an instruction line, without its explanation in parentheses."""
    return shlex.split(line.strip().split("  (")[0].strip())


@pytest.fixture
def demo(tmp_path):
    workdir = tmp_path / "demo"
    started = Demo(workdir)
    yield started, workdir
    if started.proc.poll() is None:
        started.proc.kill()
    started.proc.wait(WAIT)
    for pid in processes_using(workdir):
        subprocess.run(["kill", "-9", str(pid)], check=False)


def test_demo_shell_instructions_work_as_printed(demo):
    demo, workdir = demo
    demo.wait_for("Everything keeps running", timeout=START_TIMEOUT)
    listen = command(demo.wait_for(" listen "))
    own_user = [demo.wait_for(" config -S"), demo.wait_for(" register ")]
    demo.wait_for("Ctrl-C here stops everything.")

    listener = subprocess.Popen(listen, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(2):  # alone on the session: every reading reaches it, and no "kicked off" notice
            assert " kitchen: temperature " in listener.stdout.readline()
    finally:
        listener.send_signal(signal.SIGINT)
        assert listener.wait(WAIT) == 0
    assert "Unspecified error" not in listener.stderr.read()

    subprocess.run(command(own_user[0]), check=True, capture_output=True)
    for part in own_user[1].split("&&"):
        subprocess.run(command(part), check=True, capture_output=True)
    shown = demo.wait_for("mail to you@demo.invalid")
    link = re.search(r"https?://\S+", shown).group(0)
    mailbox = workdir / "mail.txt"
    assert link in mailbox.read_text()
    assert http("GET", link, headers={"Accept": "application/json"}).status == 200

    demo.proc.send_signal(signal.SIGINT)
    assert demo.proc.wait(WAIT) == 130
