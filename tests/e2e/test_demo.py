"""`make demo`: `python -m host_tools.dev.demo` runs the whole system to the end,
tells each step of its narrative, exits 0 and leaves no process behind."""
import os
import pathlib
import re
import subprocess
import sys
import threading
import time

import pytest

from tests.fixtures.paths import ROOT

DEMO_TIMEOUT = 900
STEPS = [
    "Building the firmware",
    "Starting the services",
    "Host user alice",
    "Two virtual boards",
    "Provisioning kitchen",
    "Provisioning garage",
    "alice runs `nes listen --store`",
    "alice sends the kitchen a text",
    "alice sends the kitchen the command /status",
    "Board to board",
    "alice runs `nes monitor`",
    "alice opens `nes dashboard`",
    "Done:",
]


def processes_using(path):
    """{pid: command line} of the processes whose command line, working
    directory or environment mentions `path` (this one excepted)."""
    found = {}
    needle = str(path).encode()
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            cwd = os.readlink(entry / "cwd").encode()
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if needle in cmdline or cwd.startswith(needle) or needle in environ:
            found[int(entry.name)] = cmdline.replace(b"\0", b" ").decode(errors="replace").strip()
    return found


@pytest.fixture
def demo_dir(tmp_path):
    workdir = tmp_path / "demo"
    yield workdir
    for pid in processes_using(workdir):  # a failed test leaves nothing running either
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass


def test_demo_runs_to_the_end_and_leaves_nothing_behind(demo_dir):
    command = [sys.executable, "-m", "host_tools.dev.demo", "--interval", "2", "--dir", str(demo_dir)]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = {}  # pid -> command line of every process seen working in the demo's directory
    done = threading.Event()

    def watch():
        while not done.is_set():
            seen.update(processes_using(demo_dir))
            time.sleep(0.3)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        out, err = proc.communicate(timeout=DEMO_TIMEOUT)
    finally:
        done.set()
        watcher.join()
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    assert proc.returncode == 0, "demo failed (%s):\n%s\n%s" % (proc.returncode, out, err)
    assert "Traceback" not in out + err, out + err

    # the narrative: every step, numbered, in order
    numbered = re.findall(r"^\[(\d+)\] (.*)$", out, re.M)
    assert [int(n) for n, _ in numbered] == list(range(1, len(STEPS) + 1)), out
    for (_, title), start in zip(numbered, STEPS):
        assert title.startswith(start), (title, start)
    # board -> host, host -> board, board -> board, each shown in its step
    step = dict(zip(range(1, len(STEPS) + 1), re.split(r"^\[\d+\] ", out, flags=re.M)[1:]))
    assert len(re.findall(r"^    alice> \S+ \S+ kitchen: dht\.temperature [\d.-]+ C, dht\.humidity ", step[7], re.M)) >= 2, step[7]
    assert re.search(r"^    kitchen console> message from alice at .*: Hello kitchen", step[8], re.M), step[8]
    assert re.search(r"^    kitchen console> command: /status from alice -> uptime \d+ s", step[9], re.M), step[9]
    assert re.search(r"^    alice> \S+ \S+ kitchen: uptime \d+ s, free heap \d+ B, clock board, backend ", step[9],
                     re.M), step[9]
    assert re.search(r"^    garage console> message from kitchen at .*: nes-reading/1", step[10], re.M), step[10]
    assert re.search(r"^    kitchen console> message from garage at .*: nes-reading/1", step[10], re.M), step[10]
    # the transparency log: each of alice's names activated once, with the keys registered from her host
    for name in ("alice", "kitchen", "garage"):
        assert re.search(r"^ +\d+  \S+ \S+  activate   %s serial 1  signing SHA256:\S+  registered here$" % name,
                         step[11], re.M), step[11]
    # the dashboard plots both boards' sensors, and its URL is the last thing said before the end
    assert re.search(r"^    kitchen: +dht\.humidity \(\d+ points\), dht\.temperature \(\d+ points\)$", step[12], re.M), step[12]
    assert re.search(r"^    garage: +ds18b20 \(\d+ points\), rssi \(\d+ points\)$", step[12], re.M), step[12]
    assert re.search(r"^    open http://127\.0\.0\.1:\d+/[\w-]+/\n", step[12], re.M), step[12]

    # everything it started ran in its directory, and is gone
    commands = " ".join(seen.values())
    for program in ("mosquitto", "keyserver.cli", "host_tools.board.vboard", "micropython", "listen"):
        assert program in commands, (program, seen)
    assert processes_using(demo_dir) == {}
