"""The application in the heap of a small board: connected, sealing,
opening and posting under the unix port with -X heapsize=HEAP, for longer
than it takes to fill its replay cache (64 entries) and inbox.

The budget is 96k, and the application does not fit it (docs/FIRMWARE.md,
Memory). HEAP is 112k, on the pure path: since the board build renames
module-private names (tools/shortnames.py), the names it interns fit
MicroPython's first five pools, and since a key lookup drops the answer's
signature check before its proof check loads, the lookup fits beside the
resident code (at 112k it once failed on a lookup's 841-byte allocation, and
the test ran at 128k). At 104k the lookups still fail (a 512-byte line
buffer, 3 runs of 3); at 96k, after start, 17 KB is free and a lookup needs
about as much."""
import re
import time

import paho.mqtt.client as mqtt

from host_tools.protocol import envelope
from tests.fixtures.vboard import register

HEAP = "112k"
FRAMES = 80


def test_the_application_runs_in_a_small_heap(user_board, mosquitto):
    bob = user_board("bob", heapsize=HEAP, recipients=["alice"], interval=1)
    alice = user_board("alice", heapsize=HEAP, recipients=["bob"], interval=1)
    carol = register(user_board.keyserver, "carol")  # seals on the host
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="memory-test")
    pub.connect(mosquitto.host, mosquitto.port)
    pub.loop_start()
    try:
        for i in range(FRAMES):
            frame = envelope.seal("carol", carol[2], "bob", bob.keys[1], "note %02d " % i + "x" * 200,
                                  int(time.time() * 1000))
            pub.publish("nes/bob/message", frame, qos=1).wait_for_publish(30)
            time.sleep(0.05)
    finally:
        pub.loop_stop()
        pub.disconnect()
    bob.wait_for("UTC: note %02d" % (FRAMES - 1), timeout=120)
    for board, other in ((bob, "alice"), (alice, "bob")):
        out = board.wait_for("message from %s" % other, count=5)
        assert not re.search(r"MemoryError|unexpected error|Traceback", out), out[-2000:]
    assert len(set(re.findall(r"UTC: (note \d\d)", bob.output()))) == FRAMES
