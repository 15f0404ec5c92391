"""The harness itself: the private broker really routes QoS 1 messages (and keeps
them across a restart), and the unix port really runs firmware code."""
import queue

import paho.mqtt.client as mqtt

from tests.fixtures.mqtt_client import subscribe_and_wait


def _client(broker, client_id, clean=True, on_message=None):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean)
    if on_message:
        client.on_message = on_message
    client.connect(broker.host, broker.port)
    client.loop_start()
    return client


def test_broker_routes_and_keeps_queued_messages_across_restart(mosquitto):
    received = queue.Queue()
    sub = _client(mosquitto, "harness-sub", clean=False,
                  on_message=lambda c, u, m: received.put(m.payload))
    subscribe_and_wait(sub, "nes/harness/message")
    pub = _client(mosquitto, "harness-pub")
    pub.publish("nes/harness/message", b"one", qos=1).wait_for_publish(5)
    assert received.get(timeout=5) == b"one"

    sub.loop_stop()
    sub.disconnect()
    pub.publish("nes/harness/message", b"while away", qos=1).wait_for_publish(5)
    pub.loop_stop()
    pub.disconnect()
    mosquitto.restart()

    sub = _client(mosquitto, "harness-sub", clean=False,
                  on_message=lambda c, u, m: received.put(m.payload))
    try:
        assert received.get(timeout=10) == b"while away"
    finally:
        sub.loop_stop()
        sub.disconnect()


def test_micropython_runs_firmware_path_and_honours_heap_limit(micropython):
    run = micropython("import sys, gc; print(sys.implementation.name); print(gc.mem_free() + gc.mem_alloc())",
                      heapsize="64k").check()
    name, heap = run.stdout.split()
    assert name == "micropython"
    assert int(heap) <= 64 * 1024
    failed = micropython("b = bytearray(200000)", heapsize="64k")
    assert failed.returncode != 0 and "MemoryError" in failed.stderr + failed.stdout
