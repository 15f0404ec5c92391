"""An eavesdropper on the broker: an MQTT client subscribed to `nes/#`
captures every frame while the host and both boards talk. It learns the
recipient (the topic) and nothing else: every payload is a nes/1 frame of
three base64 fields, no text or username appears in it, and the signature
field verifies under no key of the directory over any bytes the eavesdropper
could rebuild, even granted the exact sender, recipient and timestamp of each
message (PROTOCOL.md §6: the signature travels XORed with a pad derived from
the message key). The recipients, holding their secret keys, open every
captured frame with host_tools.protocol.envelope, which shows the frames were
real messages and that the same signature bytes, unpadded, do verify."""
import base64
import itertools
import json
import re
import threading
import time

import paho.mqtt.client as paho
import pytest

from host_tools.protocol import signing, x25519
from host_tools.protocol.envelope import (
    FIELDS, key_wrap, open_frame, parse_frame, payload_keys, signed_bytes, xor,
)
from host_tools.protocol.constants import TAG_BYTES, VERSION
from tests.e2e.conftest import WAIT, received

TOPIC = re.compile(r"^nes/[a-z0-9_-]{3,32}/message$")
ALICE_TO_KITCHEN = "Is the oven off? Door code is 4711."
ALICE_TO_GARAGE = "Please close the garage door."


class Eavesdropper:
    """A plain MQTT client subscribed to every NES topic, keeping (topic, payload)."""

    def __init__(self, broker):
        self.frames = []
        self.lock = threading.Lock()
        self.subscribed = threading.Event()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="eve", clean_session=True,
                                  protocol=paho.MQTTv311)
        self.client.on_connect = lambda client, *_: client.subscribe("nes/#", qos=1)
        self.client.on_subscribe = self._subscribed
        self.client.on_message = self._keep
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        if not self.subscribed.wait(WAIT):
            self.stop()
            pytest.fail("the eavesdropper could not subscribe to nes/#", pytrace=False)

    def _subscribed(self, client, userdata, mid, reason_codes, properties):
        if not any(code.is_failure for code in reason_codes):
            self.subscribed.set()

    def _keep(self, client, userdata, message):
        with self.lock:
            self.frames.append((message.topic, bytes(message.payload)))

    def topics(self):
        with self.lock:
            return {topic for topic, _ in self.frames}

    def stop(self):
        self.client.disconnect()
        self.client.loop_stop()


def capture(system, directory):
    """Every frame crossing the broker while alice writes to both boards and
    the boards post readings to alice and to each other, until each of those
    (sender, recipient) pairs has been seen; with each frame opened by its
    recipient (a Message)."""
    wanted = {("alice", "kitchen"), ("alice", "garage"), ("kitchen", "alice"), ("kitchen", "garage"),
              ("garage", "kitchen")}
    eve = Eavesdropper(system.broker)
    opened = []
    try:
        marks = {name: board.mark() for name, board in system.boards.items()}
        system.alice.run("send", "kitchen", ALICE_TO_KITCHEN).ok()
        system.alice.run("send", "garage", ALICE_TO_GARAGE).ok()
        received(system.boards["kitchen"], "alice", ALICE_TO_KITCHEN, after=marks["kitchen"])
        received(system.boards["garage"], "alice", ALICE_TO_GARAGE, after=marks["garage"])
        deadline = time.monotonic() + WAIT
        while True:
            with eve.lock:
                frames = list(eve.frames)
            opened += [open_as_recipient(system, directory, *frame) for frame in frames[len(opened):]]
            missing = wanted - {(m.sender, m.recipient) for m in opened}
            if not missing:
                return frames, opened
            assert time.monotonic() < deadline, "no frames from/to %s" % missing
            time.sleep(0.2)
    finally:
        eve.stop()


def open_as_recipient(system, directory, topic, payload):
    recipient = topic.split("/")[1]
    return open_frame(payload, recipient, system.message_secret(recipient),
                      lambda name: directory[name][1] if name in directory else None, int(time.time() * 1000))


def sig_pad(message_secret, cipherkey):
    """What only the recipient can derive: the pad over the signature (§6 steps 2-4)."""
    ephemeral = cipherkey[1:33]
    z = x25519.x25519(message_secret, ephemeral)
    file_key = xor(cipherkey[33:], key_wrap(z, ephemeral, x25519.public_key(message_secret)))
    return payload_keys(file_key)[2]


@pytest.fixture(scope="module")
def captured(system):
    """(frames, directory, opened): the captured (topic, payload) pairs, the
    directory as anyone can fetch it, and each frame opened by its recipient."""
    directory = system.directory()
    frames, opened = capture(system, directory)
    return frames, directory, opened


def test_the_recipients_open_every_captured_frame(system, captured):
    frames, directory, opened = captured
    assert sorted(directory) == sorted(system.names())
    texts = {(m.sender, m.recipient, m.text) for m in opened}
    assert ("alice", "kitchen", ALICE_TO_KITCHEN) in texts and ("alice", "garage", ALICE_TO_GARAGE) in texts
    for (topic, _), message in zip(frames, opened):
        assert topic == "nes/%s/message" % message.recipient


def test_every_frame_is_three_base64_fields_of_ciphertext(captured):
    frames, _, _ = captured
    for topic, payload in frames:
        assert TOPIC.match(topic), topic
        value = json.loads(payload)
        assert list(value) == list(FIELDS), payload  # senders write exactly this form
        for name in FIELDS:
            assert base64.b64encode(base64.b64decode(value[name], validate=True)).decode() == value[name]
        cipherkey, ciphertext, signature = parse_frame(payload)
        assert cipherkey[0] == ciphertext[0] == signature[0] == VERSION


def test_no_text_or_username_is_in_any_frame(system, captured):
    frames, _, opened = captured
    secrets = {*system.names(), "temperature", *(m.text for m in opened)}
    for topic, payload in frames:
        fields = parse_frame(payload)
        for secret in map(str.encode, secrets):
            assert secret not in payload, (topic, secret)
            assert not any(secret in field for field in fields), (topic, secret)
        # the topic names the recipient, and only the recipient
        assert [name for name in system.names() if name in topic] == [topic.split("/")[1]]


def test_no_signature_verifies_under_any_directory_key(system, captured):
    """Over the raw fields and their concatenations, and over the §6 signed
    bytes for every (from, to) pair of directory users with the message's
    true timestamp (more than an eavesdropper knows), the 64 signature bytes
    verify under no directory key. The recipient's unpadded signature does,
    under the sender's key only: the constructions are right."""
    frames, directory, opened = captured
    names = sorted(directory)
    for (topic, payload), message in zip(frames, opened):
        cipherkey, ciphertext, signature = parse_frame(payload)
        body = ciphertext[:-TAG_BYTES]
        seen = signature[1:]
        attempts = [ciphertext, body, cipherkey + ciphertext, cipherkey + body,
                    cipherkey + ciphertext + signature, payload]
        attempts += [signed_bytes(frm, to, message.timestamp, cipherkey, body)
                     for frm, to in itertools.product(names, names)]
        for name, (_, sign_public) in directory.items():
            for data in attempts:
                assert not signing.verify(sign_public, data, seen), (topic, name)

        true_signed = signed_bytes(message.sender, message.recipient, message.timestamp, cipherkey, body)
        unpadded = xor(seen, sig_pad(system.message_secret(message.recipient), cipherkey))
        verifies = [name for name, (_, sign_public) in directory.items()
                    if signing.verify(sign_public, true_signed, unpadded)]
        assert verifies == [message.sender], topic
