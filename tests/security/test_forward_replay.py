"""A message forwarded by its recipient to a third user is rejected, and a
replayed frame is rejected: on the host's open_frame and on the firmware's
(under the unix port), for every way the recipient can forward.

Bob, the recipient, holds everything a recipient holds: his secret key, so the
message key K, so enc_key, mac_key and sig_pad. He can
- pass the frame on unchanged to carol;
- re-wrap K for carol's key (new cipherkey, same body and signature, new MAC);
- also re-encrypt the inner message with `to` changed to carol.
Each must fail at carol: the first on the MAC (the key agreement is bob's),
the others on alice's signature, which covers `to`, the cipherkey and the body.
The last test does the same to a running board (the firmware application),
and replays a frame to it before and after a power cycle."""
import base64
import hashlib
import json
from types import SimpleNamespace

from Crypto.Cipher import AES
from Crypto.Util.Padding import pad

from host_tools.protocol import envelope, inner, x25519
from host_tools.protocol.errors import ProtocolError
from host_tools.protocol.replay import ReplayCache
from tests.security.firmware_open import open_on_firmware
from tests.fixtures.nes_cli import capture_frame, publish_raw
from tests.security.fuzzcases import ALICE, BOB, CAROL, DIRECTORY, NOW

SENT_AT = NOW - 5_000


def _keys_of(frame, secret):
    """What the holder of `secret` derives from a frame sealed to it: K and the three payload keys."""
    cipherkey, ciphertext, signature = envelope.parse_frame(frame)
    e_pub = cipherkey[1:33]
    z = x25519.x25519(secret, e_pub)
    file_key = envelope.xor(cipherkey[33:], envelope.key_wrap(z, e_pub, x25519.public_key(secret)))
    return (cipherkey, ciphertext, signature, file_key) + envelope.payload_keys(file_key)


def forwarded_frames(frame, secret=BOB.message_secret, third=CAROL.name, third_public=CAROL.message_public):
    """{how: frame} for every way the holder of `secret` (bob) can pass a frame
    sealed to him on to `third` (carol)."""
    cipherkey, ciphertext, signature, file_key, enc_key, mac_key, _ = _keys_of(frame, secret)
    body = ciphertext[:-32]
    seed = hashlib.sha256(b"bob forwards").digest()
    e_pub = x25519.public_key(seed)
    z = x25519.x25519(seed, third_public)
    rewrapped = b"\x01" + e_pub + envelope.xor(file_key, envelope.key_wrap(z, e_pub, third_public))
    iv = body[1:17]
    plain = AES.new(enc_key, AES.MODE_CBC, iv).decrypt(body[17:])
    sender, _, ts, text = inner.decode(plain[:-plain[-1]])
    readdressed = b"\x01" + iv + AES.new(enc_key, AES.MODE_CBC, iv).encrypt(
        pad(inner.encode(sender, third, ts, text), 16))

    def framed(ck, bd):
        return envelope.encode_frame(ck, bd + envelope.frame_tag(mac_key, ck, bd, signature), signature)

    return {
        "unchanged": frame,
        "re-wrapped for %s" % third: framed(rewrapped, body),
        "re-wrapped, to: %s" % third: framed(rewrapped, readdressed),
    }


def _open_host(frame, me, replay=None):
    try:
        envelope.open_frame(frame, me.name, me.message_secret, DIRECTORY.get, NOW, replay)
    except ProtocolError as exc:
        return type(exc).__name__
    return "ok"


def _sealed(text, to=BOB):
    rnd = hashlib.sha512(text.encode()).digest()
    return envelope.seal_with(ALICE.name, ALICE.sign_seed, to.name, to.message_public, text, SENT_AT,
                              rnd[:32], rnd[32:], rnd[:16])


def test_a_forwarded_message_is_rejected_by_host_and_firmware(micropython, tmp_path):
    frame = _sealed("for bob's eyes only")
    assert _open_host(frame, BOB) == "ok"
    # Control: what alice really sends carol opens at carol.
    forwards = dict(control=_sealed("for carol", to=CAROL), **forwarded_frames(frame))
    host = {how: _open_host(f, CAROL) for how, f in forwards.items()}
    firmware, _ = open_on_firmware(micropython, tmp_path, list(forwards.values()), CAROL.name,
                                   CAROL.message_secret, DIRECTORY, NOW)
    firmware = dict(zip(forwards, firmware))
    print("\nbob forwards alice's message to carol; carol's host / firmware answer:")
    for how in forwards:
        print("  %-24s %s / %s" % (how, host[how], firmware[how].split()[0]))
    assert host.pop("control") == "ok" and firmware.pop("control").startswith("ok ")
    assert set(host.values()) == {"AuthenticationError"}
    assert firmware == host


def test_a_replayed_frame_is_rejected_by_host_and_firmware(micropython, tmp_path):
    frame = _sealed("only once")
    # The same frame re-serialized (other member order and spacing) is the same message.
    fields = json.loads(frame)
    respaced = json.dumps(dict(reversed(list(fields.items()))), indent=1).encode()
    frames = [frame, frame, respaced]
    cache = ReplayCache()
    host = [_open_host(f, BOB, cache) for f in frames]
    firmware, _ = open_on_firmware(micropython, tmp_path, frames, BOB.name, BOB.message_secret,
                                   DIRECTORY, NOW, replay="shared")
    firmware = [line.split()[0] for line in firmware]
    print("\nframe opened, replayed, replayed re-serialized -> host %s, firmware %s" % (host, firmware))
    assert host == ["ok", "ReplayError", "ReplayError"]
    assert firmware == host


def test_a_running_board_drops_forwarded_and_replayed_frames(nes_factory, user_board, mosquitto,
                                                             keyserver):
    alice = nes_factory("alice").join(mosquitto, keyserver)
    bob = nes_factory("bob").join(mosquitto, keyserver)
    carol = user_board("carol")
    carol.wait_for("mqtt: connected")
    mark = carol.mark()
    to_bob = capture_frame(alice, bob, mosquitto, "for bob only")
    to_carol = capture_frame(alice, SimpleNamespace(name="carol"), mosquitto, "for carol")
    carol.wait_for("UTC: for carol", after=mark)

    secret = base64.b64decode(bob.key("x25519-message"))
    forwards = forwarded_frames(to_bob, secret, "carol", carol.keys[1])
    for frame in forwards.values():
        publish_raw(mosquitto, "nes/carol/message", frame)
    publish_raw(mosquitto, "nes/carol/message", to_carol)
    carol.wait_for("drop: AuthenticationError", after=mark, count=len(forwards))
    carol.wait_for("drop: ReplayError", after=mark)

    carol.stop()  # power-cycle: the replay cache must come back from flash
    again = carol.mark()
    carol.start()
    carol.wait_for("mqtt: connected", after=again)
    publish_raw(mosquitto, "nes/carol/message", to_carol)
    carol.wait_for("drop: ReplayError", after=again)
    out = carol.output()[mark:]
    print("\nboard carol: %d frames bob forwarded -> %d x AuthenticationError; alice's frame replayed "
          "before and after a power cycle -> %d x ReplayError; shown %d time(s)"
          % (len(forwards), out.count("drop: AuthenticationError"), out.count("drop: ReplayError"),
             out.count("UTC: for carol")))
    assert "for bob only" not in out
    assert out.count("UTC: for carol") == 1
