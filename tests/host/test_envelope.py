"""The host protocol modules: seal/open round trips, every error class, keys,
X25519/HKDF against their RFC vectors, the inner-message form, the replay
cache and the key-server answer check."""
import base64
import json

import pytest
from hypothesis import given, settings, strategies as st

from host_tools.protocol import directory, envelope, inner, kdf, keys, signing, x25519
from host_tools.protocol.constants import MAX_AGE_MS, MAX_INNER_BYTES, MAX_SKEW_MS, MAX_TIMESTAMP
from host_tools.protocol.errors import (
    AuthenticationError, DirectoryError, FormatError, ProtocolError, RecipientError,
    ReplayError, TimestampError, UnknownSenderError,
)
from host_tools.protocol.replay import ReplayCache

NOW = 1_700_000_000_000
P = 2**255 - 19


class Party:
    def __init__(self, name, seed):
        self.name = name
        self.message_secret, self.message_public, self.sign_seed, self.sign_public = (
            keys.generate(lambda n: bytes([seed]) * n))


ALICE, BOB, CAROL = Party("alice", 1), Party("bob", 2), Party("carol", 3)
KEYS = {p.name: p.sign_public for p in (ALICE, BOB, CAROL)}


def seal(text="hi", timestamp=NOW, sender=ALICE, to=BOB, **kw):
    return envelope.seal(sender.name, sender.sign_seed, to.name, to.message_public, text,
                         timestamp, **kw)


def open_as(frame, receiver=BOB, now=NOW, replay=None, keys_for=KEYS.get):
    return envelope.open_frame(frame, receiver.name, receiver.message_secret, keys_for, now, replay)


# -- round trips ---------------------------------------------------------------

def test_round_trip():
    message = open_as(seal("hello bob"))
    assert message == envelope.Message("alice", "bob", NOW, "hello bob")
    assert (message.sender, message.recipient, message.timestamp, message.text) == (
        "alice", "bob", NOW, "hello bob")


def test_frame_is_the_compact_three_member_object():
    frame = seal()
    value = json.loads(frame)
    assert list(value) == ["cipherkey", "ciphertext", "signature"]
    assert frame == json.dumps(value, separators=(",", ":")).encode()


def test_seal_draws_ephemeral_key_iv_in_order():
    drawn = []

    def random(n):
        drawn.append(n)
        return bytes([len(drawn)]) * n

    frame = seal(random=random)
    assert drawn == [32, 32, 16]
    assert frame == envelope.seal_with("alice", ALICE.sign_seed, "bob", BOB.message_public, "hi",
                                       NOW, b"\1" * 32, b"\2" * 32, b"\3" * 16)


def test_seal_uses_fresh_randomness():
    assert seal() != seal()


usernames = st.from_regex(r"[a-z0-9_-]{3,32}", fullmatch=True)


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=600), timestamp=st.integers(0, MAX_TIMESTAMP),
       sender=usernames, recipient=usernames)
def test_round_trip_any_text(text, timestamp, sender, recipient):
    frame = envelope.seal(sender, ALICE.sign_seed, recipient, BOB.message_public, text, timestamp)
    message = envelope.open_frame(frame, recipient, BOB.message_secret,
                                  {sender: ALICE.sign_public}.get, timestamp)
    assert message == envelope.Message(sender, recipient, timestamp, text)


@settings(max_examples=60, deadline=None)
@given(text=st.text())
def test_inner_message_round_trip(text):
    data = inner.encode("alice", "bob", 7, text)
    assert inner.decode(data) == ("alice", "bob", 7, text)
    assert json.loads(data) == {"from": "alice", "to": "bob", "timestamp": 7, "message": text}


def test_inner_message_canonical_escapes():
    data = inner.encode("alice", "bob", 12, 'q"b\\/\x00\x1f\x7f\b\t\n\f\r é😀')
    assert data == ('{"from":"alice","to":"bob","timestamp":12,'
                    '"message":"q\\"b\\\\/\\u0000\\u001f\x7f\\b\\t\\n\\f\\r é😀"}').encode()


@pytest.mark.parametrize("data", [
    b'{"from":"alice","to":"bob","timestamp":12,"message":"\\u00e9"}',
    b'{"from":"alice","to":"bob","timestamp":12,"message":"\\/"}',
    b'{"from":"alice","to":"bob","timestamp":12, "message":"x"}',
    b'{"to":"bob","from":"alice","timestamp":12,"message":"x"}',
    b'{"from":"alice","to":"bob","timestamp":012,"message":"x"}',
    b'{"from":"alice","to":"bob","timestamp":true,"message":"x"}',
    b'{"from":"alice","to":"bob","timestamp":9007199254740992,"message":"x"}',
    b'{"from":"Alice","to":"bob","timestamp":12,"message":"x"}',
    b'{"from":"alice","to":"bob","timestamp":12,"message":"\xff"}',
    b'{"from":"alice","to":"bob","timestamp":12,"message":"\\ud800"}',
    b"[" * 5000,
])
def test_inner_message_rejects_non_canonical(data):
    with pytest.raises(ValueError):
        inner.decode(data)


# -- sealing refuses --------------------------------------------------------------

def test_seal_accepts_exactly_max_inner_bytes():
    room = MAX_INNER_BYTES - len(inner.encode("alice", "bob", NOW, ""))
    assert open_as(seal("x" * room)).text == "x" * room
    with pytest.raises(ValueError, match="too long"):
        seal("x" * (room + 1))


@pytest.mark.parametrize("kwargs", [
    {"timestamp": -1}, {"timestamp": MAX_TIMESTAMP + 1}, {"timestamp": True},
    {"timestamp": 1.0}, {"text": b"bytes"}, {"text": "\ud800"},
])
def test_seal_refuses_bad_inputs(kwargs):
    with pytest.raises(ValueError):
        seal(**kwargs)


@pytest.mark.parametrize("name", ["Bob", "bo", "b" * 33, "bob!", "bób"])
def test_seal_refuses_bad_usernames(name):
    with pytest.raises(ValueError):
        envelope.seal(name, ALICE.sign_seed, "bob", BOB.message_public, "x", NOW)
    with pytest.raises(ValueError):
        envelope.seal("alice", ALICE.sign_seed, name, BOB.message_public, "x", NOW)


@pytest.mark.parametrize("u", [0, 1, P - 1, P, P + 1])
def test_seal_refuses_low_order_recipient_key(u):
    with pytest.raises(ValueError):
        envelope.seal("alice", ALICE.sign_seed, "bob", u.to_bytes(32, "little"), "x", NOW)


def test_seal_refuses_wrong_key_sizes():
    with pytest.raises(ValueError):
        envelope.seal("alice", ALICE.sign_seed[:31], "bob", BOB.message_public, "x", NOW)
    with pytest.raises(ValueError):
        envelope.seal_with("alice", ALICE.sign_seed, "bob", BOB.message_public, "x", NOW,
                           bytes(32), bytes(32), bytes(15))


# -- opening: one test per error class --------------------------------------------

@pytest.mark.parametrize("frame", [
    b"", b"{}", b"[]", b"null", b"\xff", b"x" * 5000,
    b'{"cipherkey":"","ciphertext":"","signature":""}',
])
def test_format_error(frame):
    with pytest.raises(FormatError):
        open_as(frame)


def test_format_error_for_each_member_changed():
    value = json.loads(seal())
    for name in value:
        for bad in (None, 1, value[name] + "A", value[name][:-4], " " + value[name]):
            broken = dict(value, **{name: bad})
            with pytest.raises(FormatError):
                open_as(json.dumps(broken).encode())


def test_open_accepts_str_frames_and_any_member_order():
    value = json.loads(seal("text"))
    reordered = json.dumps(dict(reversed(list(value.items()))), indent=2)
    assert open_as(reordered).text == "text"


def test_authentication_error_for_another_key_holder():
    frame = seal("secret words", to=BOB)
    with pytest.raises(AuthenticationError) as failure:
        open_as(frame, receiver=CAROL)
    assert "secret" not in str(failure.value)


def test_authentication_error_for_every_flipped_bit_position_sampled():
    frame = bytearray(seal())
    value = json.loads(frame)
    for name in value:
        raw = bytearray(base64.b64decode(value[name]))
        for index in range(1, len(raw), 7):
            raw[index] ^= 0x80
            broken = dict(value, **{name: base64.b64encode(raw).decode()})
            with pytest.raises(AuthenticationError):
                open_as(json.dumps(broken).encode())
            raw[index] ^= 0x80


def test_unknown_sender():
    with pytest.raises(UnknownSenderError):
        open_as(seal(), keys_for={"carol": CAROL.sign_public}.get)


def test_wrong_sender_key_is_authentication_error():
    with pytest.raises(AuthenticationError):
        open_as(seal(), keys_for={"alice": CAROL.sign_public}.get)


def test_recipient_error():
    frame = envelope.seal("alice", ALICE.sign_seed, "carol", BOB.message_public, "x", NOW)
    with pytest.raises(RecipientError):
        open_as(frame, receiver=BOB)


@pytest.mark.parametrize("timestamp, ok", [
    (NOW - MAX_AGE_MS, True), (NOW - MAX_AGE_MS - 1, False),
    (NOW + MAX_SKEW_MS, True), (NOW + MAX_SKEW_MS + 1, False),
])
def test_timestamp_window(timestamp, ok):
    frame = seal(timestamp=timestamp)
    if ok:
        assert open_as(frame).timestamp == timestamp
    else:
        with pytest.raises(TimestampError):
            open_as(frame)


def test_replay_error_only_with_a_cache():
    frame = seal()
    cache = ReplayCache()
    open_as(frame, replay=cache)
    with pytest.raises(ReplayError):
        open_as(frame, replay=cache)
    assert open_as(frame).text == "hi"
    assert open_as(seal(), replay=cache).text == "hi"


def test_every_error_is_a_protocol_error_and_carries_no_context():
    for frame, receiver in ((b"[]", BOB), (seal("private"), CAROL)):
        with pytest.raises(ProtocolError) as failure:
            open_as(frame, receiver=receiver)
        assert failure.value.__cause__ is None and "private" not in str(failure.value)


# -- keys, X25519, HKDF ------------------------------------------------------------

def test_keys_generate():
    drawn = []

    def random(n):
        drawn.append(n)
        return bytes([len(drawn)]) * n

    message_secret, message_public, sign_seed, sign_public = keys.generate(random)
    assert drawn == [32, 32]
    assert (message_secret, sign_seed) == (b"\1" * 32, b"\2" * 32)
    assert message_public == x25519.public_key(message_secret)
    assert sign_public == signing.public_key(sign_seed)
    assert message_public != sign_public
    fresh = keys.generate()
    assert all(len(k) == 32 for k in fresh) and fresh != keys.generate()


def test_generated_keys_work_together():
    secret, public, seed, sign_public = keys.generate()
    frame = envelope.seal("dave", seed, "dave", public, "note to self", NOW)
    assert envelope.open_frame(frame, "dave", secret, {"dave": sign_public}.get, NOW).text == "note to self"


@pytest.mark.parametrize("k, u, out", [
    # RFC 7748 §5.2
    ("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
     "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
     "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"),
    ("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
     "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
     "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"),
])
def test_x25519_rfc7748(k, u, out):
    assert x25519.x25519(bytes.fromhex(k), bytes.fromhex(u)).hex() == out


def test_x25519_rfc7748_diffie_hellman():
    a = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    b = bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    assert x25519.public_key(a).hex() == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    assert x25519.x25519(a, x25519.public_key(b)).hex() == shared
    assert x25519.x25519(b, x25519.public_key(a)).hex() == shared


@pytest.mark.parametrize("u", [
    0, 1, P - 1, P, P + 1, (1 << 255) + 1,
    325606250916557431795983626356110631294008115727848805560023387167927233504,
    39382357235489614581723060781553021112529911719440698176882885853963445705823,
])
def test_x25519_low_order_points(u):
    with pytest.raises(ValueError):
        x25519.x25519(b"\x07" * 32, (u % 2**256).to_bytes(32, "little"))


def test_kdf_rfc_vectors():
    # RFC 5869 A.1 and RFC 4231 test case 2
    okm = kdf.hkdf(b"\x0b" * 22, bytes(range(13)), bytes(range(0xF0, 0xFA)), 42)
    assert okm.hex() == ("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c"
                         "5db02d56ecc4c5bf34007208d5b887185865")
    assert kdf.hmac_sha256(b"Jefe", b"what do ya want for nothing?").hex() == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")


def test_hkdf_empty_salt_is_hashlen_zeros():
    # RFC 5869 A.3
    okm = kdf.hkdf(b"\x0b" * 22, b"", b"", 42)
    assert okm.hex() == ("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879e"
                         "c3454e5f3c738d2d9d201395faa4b61a96c8")


# -- replay cache ------------------------------------------------------------------

def sig(n):
    return n.to_bytes(64, "big")


def test_replay_cache_rejects_repeats():
    cache = ReplayCache()
    cache.accept(sig(1), NOW, NOW)
    with pytest.raises(ReplayError):
        cache.accept(sig(1), NOW, NOW)
    cache.accept(sig(2), NOW, NOW)
    assert len(cache) == 2


def test_replay_cache_floor_after_eviction():
    cache = ReplayCache(capacity=3)
    for n, ts in ((1, NOW - 30), (2, NOW - 10), (3, NOW - 20)):
        cache.accept(sig(n), ts, NOW)
    assert cache.floor < 0
    cache.accept(sig(4), NOW - 5, NOW)          # evicts ts NOW - 30
    assert (len(cache), cache.floor) == (3, NOW - 30)
    with pytest.raises(ReplayError):
        cache.accept(sig(1), NOW - 30, NOW)      # evicted, caught by the floor
    with pytest.raises(ReplayError):
        cache.accept(sig(9), NOW - 31, NOW)      # never seen, but at or below the floor
    with pytest.raises(ReplayError):
        cache.accept(sig(2), NOW - 10, NOW)      # still held
    cache.accept(sig(5), NOW - 29, NOW)          # above the floor, but now the oldest: evicted itself
    assert (len(cache), cache.floor) == (3, NOW - 29)
    with pytest.raises(ReplayError):
        cache.accept(sig(5), NOW - 29, NOW)
    cache.accept(sig(6), NOW - 1, NOW)           # evicts NOW - 20
    assert cache.floor == NOW - 20
    with pytest.raises(ReplayError):
        cache.accept(sig(3), NOW - 20, NOW)


def test_replay_cache_floor_never_falls():
    cache = ReplayCache(capacity=1)
    cache.accept(sig(1), 100, 100)
    cache.accept(sig(2), 200, 200)
    assert cache.floor == 100
    with pytest.raises(ReplayError):
        cache.accept(sig(3), 50, 200)
    assert cache.floor == 100


def test_replay_cache_forgets_expired_entries_without_a_floor():
    cache = ReplayCache(capacity=2)
    cache.accept(sig(1), NOW, NOW)
    later = NOW + MAX_AGE_MS + 1
    cache.accept(sig(2), later, later)
    cache.accept(sig(3), later + 1, later)
    assert (len(cache), cache.floor) == (2, -1)


def test_replay_cache_survives_json():
    cache = ReplayCache(capacity=4)
    for n in range(6):
        cache.accept(sig(n), NOW + n, NOW + 5)
    state = json.loads(json.dumps(cache.to_json()))
    again = ReplayCache.from_json(state, capacity=4)
    assert (len(again), again.floor) == (4, NOW + 1)
    for n in range(6):
        with pytest.raises(ReplayError):
            again.accept(sig(n), NOW + n, NOW)
    smaller = ReplayCache.from_json(state, capacity=2)
    assert smaller.floor == NOW + 3
    for broken in ({}, {"floor": 0}, {"floor": 0, "seen": [1]}, {"floor": 0, "seen": [["zz", 1]]}):
        with pytest.raises(ValueError):
            ReplayCache.from_json(broken)


def test_open_frame_records_into_a_bounded_cache():
    cache = ReplayCache(capacity=1)
    old, new = seal(timestamp=NOW - 1000), seal(timestamp=NOW)
    open_as(old, replay=cache)
    open_as(new, replay=cache)
    with pytest.raises(ReplayError):
        open_as(old, replay=cache)


# -- key-server answers --------------------------------------------------------------

SERVER_SEED = b"\x42" * 32
SERVER_PUBLIC = signing.public_key(SERVER_SEED)


def answer_for(name, message_public=BOB.message_public, sign_public=BOB.sign_public,
               signed_name=None):
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return {
        "response": {"username": name, "public_key_message": b64(message_public),
                     "public_key_sign": b64(sign_public), "note": "unsigned extra"},
        "signature": directory.sign_lookup(SERVER_SEED, signed_name or name,
                                           message_public, sign_public),
    }


def test_verify_lookup_accepts_a_signed_answer():
    assert directory.verify_lookup(answer_for("bob"), "bob", SERVER_PUBLIC) == (
        BOB.message_public, BOB.sign_public)


def test_verify_lookup_rejects_an_answer_for_another_username():
    with pytest.raises(DirectoryError):
        directory.verify_lookup(answer_for("carol"), "bob", SERVER_PUBLIC)
    forged = answer_for("carol")
    forged["response"]["username"] = "bob"
    with pytest.raises(DirectoryError):
        directory.verify_lookup(forged, "bob", SERVER_PUBLIC)


@pytest.mark.parametrize("change", [
    lambda a: a["response"].update(public_key_message=base64.b64encode(CAROL.message_public).decode()),
    lambda a: a["response"].update(public_key_sign=base64.b64encode(CAROL.sign_public).decode()),
    lambda a: a["response"].update(public_key_sign="AAAA"),
    lambda a: a["response"].update(public_key_sign="not base64!"),
    lambda a: a["response"].pop("public_key_message"),
    lambda a: a.update(signature=a["signature"][:-4]),
    lambda a: a.pop("signature"),
    lambda a: a.update(response=[]),
])
def test_verify_lookup_rejects_altered_answers(change):
    answer = answer_for("bob")
    change(answer)
    with pytest.raises(DirectoryError):
        directory.verify_lookup(answer, "bob", SERVER_PUBLIC)


def test_verify_lookup_rejects_another_server_key():
    with pytest.raises(DirectoryError):
        directory.verify_lookup(answer_for("bob"), "bob", signing.public_key(b"\x43" * 32))


def test_a_flood_of_future_dated_messages_does_not_refuse_honest_ones():
    """A registered user (carol) fills the listener's cache (capacity + 1 frames
    dated MAX_SKEW_MS ahead): the floor stops at the receiver's clock, so alice's
    next message is accepted, also by the cache saved and loaded again."""
    from host_tools.messaging import REPLAY_CAPACITY
    cache = ReplayCache(REPLAY_CAPACITY)
    for n in range(REPLAY_CAPACITY + 1):
        frame = seal("flood %d" % n, NOW + MAX_SKEW_MS, sender=CAROL)
        open_as(frame, replay=cache)
    assert cache.floor <= NOW
    restarted = ReplayCache.from_json(json.loads(json.dumps(cache.to_json())), REPLAY_CAPACITY)
    for replay in (cache, restarted):
        assert open_as(seal("honest", NOW + 1), now=NOW + 1, replay=replay).text == "honest"


def _noncanonical(text):
    """The same bytes in b64 with non-zero padding bits (a 32-byte key ends 'X=')."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return text[:-2] + alphabet[alphabet.index(text[-2]) | 1] + "="


@pytest.mark.parametrize("field", ["public_key_message", "public_key_sign"])
def test_verify_lookup_rejects_non_canonical_base64_as_the_boards_do(field):
    """PROTOCOL.md §10: the fields are canonical b64; a non-canonical spelling of
    the signed bytes is refused (the firmware always did)."""
    answer = answer_for("bob")
    answer["response"][field] = _noncanonical(answer["response"][field])
    assert base64.b64decode(answer["response"][field]) == base64.b64decode(answer_for("bob")["response"][field])
    with pytest.raises(DirectoryError, match="canonical"):
        directory.verify_lookup(answer, "bob", SERVER_PUBLIC)
