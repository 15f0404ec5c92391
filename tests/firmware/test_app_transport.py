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
