"""The host over TLS: `nes send` and `nes listen` through a Mosquitto TLS
listener whose certificate comes from a test CA given with MQTT_CA_FILE
(--ca-file), and a one-line refusal for every certificate that must not be
trusted: another CA's, the system CAs' view of the test CA, a host name the
certificate does not name."""
import pytest


@pytest.fixture
def tls_pair(nes_factory, tls_mosquitto_factory, keyserver):
    broker = tls_mosquitto_factory()
    alice = nes_factory("alice").join(broker, keyserver)
    bob = nes_factory("bob").join(broker, keyserver)
    return broker, alice, bob


def test_send_and_listen_over_tls_with_the_test_ca(tls_pair, test_pki):
    broker, alice, bob = tls_pair
    for user in (alice, bob):
        user.run("config", "MQTT_BROKER_ADDRESS", broker.tls_url()).ok()
        user.run("config", "MQTT_CA_FILE", test_pki.ca_file).ok()
    listener = bob.listen()
    alice.run("send", "bob", "over tls").ok()
    assert listener.wait_for("stdout", "alice: ").endswith(" alice: over tls")
    assert listener.interrupt() == 0


def test_a_certificate_from_another_ca_is_refused(nes_factory, tls_mosquitto_factory, keyserver, test_pki):
    broker = tls_mosquitto_factory(cert=test_pki.rogue("broker"))
    alice = nes_factory("alice").join(broker, keyserver)
    nes_factory("bob").join(broker, keyserver)
    error = alice.run("--ca-file", test_pki.ca_file, "-b", broker.tls_url(), "send", "bob", "hi").failed()
    print(error)
    assert error == ("nes: the TLS certificate of the broker %s is not trusted (unable to get local issuer "
                     "certificate); check the CA file (MQTT_CA_FILE, --ca-file)" % broker.tls_url())
    # listen (a persistent session) refuses the same way
    assert "is not trusted" in alice.run(
        "--ca-file", test_pki.ca_file, "-b", broker.tls_url(), "listen").failed()


def test_the_system_cas_do_not_trust_the_test_ca(tls_pair):
    broker, alice, _ = tls_pair
    error = alice.run("-b", broker.tls_url(), "send", "bob", "hi").failed()
    assert "is not trusted (unable to get local issuer certificate)" in error


def test_a_host_name_the_certificate_does_not_name_is_refused(tls_pair, test_pki):
    broker, alice, _ = tls_pair  # the certificate names localhost only
    error = alice.run("--ca-file", test_pki.ca_file, "-b", broker.tls_url("127.0.0.1"),
                      "send", "bob", "hi").failed()
    print(error)
    assert "is not trusted (IP address mismatch" in error


def test_an_unreadable_ca_file_is_one_line(tls_pair, tmp_path):
    broker, alice, _ = tls_pair
    missing = tmp_path / "missing.pem"
    error = alice.run("--ca-file", missing, "-b", broker.tls_url(), "send", "bob", "hi").failed()
    assert error.startswith("nes: cannot use the CA file %s: " % missing)
