"""Fixtures for the `nes` command-line tests: the real console script run as a
subprocess, one isolated home directory per user, and long-running commands
(`listen`, `chat`, `vboard`) watched line by line.

- `nes_factory(name)` -> NesUser: a user whose HOME (so ~/.nes) is private to
  the test; `.run(*args, input=None, env=None)` -> Result(returncode, stdout,
  stderr); `.start(*args)` -> Background; `.configure(mosquitto, keyserver)`
  writes MQTT_BROKER_ADDRESS, PUBKEY_ADDRESS, PUBKEY_PUBLIC_KEY_FILE and
  NES_USERNAME into ~/.nes/config; `.join(mosquitto, keyserver)` also
  generates, registers (`nes generate`, `nes register`) and activates.
- `Background.wait_for(stream, text)` waits for a line containing `text` on
  "stdout" or "stderr" and returns it; `.interrupt()` sends SIGINT and waits.
- `ptys(user, args, columns=80)` -> PtyProcess: nes on a pseudo-terminal;
  `.expect(text, start=0)` waits for output, `.type(data)` types, `.text()`.
Every process a test starts is stopped at its end."""
import fcntl
import os
import pty
import queue
import signal
import struct
import subprocess
import termios
import threading
import time
from dataclasses import dataclass

import pytest

from tests.fixtures.paths import find_tool

WAIT = 30  # seconds before a wait is declared failed (a guard, not an assertion on speed)


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    def ok(self):
        assert self.returncode == 0, "nes failed (%d):\n%s\n%s" % (self.returncode, self.stdout, self.stderr)
        assert "Traceback" not in self.stderr
        return self

    def failed(self):
        """The single error line of a refused command (no traceback)."""
        assert self.returncode != 0, "nes succeeded unexpectedly:\n%s" % self.stdout
        assert "Traceback" not in self.stderr, self.stderr
        lines = self.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("nes: "), self.stderr
        return lines[0]


class Background:
    """A running nes process with its output lines collected by reader threads."""

    def __init__(self, argv, env, cwd):
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines = {"stdout": queue.Queue(), "stderr": queue.Queue()}
        self.seen = {"stdout": [], "stderr": []}
        for name in self.lines:
            threading.Thread(target=self._read, args=(name,), daemon=True).start()

    def _read(self, name):
        for raw in getattr(self.proc, name):
            self.lines[name].put(raw.decode("utf-8", "replace").rstrip("\n"))
        self.lines[name].put(None)

    def wait_for(self, stream, text, timeout=WAIT):
        """The next line of `stream` containing `text` (earlier lines are kept in .seen)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines[stream].get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                line = None
            if line is None:
                pytest.fail("no %s line with %r; got %r; stderr %r"
                            % (stream, text, self.seen[stream], self.seen["stderr"]), pytrace=False)
            self.seen[stream].append(line)
            if text in line:
                return line

    def interrupt(self):
        """Ctrl-C; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(WAIT)

    def rest(self, stream):
        """Every further line of `stream` after the process ended."""
        out = []
        while True:
            line = self.lines[stream].get(timeout=WAIT)
            if line is None:
                return out
            out.append(line)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(WAIT)


class NesUser:
    def __init__(self, name, home, exe, processes):
        self.name = name
        self.home = home
        self.exe = exe
        self.processes = processes
        self.nes_dir = home / ".nes"
        home.mkdir(parents=True, exist_ok=True)

    def env(self, extra=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith("NES_")}
        env["HOME"] = str(self.home)
        env.update(extra or {})
        return env

    def run(self, *args, input=None, env=None, timeout=120):
        """Run nes to completion; `input` (str or bytes) is its stdin."""
        if isinstance(input, str):
            input = input.encode()
        proc = subprocess.run([self.exe, *map(str, args)], input=input, capture_output=True,
                              env=self.env(env), cwd=self.home, timeout=timeout)
        return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())

    def start(self, *args, env=None):
        process = Background([self.exe, *map(str, args)], self.env(env), self.home)
        self.processes.append(process)
        return process

    def configure(self, mosquitto, keyserver):
        """Write ~/.nes/config for the test services (`nes config` itself is tested apart)."""
        self.nes_dir.mkdir(exist_ok=True)
        (self.nes_dir / "config").write_text(
            "MQTT_BROKER_ADDRESS = %s\nPUBKEY_ADDRESS = %s\nPUBKEY_PUBLIC_KEY_FILE = %s\n"
            "NES_USERNAME = %s\n" % (mosquitto.url, keyserver.url, keyserver.public_key_b64, self.name))
        return self

    def join(self, mosquitto, keyserver):
        """Configured, keys generated, registered and activated."""
        self.configure(mosquitto, keyserver)
        self.run("generate").ok()
        self.run("register", "%s@example.org" % self.name).ok()
        keyserver.emails[self.name] = "%s@example.org" % self.name
        status, body = keyserver.activate(self.name)
        assert status == 200, body
        return self

    def key(self, suffix):
        return (self.nes_dir / ("%s-%s" % (self.name, suffix))).read_text().strip()

    def listen(self, *args):
        """`nes listen` started and subscribed."""
        process = self.start("listen", *args)
        process.wait_for("stderr", "listening as %s" % self.name)
        return process


class PtyProcess:
    """A nes process with its terminal (stdin, stdout, stderr) on a pty of `columns` columns."""

    def __init__(self, user, args, columns=80):
        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        self.proc = subprocess.Popen([user.exe, *args], stdin=self.slave, stdout=self.slave,
                                     stderr=self.slave, env=user.env(), cwd=user.home,
                                     start_new_session=True)
        self.output = b""
        self.lock = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            try:
                data = os.read(self.master, 4096)
            except OSError:
                data = b""
            with self.lock:
                if not data:
                    self.output += b"\0EOF"
                    self.lock.notify_all()
                    return
                self.output += data
                self.lock.notify_all()

    def text(self):
        return self.output.decode("utf-8", "replace")

    def expect(self, text, start=0):
        """Wait until `text` is in the output after `start`; return the position after it."""
        deadline = time.monotonic() + WAIT
        with self.lock:
            while True:
                at = self.text().find(text, start)
                if at >= 0:
                    return at + len(text)
                left = deadline - time.monotonic()
                if left <= 0 or self.output.endswith(b"\0EOF"):
                    pytest.fail("no %r in the terminal output:\n%r" % (text, self.text()), pytrace=False)
                self.lock.wait(left)

    def type(self, data):
        os.write(self.master, data.encode() if isinstance(data, str) else data)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(WAIT)
        os.close(self.slave)
        os.close(self.master)


@pytest.fixture
def ptys():
    """start(user, args, columns=80) -> PtyProcess, killed at the end of the test."""
    started = []

    def start(user, args, columns=80):
        process = PtyProcess(user, [str(a) for a in args], columns)
        started.append(process)
        return process

    yield start
    for process in started:
        process.close()


@pytest.fixture
def nes_factory(tmp_path):
    exe = find_tool("nes")
    processes = []

    def make(name):
        return NesUser(name, tmp_path / name, exe, processes)

    yield make
    for process in processes:
        process.kill()


@pytest.fixture
def nes(nes_factory):
    """One user, `alice`, not configured."""
    return nes_factory("alice")
