"""A board keeps running through garbage and broker trouble:

- 1,000 malformed frames (published fast by one paho client) are each dropped
  with a one-line reason, and the next valid frame is still opened;
- frames over MAX_FRAME_BYTES are dropped without being buffered;
- a broker restart in the middle of a stream of QoS 1 frames loses none of
  them (persistent session; repeats are dropped by the replay cache)."""
import base64
import json
import os
import random
import re
import time

import paho.mqtt.client as mqtt

from host_tools.protocol import envelope
from tests.fixtures.vboard import register

TOPIC = "nes/bob/message"


def register_for(user_board, name):
    """A registered user without a board (the test seals its frames on the host)."""
    return register(user_board.keyserver, name)


def _publisher(broker, client_id="test-publisher"):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    client.connect(broker.host, broker.port)
    client.loop_start()
    return client


def _stop(client):
    client.loop_stop()
    client.disconnect()


def _seal(sender_keys, sender, recipient_keys, text, recipient="bob", ts=None):
    ts = int(time.time() * 1000) if ts is None else ts
    return envelope.seal(sender, sender_keys[2], recipient, recipient_keys[1], text, ts)


def _b64(raw):
    return base64.b64encode(raw).decode()


def _malformed(alice, bob, count):
    """`count` frames that must each be dropped: broken text, broken JSON,
    wrong members, non-canonical base64, bad lengths and versions, a few
    forged, replayed, stale, misaddressed or from a stranger, and oversized."""
    rnd = random.Random(5)
    good = json.loads(_seal(alice, "alice", bob, "template"))
    fixed = [
        b"", b"\xff\xfe\x00garbage", b"not json", b"[]", b"null", b"{}", b'{"cipherkey": 1}',
        json.dumps(dict(good, extra="x")).encode(),
        json.dumps({k: v for k, v in good.items() if k != "signature"}).encode(),
        json.dumps(dict(good, cipherkey=good["cipherkey"].rstrip("="))).encode(),
        json.dumps(dict(good, signature=_b64(b"\x01" + bytes(63)))).encode(),
        json.dumps(dict(good, ciphertext=_b64(b"\x02" + bytes(80)))).encode(),
        b"[" * 3000,
        b"x" * 5000,  # over MAX_FRAME_BYTES
        os.urandom(70000),  # far over: read through in chunks, never buffered
        _seal(alice, "alice", bob, "old", ts=int(time.time() * 1000) - 2 * 86_400_000),  # TimestampError
        _seal(alice, "alice", bob, "for carol", recipient="carol"),  # RecipientError
        _seal((os.urandom(32),) * 4, "alice", bob, "forged"),  # AuthenticationError (wrong signing key)
    ]
    replayed = _seal(alice, "alice", bob, "replayed once")
    frames = fixed + [replayed, replayed]  # the first is valid; the second a ReplayError
    while len(frames) < count + 1:
        raw = bytearray(rnd.choice(fixed[7:12]))
        raw[rnd.randrange(len(raw))] ^= 1 << rnd.randrange(8)  # one flipped bit
        frames.append(bytes(raw))
    return frames


def test_board_survives_1000_malformed_frames_and_opens_the_next_valid_one(user_board, mosquitto):
    bob = user_board("bob")
    alice_keys = register_for(user_board, "alice")
    frames = _malformed(alice_keys, bob.keys, 1000)
    mark = bob.mark()
    pub = _publisher(mosquitto)
    try:
        infos = [pub.publish(TOPIC, frame, qos=1) for frame in frames]
        infos.append(pub.publish(TOPIC, _seal(alice_keys, "alice", bob.keys, "still alive"), qos=1))
        for info in infos:
            info.wait_for_publish(60)
    finally:
        _stop(pub)
    out = bob.wait_for("UTC: still alive", after=mark, timeout=300)[mark:]
    drops = re.findall(r"^drop: (\w+)", out, re.M)
    assert len(drops) == 1000, "%d drop lines" % len(drops)
    kinds = set(drops)
    assert {"FormatError", "AuthenticationError", "TimestampError", "RecipientError", "ReplayError"} <= kinds
    assert out.count("over the limit") == 2
    assert "UTC: replayed once" in out and "UTC: template" not in out
    assert "Traceback" not in out and "unexpected error" not in out


def test_broker_restart_mid_stream_loses_no_qos1_frame(user_board, mosquitto):
    bob = user_board("bob")
    alice_keys = register_for(user_board, "alice")
    texts = ["stream %03d" % i for i in range(160)]
    frames = [_seal(alice_keys, "alice", bob.keys, t) for t in texts]
    mark = bob.mark()
    pub = _publisher(mosquitto)
    try:
        for info in [pub.publish(TOPIC, frame, qos=1) for frame in frames[:150]]:
            info.wait_for_publish(30)
    finally:
        _stop(pub)
    bob.wait_for("UTC: stream 005", after=mark)
    mosquitto.restart()  # frames 006.. are still queued or in flight for bob
    pub = _publisher(mosquitto, "test-publisher-2")
    try:
        for info in [pub.publish(TOPIC, frame, qos=1) for frame in frames[150:]]:
            info.wait_for_publish(30)
    finally:
        _stop(pub)
    bob.wait_for("(session resumed)", after=mark)
    out = bob.wait_for("UTC: stream 159", after=mark, timeout=120)[mark:]
    got = re.findall(r"UTC: (stream \d+)", out)
    assert sorted(set(got)) == texts, "lost: %s" % sorted(set(texts) - set(got))
    assert len(got) == len(texts), "a repeat was shown twice"
    lost_at = out.index("connection lost")  # noqa
    assert "UTC: stream 149" in out[lost_at:], "the restart did not come mid-stream"


def test_long_escaped_texts_are_shown_and_a_failed_display_is_shown_again(user_board, mosquitto):
    """600 newlines and 500 U+0001 (escaped, several KiB on the console) are shown
    by a board; a display that fails (MemoryError) leaves the message
    unrecorded and unacknowledged, so the broker's redelivery is shown; so
    does a Ctrl-C in the middle of a display, once the loop runs again."""
    alice_keys = register(user_board.keyserver, "alice")
    bob = user_board("bob")
    pub = _publisher(mosquitto)
    try:
        shown = {"lines" + "\n" * 600 + "end": "UTC: lines\r\n" + "    \r\n" * 599 + "    end\r\n",
                 "\x01" * 500: "UTC: " + "\\x01" * 500 + "\r\n"}
        for text, console in shown.items():
            mark = bob.mark()
            pub.publish(TOPIC, _seal(alice_keys, "alice", bob.keys, text), qos=1).wait_for_publish(60)
            bob.wait_for(console, after=mark)
        assert "MemoryError" not in bob.output()
        # the next display fails: its first step (the time) raises, once
        bob.exec("from nes import clock as C\nC.real = C.iso\ndef _once(t):\n    C.iso = C.real\n"
                 "    raise MemoryError('display')\nC.iso = _once")
        bob.run_app()
        mark = bob.mark()
        pub.publish(TOPIC, _seal(alice_keys, "alice", bob.keys, "shown after all"), qos=1).wait_for_publish(60)
        out = bob.wait_for("UTC: shown after all", after=mark)[mark:]
        assert "message not shown (MemoryError: display)" in out and "drop:" not in out
        assert out.count("UTC: shown after all") == 1
        # a Ctrl-C mid-display (the loop stops at the REPL): shown once nes.run() is called again
        bob.exec("from nes import clock as C\ndef _once(t):\n    C.iso = C.real\n"
                 "    raise KeyboardInterrupt\nC.iso = _once")
        bob.run_app()
        mark = bob.mark()
        pub.publish(TOPIC, _seal(alice_keys, "alice", bob.keys, "shown after a Ctrl-C"), qos=1).wait_for_publish(60)
        bob.wait_for("KeyboardInterrupt", after=mark)
        bob.run_app()
        out = bob.wait_for("UTC: shown after a Ctrl-C", after=mark)[mark:]
        assert "drop:" not in out and out.count("UTC: shown after a Ctrl-C") == 1
    finally:
        _stop(pub)
