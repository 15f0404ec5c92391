"""`nes listen --workers 2` against a real key server and Mosquitto: frames
from two senders, queued while the listener was away and then drained in
batches opened by two worker processes, are each shown exactly once and in
each sender's order; replays of them are dropped; a sender first seen during
the drain is looked up and pinned as without workers."""
import json
import time

import paho.mqtt.client as mqtt

from host_tools.keyfiles import read_key
from host_tools.protocol import envelope

COUNT = 40


def _frames(user, recipient, count):
    sign_seed = read_key(user.nes_dir / ("%s-ed25519-sign" % user.name), "key")
    to_public = read_key(recipient.nes_dir / ("%s-x25519-message.pub" % recipient.name), "key")
    now = int(time.time() * 1000)
    return [envelope.seal(user.name, sign_seed, recipient.name, to_public, "%s %d" % (user.name, i), now + i)
            for i in range(count)]


def _publish_all(broker, topic, frames):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="burst")
    client.connect(broker.host, broker.port)
    client.loop_start()
    try:
        for info in [client.publish(topic, f, qos=1) for f in frames]:
            info.wait_for_publish(30)
    finally:
        client.disconnect()
        client.loop_stop()


def test_two_workers_show_each_message_once_in_each_senders_order(nes_factory, mosquitto, keyserver):
    alice, carol, bob = (nes_factory(n).join(mosquitto, keyserver) for n in ("alice", "carol", "bob"))
    bob.listen("--workers", "2", "--json").interrupt()  # bob's persistent session
    from_alice, from_carol = _frames(alice, bob, COUNT), _frames(carol, bob, COUNT)
    interleaved = [f for pair in zip(from_alice, from_carol) for f in pair]
    _publish_all(mosquitto, "nes/bob/message", interleaved + from_alice[:3])  # 3 replays too
    listener = bob.listen("--workers", "2", "--json")
    for _ in range(2 * COUNT):
        listener.wait_for("stdout", '"from"')
    for _ in range(3):
        assert "already received" in listener.wait_for("stderr", "dropped")
    _publish_all(mosquitto, "nes/bob/message", from_carol[:1])  # after the drain: still a replay
    assert "already received" in listener.wait_for("stderr", "dropped")
    assert listener.interrupt() == 0
    shown = [json.loads(line)["message"] for line in listener.seen["stdout"]]
    for name in ("alice", "carol"):
        assert [t for t in shown if t.startswith(name)] == ["%s %d" % (name, i) for i in range(COUNT)]
    assert len(shown) == 2 * COUNT
