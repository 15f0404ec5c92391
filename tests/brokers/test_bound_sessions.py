"""Logins bound to their sessions on deploy/mosquitto/ with the
dynamic-security plugin (dynsec.conf): each login is made with one client id
(host_tools.broker_logins, as `nes provision --broker-admin` does), and
another login can neither take over nor kick that session, nor read another
user's inbox, even when it knows the client id."""
import subprocess

import pytest

from tests.fixtures.mqtt_client import connect
from tests.fixtures.paths import ROOT, find_tool

INBOX = "nes/%s/message"


@pytest.fixture
def logins(deployed_mosquitto):
    return {name: deployed_mosquitto.bind(name) for name in ("alice", "bob", "mallory")}


def _as(broker, logins, name, client_id=None, clean=True):
    password, own_id = logins[name]
    return connect(broker, name, password, client_id or own_id, clean)


def test_another_login_cannot_take_over_a_queued_session(deployed_mosquitto, logins):
    broker = deployed_mosquitto
    alice = _as(broker, logins, "alice", clean=False)
    assert alice.subscribe(INBOX % "alice") == 1
    alice.close()
    bob = _as(broker, logins, "bob")
    bob.publish(INBOX % "alice", b"queued for alice")

    alice_id = logins["alice"][1]
    for clean in (False, True):  # steal the queued frames / wipe the session
        thief = _as(broker, logins, "mallory", client_id=alice_id, clean=clean)
        print("mallory under alice's client id, clean_session=%s:" % clean, thief.refusal)
        assert thief.refusal == "Not authorized"
    assert connect(broker, "alice", "guessed", alice_id, clean=False).refusal == "Not authorized"
    # alice under another client id is refused too: the login holds one session
    assert _as(broker, logins, "alice", client_id="cid-other").refusal == "Not authorized"

    alice = _as(broker, logins, "alice", clean=False)
    assert alice.session_present
    assert alice.next_frame() == (INBOX % "alice", b"queued for alice")
    alice.close()
    bob.close()


def test_another_login_cannot_kick_a_connected_session(deployed_mosquitto, logins):
    broker = deployed_mosquitto
    alice = _as(broker, logins, "alice", clean=False)
    assert alice.subscribe(INBOX % "alice") == 1
    assert _as(broker, logins, "mallory", client_id=logins["alice"][1]).refusal == "Not authorized"
    bob = _as(broker, logins, "bob")
    bob.publish(INBOX % "alice", b"still connected")
    assert alice.next_frame() == (INBOX % "alice", b"still connected")
    assert alice.disconnects == []
    alice.close()
    bob.close()


def test_a_login_reads_only_its_own_inbox(deployed_mosquitto, logins):
    broker = deployed_mosquitto
    mallory = _as(broker, logins, "mallory")
    codes = {topic: mallory.subscribe(topic) for topic in
             (INBOX % "alice", "nes/+/message", "nes/#", "#", INBOX % "mallory")}
    print("mallory's SUBACK codes:", codes)
    assert codes == {INBOX % "alice": 128, "nes/+/message": 128, "nes/#": 128, "#": 128,
                     INBOX % "mallory": 1}
    bob = _as(broker, logins, "bob")
    bob.publish(INBOX % "alice", b"for alice")
    bob.publish(INBOX % "mallory", b"for mallory")  # arrives after the first, if that one leaked
    assert mallory.next_frame() == (INBOX % "mallory", b"for mallory")
    assert mallory.inbox.empty()
    mallory.close()
    bob.close()


def test_rebinding_a_login_gives_it_a_new_password_and_client_id(deployed_mosquitto, logins):
    broker = deployed_mosquitto
    old_password, old_id = logins["alice"]
    new_password, new_id = broker.bind("alice")
    assert connect(broker, "alice", old_password, old_id).refusal == "Not authorized"
    fresh = connect(broker, "alice", new_password, new_id)
    assert fresh.refusal is None
    fresh.close()


def test_without_dynsec_another_user_takes_over_a_session(mosquitto_factory, tmp_path):
    """The password file and ACL alone (nes.conf's auth lines): what dynsec.conf closes."""
    passwd = tmp_path / "nes.passwd"
    for name in ("alice", "mallory"):
        subprocess.run([find_tool("mosquitto_passwd"), *([] if passwd.exists() else ["-c"]), "-b", str(passwd),
                        name, name + "-pw"], check=True)
    broker = mosquitto_factory(extra_config="allow_anonymous false\npassword_file %s\nacl_file %s\n"
                               % (passwd, ROOT / "deploy" / "mosquitto" / "nes.acl"))
    alice = connect(broker, "alice", "alice-pw", "alice-session", clean=False)
    assert alice.subscribe(INBOX % "alice") == 1
    thief = connect(broker, "mallory", "mallory-pw", "alice-session", clean=True)
    assert thief.refusal is None  # accepted under alice's client id ...
    thief.close()
    # ... which kicked alice off and, with clean_session, threw her session away
    assert alice.wait_disconnected()
    alice.close()
    back = connect(broker, "alice", "alice-pw", "alice-session", clean=False)
    assert not back.session_present
    back.close()
