"""A key-server answer replayed for another username is rejected, by the host
and by the board.

Alice wants to read what carol sends bob. Whoever stands between carol and
the key server answers carol's lookup of "bob" with alice's genuine, signed
answer, either as it is or with the username changed to "bob". Carol (the
host `nes send`, the board's `nes.send`, and both verify_lookup functions)
must refuse it and send nothing."""
import json
import queue

import paho.mqtt.client as mqtt
import pytest

from host_tools.protocol.directory import verify_lookup
from host_tools.protocol.errors import DirectoryError
from tests.fixtures.mqtt_client import subscribe_and_wait
from tests.fixtures.vboard import board_config, register

VARIANTS = ("as served for alice", "renamed to bob")


def _replayed(alice_answer, variant):
    answer = json.loads(json.dumps(alice_answer))
    if variant == "renamed to bob":
        answer["response"]["username"] = "bob"
    return answer


@pytest.fixture
def alice_answer(keyserver):
    register(keyserver, "alice")
    register(keyserver, "bob")
    return keyserver.lookup("alice")[1]


@pytest.fixture
def fake_keyserver(json_server, keyserver, alice_answer):
    """fake_keyserver(variant): serves alice's signed answer for every name,
    and the real server's key."""

    def make(variant):
        answer = json.dumps(_replayed(alice_answer, variant)).encode()
        key = json.dumps({"public_key": keyserver.public_key_b64, "algorithm": "Ed25519"}).encode()
        fake = json_server(lambda path: key if path == "/key" else answer)
        fake.public_key_b64 = keyserver.public_key_b64  # what a board pins (board_config)
        return fake

    return make


@pytest.fixture
def bob_inbox(mosquitto):
    """Everything published on bob's topic during the test."""
    frames = queue.Queue()
    spy = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="spy-on-bob")
    spy.on_message = lambda c, u, m: frames.put(m.payload)
    spy.connect(mosquitto.host, mosquitto.port)
    spy.loop_start()
    subscribe_and_wait(spy, "nes/bob/message")
    yield frames
    spy.loop_stop()
    spy.disconnect()


def _firmware_verdicts(micropython, tmp_path, cases, server_public):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps([[answer, name] for answer, name in cases]))
    code = (
        "import json, binascii, time\n"
        "from nes.proto.directory import verify_lookup\n"
        "from nes.proto.errors import DirectoryError\n"
        "key = binascii.a2b_base64(%r)\n"
        "for answer, name in json.load(open(%r)):\n"
        "    try:\n"
        "        verify_lookup(answer, name, key, int(time.time()))\n"
        "        print('ok')\n"
        "    except DirectoryError:\n"
        "        print('DirectoryError')\n" % (server_public, str(path)))
    return micropython(code, heapsize="96k").check().stdout.split()


def test_verify_lookup_refuses_an_answer_for_another_name_on_host_and_firmware(
        keyserver, alice_answer, micropython, tmp_path):
    cases = [(alice_answer, "alice")] + [(_replayed(alice_answer, v), "bob") for v in VARIANTS]
    host = []
    for answer, name in cases:
        try:
            verify_lookup(answer, name, keyserver.public_key)
            host.append("ok")
        except DirectoryError:
            host.append("DirectoryError")
    firmware = _firmware_verdicts(micropython, tmp_path, cases, keyserver.public_key_b64)
    print("\nalice's answer for alice, then replayed for bob %s: host %s, firmware %s" % (VARIANTS, host, firmware))
    assert host == ["ok", "DirectoryError", "DirectoryError"]
    assert firmware == host


@pytest.mark.parametrize("variant", VARIANTS)
def test_host_send_refuses_a_replayed_answer(variant, nes_factory, mosquitto, keyserver,
                                             fake_keyserver, bob_inbox):
    carol = nes_factory("carol").join(mosquitto, keyserver)
    fake = fake_keyserver(variant)
    carol.run("config", "PUBKEY_ADDRESS", fake.url).ok()
    error = carol.run("send", "bob", "for bob only").failed()
    print("\nhost carol, lookup of bob answered with alice's answer %s: %r; asked %s"
          % (variant, error, fake.asked))
    assert any(path.startswith("/users/bob") for path in fake.asked)
    with pytest.raises(queue.Empty):
        bob_inbox.get(timeout=2)


@pytest.mark.parametrize("variant", VARIANTS)
def test_board_send_refuses_a_replayed_answer(variant, vboard_factory, mosquitto, keyserver,
                                              fake_keyserver, bob_inbox):
    fake = fake_keyserver(variant)
    keys = register(keyserver, "carol")
    board = vboard_factory(config=board_config("carol", mosquitto, fake), keys=keys)
    board.wait_for("nes: running")
    out = board.exec("import nes\ntry:\n    nes.send('bob', 'for bob only')\n    print('SENT')\n"
                     "except Exception as exc:\n    print('REFUSED', type(exc).__name__, exc)")
    print("\nboard carol, lookup of bob answered with alice's answer %s: %s" % (variant, out.strip()))
    assert "REFUSED DirectoryError" in out and "SENT" not in out
    with pytest.raises(queue.Empty):
        bob_inbox.get(timeout=2)
