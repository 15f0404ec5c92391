"""host_tools.mqtt.Session under a burst, on a real Mosquitto: paho reads the
connection through a buffer (a system call per burst, not three or four per
packet), every frame of the burst is delivered without further traffic, and a
batch of frames is acknowledged with one write that the broker takes for all
of them (the session does not get them again)."""
import collections
import time

import paho.mqtt.client as paho

from host_tools import mqtt
from host_tools.mqtt import Session, parse_broker

TOPIC = "nes/burst/message"
COUNT = 20  # Mosquitto's default limit of unacknowledged frames to a client


class _Counting:
    """The socket under paho's buffer, its recv and send calls counted."""

    def __init__(self, sock, calls):
        self._sock, self._calls = sock, calls

    def recv(self, size):
        self._calls["recv"] += 1
        return self._sock.recv(size)

    def send(self, data):
        self._calls["send"] += 1
        return self._sock.send(data)

    def __getattr__(self, name):
        return getattr(self._sock, name)


def _payload(i):
    return b"frame %d " % i + b"x" * 300


def _queue_frames(address, count):
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="burst-pub", protocol=paho.MQTTv311)
    client.connect(address.host, address.port, 30)
    client.loop_start()
    try:
        for info in [client.publish(TOPIC, _payload(i), qos=1) for i in range(count)]:
            info.wait_for_publish(10)
            assert info.is_published()
    finally:
        client.disconnect()
        client.loop_stop()


def _events(session, count, timeout=10):
    got, deadline = [], time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        time.sleep(0.01)
        got += [data for kind, data in session.events() if kind == "message"]
    return got


def test_a_burst_is_read_in_few_calls_and_acknowledged_in_one_write(mosquitto, monkeypatch):
    address = parse_broker(mosquitto.url)
    calls = collections.Counter()
    create = mqtt._Client._create_socket
    monkeypatch.setattr(mqtt._Client, "_create_socket",
                        lambda self: mqtt._BufferedSocket(_Counting(create(self)._sock, calls)))
    Session(address, "burst", persistent=True, topic=TOPIC).open().close()
    _queue_frames(address, COUNT)
    calls.clear()
    session = Session(address, "burst", persistent=True, topic=TOPIC).open()
    try:
        got = _events(session, COUNT)
        assert [m.payload for m in got] == [_payload(i) for i in range(COUNT)]
        # CONNACK, SUBACK and 20 PUBLISHes of 300-odd bytes: paho alone reads each
        # packet in 4 calls (its type, 2 length bytes, the rest): 80 and more.
        assert calls["recv"] <= COUNT + 2
        sent = calls["send"]
        session.ack(*got)
        deadline = time.monotonic() + 5
        while calls["send"] == sent and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # paho's ack() would go on writing: one PUBACK per write
        assert calls["send"] == sent + 1
    finally:
        session.close()
    again = Session(address, "burst", persistent=True, topic=TOPIC).open()
    try:
        assert _events(again, 1, timeout=1) == []  # every frame was acknowledged
    finally:
        again.close()
