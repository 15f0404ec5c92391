"""deploy/mosquitto: with the shipped password file and ACL, a user reads only
its own inbox and cannot listen in on anybody else's, even with wildcards."""
import queue
import subprocess
import time

import paho.mqtt.client as mqtt
import pytest

from tests.fixtures.mqtt_client import subscribe_and_wait
from tests.fixtures.paths import ROOT, find_tool

DEPLOY = ROOT / "deploy" / "mosquitto"


@pytest.fixture
def acl_broker(mosquitto_factory, tmp_path):
    passwd = tmp_path / "nes.passwd"
    tool = find_tool("mosquitto_passwd")
    for name in ("alice", "bob", "mallory"):
        flag = ["-c"] if not passwd.exists() else []
        subprocess.run([tool, *flag, "-b", str(passwd), name, name + "-pw"], check=True)
    conf = (DEPLOY / "nes.conf").read_text()
    conf = conf.replace("/etc/mosquitto/nes.passwd", str(passwd))
    conf = conf.replace("/etc/mosquitto/nes.acl", str(DEPLOY / "nes.acl"))
    # The fixture supplies its own listener, persistence and queue settings.
    kept = [line for line in conf.splitlines()
            if line.split(" ")[0] in ("allow_anonymous", "password_file", "acl_file", "message_size_limit")]
    return mosquitto_factory(extra_config="\n".join(kept) + "\n")


def _connect(broker, user, inbox=None):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="acl-" + user)
    client.username_pw_set(user, user + "-pw")
    if inbox is not None:
        client.on_message = lambda c, u, m: inbox.put((m.topic, m.payload))
    client.connect(broker.host, broker.port)
    client.loop_start()
    return client


def test_user_reads_own_inbox_and_nobody_elses(acl_broker):
    bob_inbox, mallory_inbox = queue.Queue(), queue.Queue()
    bob = _connect(acl_broker, "bob", bob_inbox)
    mallory = _connect(acl_broker, "mallory", mallory_inbox)
    alice = _connect(acl_broker, "alice")
    try:
        subscribe_and_wait(bob, "nes/bob/message")
        for topic in ("nes/bob/message", "nes/#", "#", "nes/+/message"):
            subscribe_and_wait(mallory, topic)
        alice.publish("nes/bob/message", b"frame for bob", qos=1).wait_for_publish(5)
        alice.publish("nes/mallory/message", b"frame for mallory", qos=1).wait_for_publish(5)
        alice.publish("somewhere/else", b"not an inbox", qos=1).wait_for_publish(5)

        assert bob_inbox.get(timeout=5) == ("nes/bob/message", b"frame for bob")
        got = mallory_inbox.get(timeout=5)
        assert got == ("nes/mallory/message", b"frame for mallory")
        time.sleep(1.0)
        leaked = []
        while not mallory_inbox.empty():
            leaked.append(mallory_inbox.get())
        while not bob_inbox.empty():
            leaked.append(bob_inbox.get())
        print("mallory subscribed to bob's inbox, nes/#, # and nes/+/message; received only:", got)
        assert leaked == [], f"ACL let through: {leaked}"
    finally:
        for client in (alice, bob, mallory):
            client.loop_stop()
            client.disconnect()


def test_anonymous_and_wrong_password_are_refused(acl_broker):
    for user, password in ((None, None), ("bob", "wrong")):
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="acl-refused")
        if user:
            client.username_pw_set(user, password)
        with pytest.raises(Exception):
            client.connect(acl_broker.host, acl_broker.port)
            rc = client.loop(timeout=2.0)
            if not client.is_connected():
                raise ConnectionRefusedError(rc)
            client.disconnect()
