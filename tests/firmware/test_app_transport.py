"""The MQTT layer over umqtt.simple: packet ids wrap, keepalive pings keep
an idle board connected, an unanswered ping and a stopped broker are noticed
and the board reconnects with exponential backoff, and the firmware says
which umqtt.simple it uses (and what is wrong when it has none)."""
import json
import re
import shutil
import socket
import subprocess
import threading
import time

from tests.fixtures.paths import ROOT, find_tool
from tests.fixtures.vboard import board_config, register


def test_packet_ids_wrap_from_65535_to_1(user_board):
    bob = user_board("bob")
    alice = user_board("alice")
    out = alice.exec(
        "import nes, nes.app\n"
        "t = nes.app.current().transport\n"
        "t.pid = 65533\n"
        "for i in range(4):\n"
        "    print(nes.send('bob', 'wrap %d' % i), t.pid)\n"
    )
    assert out.split() == ["True", "65534", "True", "65535", "True", "1", "True", "2"]
    bob.wait_for("UTC: wrap 3")


def test_keepalive_pings_keep_an_idle_board_connected(user_board, mosquitto):
    bob = user_board("bob", keepalive=5)
    alice = user_board("alice")
    time.sleep(9)  # the broker drops a client silent for 1.5 keepalives (7.5 s)
    mark = bob.mark()
    alice.exec("import nes; nes.send('bob', 'after a quiet while')")
    out = bob.wait_for("UTC: after a quiet while", after=mark)
    assert "connection lost" not in out
    assert "exceeded timeout" not in mosquitto.log.read_text()


def test_a_stopped_broker_is_retried_with_growing_pauses(user_board, mosquitto):
    bob = user_board("bob")
    mark = bob.mark()
    mosquitto.stop()
    out = bob.wait_for("retrying in 2000 ms", after=mark)[mark:]
    pauses = [int(p) for p in re.findall(r"retrying in (\d+) ms", out)]
    assert pauses[:3] == [500, 1000, 2000]
    mosquitto.start()
    bob.wait_for("(session resumed)", after=mark)
    # umqtt.simple is loaded to connect only, the first time and again now
    assert bob.exec("import sys; print('umqtt.simple' in sys.modules)").split() == ["False"]


class FreezingProxy:
    """A TCP proxy to the broker whose current connections can be frozen:
    bytes stop flowing both ways while the sockets stay open, as when a
    Wi-Fi link or a NAT silently drops a connection."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.frozen = set()
        self.generation = 0
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.sockets += [client, upstream]
            gen = self.generation
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b, gen), daemon=True).start()

    def _pipe(self, src, dst, gen):
        while True:
            try:
                data = src.recv(4096)
            except OSError:
                return
            if not data:
                return
            while gen in self.frozen:
                time.sleep(0.05)
            try:
                dst.sendall(data)
            except OSError:
                return

    def freeze(self):
        """Freeze the connections made so far; later ones flow."""
        self.frozen.add(self.generation)
        self.generation += 1

    def close(self):
        self.listener.close()
        for s in self.sockets:
            s.close()


def test_an_unanswered_ping_means_a_dead_link_and_a_reconnect(vboard_factory, mosquitto, keyserver):
    proxy = FreezingProxy(mosquitto.port)
    try:
        config = board_config("bob", mosquitto, keyserver, keepalive=5)
        config["broker"]["port"] = proxy.port
        bob = vboard_factory(config=config, keys=register(keyserver, "bob"))
        bob.wait_for("nes: running")
        mark = bob.mark()
        proxy.freeze()
        out = bob.wait_for("(session resumed)", after=mark, timeout=30)[mark:]
        assert "connection lost (OSError no answer to ping)" in out
    finally:
        proxy.close()


# The transport on the unix port against the test's broker, its socket wrapped
# so that a Ctrl-C (KeyboardInterrupt, as the REPL's Ctrl-C raises it) comes
# at an exact point: after the first byte of a packet was read, or as a queued
# publish is written. Each case prints how long the next messages took (ms).
_CTRL_C = r"""
import sys, time
from nes.transport import Transport


class CtrlC:
    def __init__(self, sock):
        self.sock = sock
        self.after = self.on_write = None

    def read(self, n):
        if self.after == "now":
            self.after = None
            raise KeyboardInterrupt
        data = self.sock.read(n)
        if data and data[0] == self.after:
            self.after = "now"  # the packet's first byte was read
        return data

    def write(self, data):
        if self.on_write:
            self.on_write = False
            raise KeyboardInterrupt
        return self.sock.write(data)

    def __getattr__(self, name):
        return getattr(self.sock, name)


got = []
t = Transport(sys.argv[1], int(sys.argv[2]), "ctrl-c-test", "nes/kb/message", got.append, print)
t.start()


def ctrl_c(after=None, on_write=False):
    if not isinstance(t.sock, CtrlC):
        t.sock = CtrlC(t.sock)  # the connection the transport has now
    t.sock.after, t.sock.on_write = after, on_write


def interrupted(fn, *args):
    try:
        fn(*args)
    except KeyboardInterrupt:
        return True
    return False


def arrive(*texts):
    start = time.ticks_ms()
    t.send(t.topic, texts[-1])  # our own topic: the broker delivers it back
    while not all(x.encode() in got for x in texts) and time.ticks_diff(time.ticks_ms(), start) < 20000:
        t.poll(100)
    return [x for x in texts if x.encode() not in got] or time.ticks_diff(time.ticks_ms(), start)


t.ping()
ctrl_c(after=0xD0)
print("mid-PINGRESP", interrupted(t.poll, 5000), arrive("one"))
ctrl_c(after=0x40)
print("mid-PUBACK", interrupted(t.send, t.topic, "two"), arrive("two", "three"))
t.outbox.append((t.topic, "four"))
ctrl_c(on_write=True)
print("queued publish", interrupted(t.poll, 0), arrive("four", "five"))
"""


def test_a_ctrl_c_mid_packet_or_mid_send_costs_no_message_and_no_wait(micropython, mosquitto, tmp_path):
    script = tmp_path / "ctrl_c.py"
    script.write_text(_CTRL_C)
    run = micropython(script=script, args=(mosquitto.host, str(mosquitto.port))).check()
    cases = {line.split(" True ")[0]: line.split(" True ")[1] for line in run.stdout.splitlines() if " True " in line}
    assert list(cases) == ["mid-PINGRESP", "mid-PUBACK", "queued publish"], run.stdout  # each was interrupted
    for case, waited in cases.items():
        # a number: every message came (a list names the missing ones), and soon: the
        # stream was replaced at once, not misread until a ping went unanswered
        assert waited.isdigit() and int(waited) < 5000, (case, run.stdout)
    assert "connection lost (OSError a packet was interrupted)" in run.stdout


def test_the_board_says_which_umqtt_it_uses_and_what_is_missing(user_board):
    bob = user_board("bob")
    assert "umqtt.simple /lib/umqtt/simple.mpy" in bob.output()
    bob.stop()
    shutil.rmtree(bob.dir / "lib" / "umqtt")
    mark = bob.mark()
    bob.start()
    out = bob.wait_for("ImportError", after=mark, fail_on=())
    bob.wait_for(">>>", after=mark, fail_on=())
    assert "umqtt.simple is neither frozen in this firmware nor in /lib/umqtt" in out[mark:]


def test_boards_log_in_to_a_broker_with_the_deployed_acl(vboard_factory, mosquitto_factory, keyserver, tmp_path):
    """deploy/mosquitto: logins required, each user reads only its own inbox."""
    passwords = tmp_path / "passwd"
    for n, name in enumerate(("alice", "bob")):
        subprocess.run([find_tool("mosquitto_passwd"), *(["-c"] if n == 0 else []), "-b", str(passwords),
                        name, name + "-secret"], check=True)
    broker = mosquitto_factory("allow_anonymous false\npassword_file %s\nacl_file %s\n"
                               % (passwords, ROOT / "deploy" / "mosquitto" / "nes.acl"))

    def board(name, password):
        config = board_config(name, broker, keyserver, user=name, password=password)
        return vboard_factory(config=config, keys=register(keyserver, name))

    alice = board("alice", "alice-secret")
    bob = board("bob", "wrong")
    alice.wait_for("nes: running")
    bob.wait_for("broker refused the connection (code 5)")  # not authorised: retried, reported
    bob.stop()
    config = board_config("bob", broker, keyserver, user="bob", password="bob-secret")
    (bob.dir / "nesdata" / "config.json").write_text(json.dumps(config))
    mark = bob.mark()
    bob.start()
    bob.wait_for("nes: running", after=mark)
    alice.exec("import nes; nes.send('bob', 'through the locked broker')")
    bob.wait_for("UTC: through the locked broker", after=mark)
