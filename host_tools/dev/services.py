"""Local copies of NES's services for the demo and the tests: a private
Mosquitto, the key server as a process, and an SMTP sink that keeps the mails
the key server sends. Each listens on a free loopback port and stops cleanly."""
import email
import email.policy
import email.utils
import os
import pathlib
import re
import signal
import subprocess
import sys
import threading
import time

from ..processes import ServiceError, find_program, free_port, stop_process, wait_for_port

_URL_RE = re.compile(r"https?://[^\s<>\"']+")


class Mosquitto:
    """One private Mosquitto that can be stopped, killed and started again on
    the same port. Persistence is on, so QoS 1 sessions survive a restart."""

    def __init__(self, workdir, extra_config="", exe=None):
        self.exe = exe or find_program("mosquitto")
        if not self.exe:
            raise ServiceError("mosquitto not found; install the Debian package `mosquitto` (make test does)")
        self.host = "127.0.0.1"
        self.port = free_port()
        self.workdir = pathlib.Path(workdir)
        self.log = self.workdir / "mosquitto.log"
        self.conf = self.workdir / "mosquitto.conf"
        # As root Mosquitto would drop to its own user, which cannot write here.
        run_as = "user root\n" if os.geteuid() == 0 else ""
        self.conf.write_text(
            run_as
            + "listener %d 127.0.0.1\n" % self.port
            + "allow_anonymous true\n"
            "persistence true\n"
            "persistence_location %s/\n"
            "autosave_interval 1\n"
            "max_queued_messages 10000\n"
            "log_dest file %s\n"
            "log_type error\nlog_type warning\nlog_type notice\n" % (self.workdir, self.log)
            + extra_config
        )
        self.proc = None

    @property
    def url(self):
        return "tcp://%s:%d" % (self.host, self.port)

    def start(self):
        self.proc = subprocess.Popen([self.exe, "-c", str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for_port(self.port, proc=self.proc)
        except ServiceError as exc:
            err = self.proc.stderr.read().decode(errors="replace") if self.proc.poll() is not None else ""
            raise ServiceError("mosquitto did not start: %s\n%s" % (exc, err)) from None
        return self

    def _end(self, how):
        if self.proc and self.proc.poll() is None:
            how(self.proc)
            self.proc.wait(10)
        self.proc = None

    def stop(self):
        """Orderly stop: Mosquitto saves its persistence file."""
        self._end(lambda p: p.terminate())

    def kill(self):
        """SIGKILL: no chance to save anything."""
        self._end(lambda p: p.send_signal(signal.SIGKILL))

    def restart(self):
        self.stop()
        return self.start()


class KeyServer:
    """`nes-keyserver serve` as a child process on an instance folder of its
    own; `settings` are NES_KEYSERVER_* values (without the prefix)."""

    def __init__(self, instance, settings=None):
        self.instance = pathlib.Path(instance)
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.settings = {"PUBLIC_URL": self.url, **(settings or {})}
        self.log = self.instance / "keyserver.log"
        self.proc = None

    def _command(self, *args):
        return [sys.executable, "-m", "keyserver.cli", "--instance", str(self.instance), *args]

    def _env(self):
        env = dict(os.environ)
        env.update({"NES_KEYSERVER_" + k: str(v) for k, v in self.settings.items()})
        return env

    def start(self):
        self.instance.mkdir(parents=True, exist_ok=True)
        if not (self.instance / "server.key").exists():
            subprocess.run(self._command("init"), env=self._env(), check=True,
                           stdout=subprocess.DEVNULL)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self._command("serve", "--port", str(self.port)),
                                         env=self._env(), stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, timeout=30, proc=self.proc)
        return self

    def stop(self):
        if self.proc:
            stop_process(self.proc)
        self.proc = None


class MailSink:
    """An SMTP server (aiosmtpd) on a free loopback port that keeps every mail
    it gets, oldest first, in `.messages`: `email.message.EmailMessage`s
    (default policy) with an added header X-RcptTo naming the envelope
    recipients. `controller_options` go to aiosmtpd's Controller (TLS, AUTH)."""

    def __init__(self, **controller_options):
        from aiosmtpd.controller import Controller

        self.host = "127.0.0.1"
        self.port = free_port()
        self.messages = []
        self._taken = set()
        self._cond = threading.Condition()
        self._controller = Controller(self, hostname=self.host, port=self.port, **controller_options)

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        msg["X-RcptTo"] = ", ".join(envelope.rcpt_tos)
        self._received(msg)
        return "250 OK"

    def _received(self, msg):
        with self._cond:
            self.messages.append(msg)
            self._cond.notify_all()

    def start(self):
        self._controller.start()
        return self

    def stop(self):
        self._controller.stop(no_assert=True)

    def _fail(self, reason):
        """How a wait that found nothing ends (the tests' server fails the test)."""
        raise ServiceError(reason)

    @staticmethod
    def _addressed_to(msg, address):
        fields = msg.get_all("To", []) + msg.get_all("X-RcptTo", [])
        return address.lower() in (a.lower() for _, a in email.utils.getaddresses(fields))

    def wait_for(self, address, where=None, timeout=20.0):
        """The oldest mail to `address` (To or envelope recipient, any case),
        for which where(msg) is true if given, that no earlier wait_for
        returned; blocks until it arrives, at most `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for index, msg in enumerate(self.messages):
                    if (index not in self._taken and self._addressed_to(msg, address)
                            and (where is None or where(msg))):
                        self._taken.add(index)
                        return msg
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = "\n".join("  to %s: %s" % (m["To"], m["Subject"]) for m in self.messages)
                    return self._fail("no mail for %s within %ss; received:\n%s"
                                      % (address, timeout, seen or "  nothing"))
                self._cond.wait(left)

    def first_url(self, msg):
        """The first http(s) URL in the mail's text body."""
        match = _URL_RE.search(msg.get_body(("plain",)).get_content())
        if match is None:
            return self._fail("no URL in mail %r" % msg["Subject"])
        return match.group(0)

    def wait_for_link(self, address, timeout=20.0):
        """The first link in the next mail to `address` (see wait_for)."""
        return self.first_url(self.wait_for(address, timeout=timeout))
