"""The whole NES system for the end-to-end tests, the way `make demo` runs it:
an SMTP sink, a private Mosquitto and the key server as a process
(host_tools/dev/services.py), the host user alice on the real `nes` console script
with a config directory of her own (set up with `nes config`, `nes generate`,
`nes register` and the mailed activation link), and two virtual boards,
kitchen and garage, installed and enrolled with `nes provision`.

- `system` (module scope: provisioning costs seconds) -> System with
  `.alice` (a tests.host.conftest.NesUser), `.boards` {name: VBoard},
  `.broker`, `.keyserver`, `.mail`, `.server_public`, and
  `.host_user(name)` (another registered, activated host user),
  `.follow_link(email, kind)` (activation/deactivation link of a mail),
  `.directory()` {name: (M, S)} (verified lookups of every known user) and
  `.message_secret(name)` (a user's X25519 secret, from its key file or flash).
  The kitchen posts readings to alice and the garage, the garage to the
  kitchen, every POST_INTERVAL seconds.
- `alice_listener`: alice's `nes listen --json` for the length of a test.
- `next_message(listener, match)`: the next `nes listen --json` object for
  which match(obj) is true.
- `SerialConsole(port)`: a person at a board's serial port: the device
  opened directly in raw mode, typing line by line at the REPL
  (.repl() stops the loop and imports nes, .line(code), .value(expr),
  .resume() restarts the loop); `console(name)` opens one on a board for
  the length of a test.
- `received(board, sender, text)`: wait for a board's console to show a
  verified message."""
import ast
import contextlib
import json
import os
import select
import termios
import time
import tty

import pytest

from host_tools.keyfiles import read_key
from host_tools.protocol.directory import verify_lookup
from host_tools.dev.services import KeyServer, Mosquitto
from keyserver.accounts import LINK_HEADER
from tests.fixtures.keyserver import JSON, http
from tests.fixtures.paths import find_tool
from tests.fixtures.smtp import SMTPServer
from tests.fixtures.vboard import HEAP, VBoard
from tests.fixtures.nes_cli import NesUser

WAIT = 120  # seconds before a wait is declared failed: a guard, not a speed requirement
POST_INTERVAL = 4
BOARDS = {"kitchen": "alice,garage", "garage": "kitchen"}  # board -> its sensor's recipients
HOST_USER = "alice"
PROMPT = ">>> "


def email_of(name):
    return "%s@example.org" % name


class System:
    """The services, the host users and the boards; close() stops them all."""

    def __init__(self, workdir, firmware_tree):
        self.dir = workdir
        self.firmware_tree = firmware_tree
        self.exe = find_tool("nes")
        self.mpremote = find_tool("mpremote")
        self.processes = []  # NesUser background processes (listen, ...)
        self.users = {}
        self.boards = {}
        self.stack = contextlib.ExitStack()

    def start(self):
        self.mail = self._service(SMTPServer())
        self.broker = self._service(Mosquitto(self._mkdir("mosquitto")))
        self.keyserver = self._service(KeyServer(self.dir / "keyserver", {
            "MAIL_HOST": self.mail.host, "MAIL_PORT": self.mail.port,
            "MAIL_FROM": "NES key server <keys@nes.test>",
            "RATE_LIMIT_REGISTER": "100000 per minute", "RATE_LIMIT_TOKEN": "100000 per minute"}))
        self.stack.callback(self._stop_processes)
        self.alice = self.host_user(HOST_USER)
        self.server_public = read_key(self.alice.nes_dir / "keyserver.pub", "key server key")
        for name in BOARDS:
            self.add_board(name)
        return self

    def close(self):
        self.stack.close()

    def _mkdir(self, name):
        path = self.dir / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _service(self, service):
        service.start()
        self.stack.callback(service.stop)
        return service

    def _stop_processes(self):
        for process in self.processes:
            process.kill()

    # -- people and boards ---------------------------------------------------

    def host_user(self, name):
        """A host user set up as a person does it, with the real `nes`:
        settings, trusted key server, keys, registration, activation."""
        user = NesUser(name, self.dir / name, self.exe, self.processes)
        for key, value in (("MQTT_BROKER_ADDRESS", self.broker.url),
                           ("PUBKEY_ADDRESS", self.keyserver.url), ("NES_USERNAME", name)):
            user.run("config", key, value).ok()
        shown = json.loads(user.run("config", "--fetch-provider-key", "--json").ok().stdout)
        user.run("config", "--fetch-provider-key", "--trust", shown["fingerprint"]).ok()
        user.run("generate").ok()
        user.run("register", email_of(name)).ok()
        self.follow_link(email_of(name), "activation")
        self.users[name] = user
        return user

    def add_board(self, name):
        """A virtual board provisioned by alice with `nes provision`, its
        registration activated through the mailed link, its loop running."""
        root = self._mkdir(name)
        flash = root / "flash"
        flash.mkdir(exist_ok=True)
        board = VBoard(flash, root / "serial.log", self.mpremote, HEAP)
        self.stack.callback(board.stop)
        result = self.alice.run("provision", "--port", board.port, "--board", "unix", "--user", name,
                                "--email", email_of(name), "--post-to", BOARDS[name],
                                "--interval", POST_INTERVAL, "--firmware-dir", self.firmware_tree,
                                timeout=600).ok()
        assert "activation link" in result.stdout, result.stdout
        self.follow_link(email_of(name), "activation")
        # "nes: running" also crossed the link inside the copied firmware
        board.wait_for("nes: running", after=board.output().rindex("NES-PUBLIC"), timeout=WAIT)
        self.boards[name] = board
        return board

    def follow_link(self, address, kind):
        """Follow the `kind` link ("activation" or "deactivation") of the next
        such mail to `address`, as a JSON client; returns the answer."""
        mail = self.mail.wait_for(address, where=lambda m: m.get(LINK_HEADER) == kind, timeout=WAIT)
        reply = http("POST", self.mail.first_url(mail), headers={"Accept": JSON})
        assert reply.status == 200, (kind, address, reply.status, reply.text)
        return reply.json()

    # -- what the tests inspect ----------------------------------------------

    def names(self):
        return [*self.users, *self.boards]

    def directory(self):
        """{name: (message_public, sign_public)} of every user, from signed
        lookups checked against the key server's key: what anyone can get."""
        found = {}
        for name in self.names():
            reply = http("GET", "%s/users/%s" % (self.keyserver.url, name))
            if reply.status == 200:
                found[name] = verify_lookup(reply.json(), name, self.server_public)
        return found

    def message_secret(self, name):
        """The X25519 secret of a user: its key file, or the board's flash."""
        if name in self.boards:
            return (self.boards[name].dir / "nesdata" / "message.key").read_bytes()
        user = self.users[name]
        return read_key(user.nes_dir / ("%s-x25519-message" % name), "message private key")


@pytest.fixture(scope="module")
def system(tmp_path_factory, firmware_tree):
    """The running system, shared by the tests of one module."""
    system = System(tmp_path_factory.mktemp("e2e"), firmware_tree)
    try:
        yield system.start()
    finally:
        system.close()


@pytest.fixture
def alice_listener(system):
    """alice's `nes listen --json`, subscribed; stopped with Ctrl-C at the end
    of the test (one listener per user at a time: the broker keeps one
    connection per client id)."""
    listener = system.alice.listen("--json")
    yield listener
    assert listener.interrupt() == 0, listener.seen["stderr"]


def next_message(listener, match, timeout=WAIT):
    """The next `nes listen --json` object for which match(obj) holds; the
    others (readings, earlier messages) are skipped."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail("no matching message at `nes listen`; seen: %r" % listener.seen["stdout"][-20:],
                        pytrace=False)
        message = json.loads(listener.wait_for("stdout", "{", timeout=left))
        if match(message):
            return message


def received(board, sender, text, after=0):
    """Wait until `board` prints the verified message `text` from `sender`."""
    board.wait_for("message from %s at " % sender, after=after, timeout=WAIT)
    out = board.wait_for(text, after=after, timeout=WAIT)
    line = next(line for line in out[after:].splitlines() if text in line and "message from" in line)
    assert line.startswith("message from %s at " % sender) and line.rstrip("\r").endswith(": " + text), line
    return line


class SerialConsole:
    """A person at the board's serial console: the device path opened
    directly, raw, keys typed one at a time, output read as it comes."""

    def __init__(self, port):
        self.fd = os.open(port, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd)
        termios.tcflush(self.fd, termios.TCIFLUSH)  # what the board printed before we sat down
        self.output = b""
        self.seen = 0
        self.at_repl = False

    def close(self):
        os.close(self.fd)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def text(self):
        return self.output.decode("utf-8", "replace")

    def expect(self, text, timeout=WAIT):
        """Everything printed from the last expectation up to `text` (inclusive)."""
        deadline = time.monotonic() + timeout
        while True:
            at = self.text().find(text, self.seen)
            if at >= 0:
                got, self.seen = self.text()[self.seen:at + len(text)], at + len(text)
                return got
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail("the console never printed %r; it shows:\n%s"
                            % (text, self.text()[-2000:]), pytrace=False)
            if select.select([self.fd], [], [], min(left, 0.5))[0]:
                self.output += os.read(self.fd, 4096)

    def type(self, data):
        for byte in data.encode():
            os.write(self.fd, bytes([byte]))
            time.sleep(0.005)  # a fast typist; the board's REPL echoes every key

    def interrupt(self):
        """Ctrl-C: the application loop stops and the REPL prompts."""
        self.type("\x03")
        out = self.expect(PROMPT)
        self.at_repl = True
        return out

    def repl(self):
        """Stop the loop and `import nes`, as docs and the board's banner say."""
        self.interrupt()
        self.line("import nes")
        return self

    def line(self, code):
        """Type one line and Enter; what the REPL printed in answer (the echo
        of the line removed), up to the next prompt."""
        self.type(code + "\r")
        out = self.expect(PROMPT)[:-len(PROMPT)]
        echo, _, answer = out.partition(code)
        assert not echo.strip(), out
        return answer.strip("\r\n")

    def value(self, code):
        """The Python value an expression printed at the REPL: its last line
        (the board may print notices first, e.g. a broker reconnection)."""
        return ast.literal_eval(self.line(code).splitlines()[-1])

    def resume(self):
        """Restart the application loop (nes.run()) and leave the REPL."""
        self.type("nes.run()\r")
        self.expect("nes: running")
        self.at_repl = False


@pytest.fixture
def console(system):
    """console(name) -> SerialConsole on that board's device, the board's loop
    stopped at the REPL; the loop is restarted and the device closed at the end."""
    opened = []

    def open_console(name):
        board = system.boards[name]
        con = SerialConsole(board.port)
        opened.append(con)
        return con.repl()

    yield open_console
    for con in opened:
        try:
            if con.at_repl:
                con.resume()
        finally:
            con.close()
