"""A board over TLS (the unix port's mbedTLS): broker.tls in its config and
the test CA on its flash (/nesdata/ca.der, as `nes provision --ca-file`
writes it). It exchanges messages with a host through a Mosquitto TLS
listener, and refuses, in one console line each time it retries, a broker
certificate from another CA or one that does not name the host it dials."""
import json

import pytest

from tests.fixtures.vboard import board_config, register

CA = "nesdata/ca.der"


@pytest.fixture
def tls_board(vboard_factory, keyserver, test_pki):
    def make(broker, name="bob", host="localhost", files=None):
        keys = register(keyserver, name)
        config = board_config(name, broker, keyserver, port=broker.tls_port, tls=True)
        config["broker"]["host"] = host
        return vboard_factory(config=config, keys=keys,
                              files={CA: test_pki.ca_der} if files is None else files)
    return make


def test_board_and_host_exchange_messages_over_tls(tls_board, tls_mosquitto_factory, nes_factory,
                                                  keyserver, test_pki):
    broker = tls_mosquitto_factory()
    bob = tls_board(broker)
    print(bob.wait_for("nes: running"))
    alice = nes_factory("alice").join(broker, keyserver)
    alice.run("config", "MQTT_BROKER_ADDRESS", broker.tls_url()).ok()
    alice.run("config", "MQTT_CA_FILE", test_pki.ca_file).ok()
    listener = alice.listen()
    alice.run("send", "bob", "to the board over tls").ok()
    bob.wait_for("UTC: to the board over tls")
    bob.exec("import nes; nes.send('alice', 'from the board over tls')")
    assert listener.wait_for("stdout", "bob: ").endswith(" bob: from the board over tls")
    listener.interrupt()


@pytest.mark.parametrize("case, reason", [
    ("other CA", "The certificate is not correctly signed by the trusted CA"),
    ("other host name", "The certificate Common Name (CN) does not match with the expected CN"),
])
def test_board_refuses_a_certificate_it_must_not_trust(case, reason, tls_board, tls_mosquitto_factory,
                                                       test_pki):
    if case == "other CA":
        broker, host = tls_mosquitto_factory(cert=test_pki.rogue("broker")), "localhost"
    else:
        broker, host = tls_mosquitto_factory(), "127.0.0.1"  # the certificate names localhost only
    bob = tls_board(broker, host=host)
    line = bob.wait_for("retrying in 1000 ms").splitlines()
    refusals = [l for l in line if l.startswith("mqtt: cannot reach")]
    print(refusals[0])
    assert refusals[0] == ("mqtt: cannot reach %s:%d (TLSError TLS with %s refused: %s); retrying in 500 ms"
                           % (host, broker.tls_port, host, reason))
    assert "nes: running" not in bob.output()


def test_board_without_the_ca_does_not_start(tls_board, tls_mosquitto_factory):
    bob = tls_board(tls_mosquitto_factory(), files={})
    out = bob.wait_for("nes: not started", fail_on=())
    assert "broker.tls and https:// need the CA certificate /nesdata/ca.der (nes provision --ca-file)" in out


def test_provision_writes_the_ca_and_the_board_connects_over_tls(nes_factory, vboard_factory,
                                                                 tls_mosquitto_factory, keyserver, test_pki):
    broker = tls_mosquitto_factory()
    alice = nes_factory("alice").join(broker, keyserver)
    alice.run("config", "MQTT_BROKER_ADDRESS", broker.tls_url()).ok()
    alice.run("config", "MQTT_CA_FILE", test_pki.ca_file).ok()
    board = vboard_factory(install=False)
    alice.run("provision", "--port", board.port, "--board", "unix", "--user", "board1",
              "--email", "board1@example.org", timeout=600).ok()
    assert (board.dir / CA).read_bytes() == test_pki.ca_der
    config = json.loads((board.dir / "nesdata" / "config.json").read_text())["broker"]
    assert (config["host"], config["port"], config["tls"]) == ("localhost", broker.tls_port, True)
    keyserver.emails["board1"] = "board1@example.org"
    assert keyserver.activate("board1")[0] == 200
    board.wait_for("nes: running", after=board.output().rindex("NES-PUBLIC"))
    mark = board.mark()
    alice.run("send", "board1", "provisioned for tls").ok()
    board.wait_for("UTC: provisioned for tls", after=mark)


def test_provision_refuses_tls_without_a_ca_file(nes_factory, vboard_factory, tls_mosquitto_factory, keyserver):
    broker = tls_mosquitto_factory()
    alice = nes_factory("alice").join(broker, keyserver)
    board = vboard_factory(install=False)
    error = alice.run("-b", broker.tls_url(), "provision", "--port", board.port, "--board", "unix",
                      "--user", "board1", "--email", "board1@example.org").failed()
    assert error == ("nes: a board checks TLS certificates only against a CA it holds: give the CA "
                     "certificate (PEM) with --ca-file")


def _https_board(vboard_factory, mosquitto, keyserver, test_pki, proxy):
    keys = register(keyserver, "bob")
    config = board_config("bob", mosquitto, keyserver)
    config["keyserver"]["url"] = proxy.url("https")
    board = vboard_factory(config=config, keys=keys, files={CA: test_pki.ca_der})
    board.wait_for("nes: running")
    return board


def test_board_asks_the_key_server_over_https(vboard_factory, mosquitto, keyserver, test_pki, tls_proxy,
                                              nes_factory):
    proxy = tls_proxy(int(keyserver.url.rsplit(":", 1)[1]), test_pki.server("keys"))
    board = _https_board(vboard_factory, mosquitto, keyserver, test_pki, proxy)
    alice = nes_factory("alice").join(mosquitto, keyserver)
    listener = alice.listen()
    assert board.exec("import nes; print(nes.send('alice', 'keys over https'))").split()[-1] == "True"
    assert listener.wait_for("stdout", "bob: ").endswith(" bob: keys over https")
    listener.interrupt()


def test_board_refuses_a_key_server_certificate_from_another_ca(vboard_factory, mosquitto, keyserver,
                                                                 test_pki, tls_proxy, nes_factory):
    proxy = tls_proxy(int(keyserver.url.rsplit(":", 1)[1]), test_pki.rogue("keys"))
    board = _https_board(vboard_factory, mosquitto, keyserver, test_pki, proxy)
    nes_factory("alice").join(mosquitto, keyserver)
    out = board.exec("import nes; nes.send('alice', 'not sent')", check=False)
    print(out)
    assert ("TLSError: TLS with localhost refused: The certificate is not correctly signed by the trusted CA"
            in out)
