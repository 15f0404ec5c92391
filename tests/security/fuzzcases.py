"""Hostile frames for the fuzz tests of both `open_frame`s.

A fixed cast (keys from fixed seeds), a few valid frames sealed among it by the
host, and hypothesis strategies that mutate them: bit flips, truncation, field
swaps, huge values, deep nesting, wrong types, invalid UTF-8, edits of the
decoded binary fields, non-canonical base64, harmless JSON rewrites, and
*forged* frames whose MAC is valid but whose inner message is whatever the
strategy chose (so the checks after the MAC are reached too).

Each strategy yields a Case. `expect` is the outcome the spec dictates when the
construction fixes it ("ok" or an error class name), else None; `base` is the
message a frame that still opens must give (mutations cannot make a new one).
"""
import base64
import hashlib
import json
from typing import NamedTuple, Optional

from Crypto.Cipher import AES
from hypothesis import strategies as st

from host_tools.protocol import envelope, inner, signing, x25519
from host_tools.protocol.constants import (
    MAX_AGE_MS, MAX_FRAME_BYTES, MAX_INNER_BYTES, MAX_SKEW_MS, USERNAME_RE,
)
from host_tools.protocol.errors import ERROR_CLASSES, ProtocolError
from host_tools.protocol.replay import ReplayCache

NOW = 1_750_000_000_000
ME = "bob"
OUTCOMES = set(ERROR_CLASSES) | {"ok"}


def _seed(tag):
    return hashlib.sha256(b"nes fuzz cast " + tag.encode()).digest()


class Person(NamedTuple):
    name: str
    message_secret: bytes
    message_public: bytes
    sign_seed: bytes
    sign_public: bytes


def _person(name):
    m, s = _seed(name + " m"), _seed(name + " s")
    return Person(name, m, x25519.public_key(m), s, signing.public_key(s))


ALICE, BOB, CAROL, EVE = (_person(n) for n in ("alice", "bob", "carol", "eve"))
DIRECTORY = {p.name: p.sign_public for p in (ALICE, BOB, CAROL)}  # eve is unknown
FIELDS = envelope.FIELDS


class Case(NamedTuple):
    kind: str
    frame: bytes
    expect: Optional[str] = None
    base: Optional[envelope.Message] = None


def _seal(sender, text, ts, n):
    rnd = hashlib.sha512(b"nes fuzz base %d" % n).digest()
    frame = envelope.seal_with(sender.name, sender.sign_seed, ME, BOB.message_public, text, ts,
                               rnd[:32], rnd[32:64], rnd[:16])
    return frame, envelope.Message(sender.name, ME, ts, text)


def _longest_text():
    room = MAX_INNER_BYTES - len(inner.encode("alice", ME, NOW - 5, ""))
    return "z" * room


BASES = [
    _seal(ALICE, "hello bob", NOW - 1_000, 0),
    _seal(ALICE, "", NOW - 60_000, 1),
    _seal(CAROL, 'caf\u00e9 \u2603 "quoted" \\ \n\t\x01 \U0001f600 </>', NOW + 1_000, 2),
    _seal(ALICE, _longest_text(), NOW - 5, 3),
]
assert all(len(f) <= MAX_FRAME_BYTES for f, _ in BASES)


def open_host(frame):
    """Open on the host as `bob`; return "ok", the error class name, or raise anything else."""
    try:
        msg = envelope.open_frame(frame, ME, BOB.message_secret, DIRECTORY.get, NOW, ReplayCache())
    except ProtocolError as exc:
        return type(exc).__name__, None
    return "ok", msg


def check_outcome(case, outcome, message):
    """The failure text for a case whose outcome breaks the rules, else None."""
    if outcome not in OUTCOMES:
        return "undocumented outcome %s" % outcome
    if case.expect is not None and outcome != case.expect:
        return "expected %s, got %s" % (case.expect, outcome)
    if outcome == "ok" and case.base is not None and tuple(message) != tuple(case.base):
        return "a mutated frame opened to a different message"
    return None


# -- frame surgery -------------------------------------------------------------

def _fields(frame):
    return json.loads(frame)


def _dump(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def _b64(raw):
    return base64.b64encode(raw).decode()


_base = st.sampled_from(BASES)


@st.composite
def bitflips(draw):
    frame, msg = draw(_base)
    data = bytearray(frame)
    for _ in range(draw(st.integers(1, 3))):
        data[draw(st.integers(0, len(data) - 1))] ^= 1 << draw(st.integers(0, 7))
    return Case("bitflip", bytes(data), None, msg)


@st.composite
def truncations(draw):
    frame, _ = draw(_base)
    return Case("truncate", frame[:draw(st.integers(0, len(frame) - 1))], "FormatError")


@st.composite
def field_swaps(draw):
    frame, msg = draw(_base)
    obj = _fields(frame)
    how = draw(st.sampled_from(["values", "rename", "drop", "extra", "duplicate"]))
    a, b = draw(st.permutations(FIELDS))[:2]
    if how == "values":
        obj[a], obj[b] = obj[b], obj[a]
        return Case("swap-values", _dump(obj), None, msg)
    if how == "rename":
        obj[draw(st.sampled_from(["Cipherkey", "cipher_key", "sig", "", "cipherkey "]))] = obj.pop(a)
        return Case("swap-rename", _dump(obj), "FormatError")
    if how == "drop":
        del obj[a]
        return Case("swap-drop", _dump(obj), "FormatError")
    if how == "extra":
        obj[draw(st.sampled_from(["from", "to", "x", "signature2"]))] = obj[a]
        return Case("swap-extra", _dump(obj), "FormatError")
    # A second member of the same name in front. JSON parsers differ on which
    # one wins, so "exactly these members" (§7 step 2) has to refuse it.
    text = frame.decode()
    dup = '"%s":"%s",' % (a, obj[b])
    return Case("swap-duplicate", ("{" + dup + text[1:]).encode(), "FormatError")


_HUGE = st.one_of(
    st.integers(MAX_FRAME_BYTES + 1, 3 * MAX_FRAME_BYTES).map(lambda n: "A" * n),
    st.integers(10**20, 10**400),
    st.sampled_from([1e308, -1e308, 2**64, -(2**63) - 1]),
    st.integers(100, 4300).map(lambda n: "9" * n),
    st.integers(4000, 4400).map(lambda n: "QUFB" * (n // 4)),
)


@st.composite
def huge_values(draw):
    frame, _ = draw(_base)
    obj = _fields(frame)
    if draw(st.booleans()):
        obj[draw(st.sampled_from(FIELDS))] = draw(_HUGE)
        return Case("huge-value", _dump(obj), "FormatError")
    # A number literal far beyond any integer type, spliced in raw.
    digits = draw(st.integers(300, 4500))
    name = draw(st.sampled_from(FIELDS))
    obj[name] = 0
    raw = _dump(obj).replace(b'"%s":0' % name.encode(), b'"%s":%s' % (name.encode(), b"7" * digits))
    return Case("huge-number", raw, "FormatError")


@st.composite
def deep_nesting(draw):
    depth = draw(st.integers(1, 2300))
    opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
    nest = opener * depth + b"0" + closer * depth
    if draw(st.booleans()):
        nest = nest[: draw(st.integers(1, len(nest)))]  # unbalanced too
    frame, _ = draw(_base)
    obj = _fields(frame)
    name = draw(st.sampled_from(FIELDS + ("",)))
    if name == "":
        return Case("deep-nesting", nest, "FormatError")
    obj[name] = 0
    return Case("deep-nesting", _dump(obj).replace(b'"%s":0' % name.encode(), b'"%s":%s' % (name.encode(), nest)),
                "FormatError")


_WRONG = st.sampled_from([0, -1, 1.5, True, False, None, [], {}, ["AQ=="], {"a": "AQ=="}, "", " "])


@st.composite
def wrong_types(draw):
    frame, _ = draw(_base)
    obj = _fields(frame)
    where = draw(st.sampled_from(FIELDS + ("top",)))
    if where == "top":
        top = draw(st.sampled_from([list(obj.values()), list(obj.items()), obj["cipherkey"], 65, None, True]))
        return Case("wrong-type", _dump(top), "FormatError")
    value = draw(_WRONG)
    obj[where] = value
    return Case("wrong-type", _dump(obj), "FormatError")


_BAD_UTF8 = [b"\xff", b"\xfe", b"\x80", b"\xc0\xaf", b"\xc1\xbf", b"\xe0\x80\xaf", b"\xed\xa0\x80",
             b"\xed\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xe2\x82", b"\xf0\x9f\x98"]


@st.composite
def invalid_utf8(draw):
    frame, _ = draw(_base)
    pos = draw(st.integers(0, len(frame)))
    bad = draw(st.sampled_from(_BAD_UTF8))
    if draw(st.booleans()):  # inside a string value, where lenient decoders would keep it
        pos = frame.index(b'":"') + 3 + draw(st.integers(0, 80))
    return Case("invalid-utf8", frame[:pos] + bad + frame[pos:], "FormatError")


@st.composite
def escaped_chars(draw):
    frame, _ = draw(_base)
    obj = _fields(frame)
    name = draw(st.sampled_from(FIELDS))
    text = _dump(obj).decode()
    marker = '"%s":"' % name
    cut = text.index(marker) + len(marker) + draw(st.integers(0, 60))
    esc = draw(st.sampled_from(["\\ud800", "\\udfff", "\\ud83d", "\\u0000", "\\u00e9"]))
    return Case("escaped-char", (text[:cut] + esc + text[cut:]).encode(), "FormatError")


# Points of order 1, 2, 4 or 8 (and their non-canonical encodings): X25519 gives 0.
LOW_ORDER = [bytes(32), (1).to_bytes(32, "little"), ((1 << 255) - 20).to_bytes(32, "little"),
             ((1 << 255) - 19).to_bytes(32, "little"), ((1 << 255) - 18).to_bytes(32, "little"),
             bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
             bytes.fromhex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157")]


def _binary_expect(obj):
    ck, ct, sg = (base64.b64decode(obj[n]) for n in FIELDS)
    n = len(ct)
    ok_format = (len(ck) == 65 and len(sg) == 65 and 65 <= n <= 49 + MAX_INNER_BYTES + 16
                 and (n - 49) % 16 == 0 and ck[0] == ct[0] == sg[0] == 1
                 and len(_dump(obj)) <= MAX_FRAME_BYTES)
    return "AuthenticationError" if ok_format else "FormatError"


@st.composite
def binary_edits(draw):
    """Decode one field, change its bytes, re-encode canonically: the MAC must catch it."""
    frame, _ = draw(_base)
    obj = _fields(frame)
    name = draw(st.sampled_from(FIELDS))
    raw = bytearray(base64.b64decode(obj[name]))
    how = draw(st.sampled_from(["flip", "flip", "flip", "version", "grow", "shrink", "low-order"]))
    if how == "flip":
        pos = draw(st.integers(1, len(raw) - 1))
        raw[pos] ^= draw(st.integers(1, 255))
    elif how == "version":
        raw[0] = draw(st.sampled_from([0, 2, 0x81, 0xFF]))
    elif how == "grow":
        raw += bytes(draw(st.sampled_from([1, 15, 16, 32, 48, 64, 3200])))
    elif how == "shrink":
        del raw[-draw(st.sampled_from([1, 16, 17, 32, 48, 64])):]
    else:  # a low-order point as the ephemeral key (§7 step 5)
        name = "cipherkey"
        raw = bytearray(base64.b64decode(obj[name]))
        raw[1:33] = draw(st.sampled_from(LOW_ORDER))
    obj[name] = _b64(bytes(raw))
    return Case("binary-" + how, _dump(obj), _binary_expect(obj), None)


@st.composite
def noncanonical_b64(draw):
    frame, _ = draw(_base)
    obj = _fields(frame)
    name = draw(st.sampled_from(FIELDS))
    value = obj[name]
    how = draw(st.sampled_from(["padbits", "nopad", "extrapad", "space", "newline", "urlsafe", "lower-tail"]))
    if how == "padbits" and value.endswith("="):  # same bytes, an unused low bit of the last symbol set
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        body = value.rstrip("=")
        value = body[:-1] + alphabet[alphabet.index(body[-1]) ^ 1] + value[len(body):]
    elif how == "padbits":
        value += "=="
    elif how == "nopad":
        value = value.rstrip("=") if value.endswith("=") else value[:-1]
    elif how == "extrapad":
        value += "="
    elif how in ("space", "newline"):
        cut = draw(st.integers(1, len(value) - 1))
        value = value[:cut] + (" " if how == "space" else "\n") + value[cut:]
    elif how == "urlsafe":
        value = value.replace("+", "-").replace("/", "_") + ("" if ("+" in value or "/" in value) else "-")
    else:
        value = value[:-4] + "====" if value.endswith("=") else value + "=A=="
    obj[name] = value
    return Case("b64-" + how, _dump(obj), "FormatError")


@st.composite
def json_rewrites(draw):
    """Same members and values, other JSON text: the frame still opens (§6 step 9)."""
    frame, msg = draw(_base)
    obj = _fields(frame)
    order = draw(st.permutations(FIELDS))
    ws = draw(st.sampled_from(["", " ", "\n", "\t", "\r\n  "]))
    parts = []
    for name in order:
        value = obj[name]
        if draw(st.booleans()):
            value = value.replace("/", "\\/")
        if draw(st.booleans()):
            value = "".join("\\u%04x" % ord(c) if c in "AQ" else c for c in value)
        parts.append('%s"%s"%s:%s"%s"%s' % (ws, name, ws, ws, value, ws))
    return Case("json-rewrite", ("{" + ",".join(parts) + "}" + ws).encode(), None, msg)


# -- forged frames: a valid MAC around an inner message chosen here ------------

def forge(plaintext, *, signer=ALICE.sign_seed, claim=None, pad=None, ephemeral_tweak=None, n=0):
    """A frame for `bob` whose MAC and key transport are valid; `claim` is the
    (from, to, timestamp) signed (a wrong one makes the signature fail)."""
    rnd = hashlib.sha512(b"nes fuzz forge %d" % n).digest()
    e, file_key, iv = rnd[:32], rnd[32:], rnd[:16]
    e_pub = x25519.public_key(e)
    z = x25519.x25519(e, BOB.message_public)
    if ephemeral_tweak:
        e_pub = ephemeral_tweak(e_pub)
    cipherkey = b"\x01" + e_pub + envelope.xor(file_key, envelope.key_wrap(z, e_pub, BOB.message_public))
    enc_key, mac_key, sig_pad = envelope.payload_keys(file_key)
    if pad is None:
        k = 16 - len(plaintext) % 16
        pad = bytes([k]) * k
    body = b"\x01" + iv + AES.new(enc_key, AES.MODE_CBC, iv).encrypt(plaintext + pad)
    sender, recipient, ts = claim or ("alice", ME, NOW)
    sig = signing.sign(signer, envelope.signed_bytes(sender, recipient, ts, cipherkey, body))
    signature = b"\x01" + envelope.xor(sig, sig_pad)
    return envelope.encode_frame(cipherkey, body + envelope.frame_tag(mac_key, cipherkey, body, signature), signature)


_NAMES_OK = st.sampled_from(["alice", "carol", "bob", "eve", "dave_01", "x-y"])
_NAMES_BAD = st.sampled_from(["Alice", "al", "a" * 33, "", "al ice", "\u00e5lice", "alice\n", 7, None, ["alice"]])
_TS_OK = st.sampled_from([NOW, NOW - 1, NOW - MAX_AGE_MS, NOW + MAX_SKEW_MS, 0, NOW - MAX_AGE_MS - 1,
                          NOW + MAX_SKEW_MS + 1, 2**53 - 1])
_TS_BAD = st.sampled_from([-1, 2**53, 2**64, 1.5, "1750000000000", True, None, 1e12])
_TEXT = st.one_of(st.text(max_size=40), st.sampled_from(["", "\x00", "\ud800", "\x7f\u2028", "a" * 3000]))
_TEXT_BAD = st.sampled_from([1, None, ["x"], {"a": 1}, True])


def _render(value):
    if isinstance(value, str):
        return inner.json_string(value)
    return json.dumps(value)


@st.composite
def forged(draw):
    n = draw(st.integers(0, 2**16))
    sender = draw(st.one_of(_NAMES_OK, _NAMES_OK, _NAMES_BAD))
    to = draw(st.one_of(st.just(ME), st.just(ME), _NAMES_OK, _NAMES_BAD))
    ts = draw(st.one_of(st.just(NOW - 1000), _TS_OK, _TS_BAD))
    text = draw(st.one_of(_TEXT, _TEXT, _TEXT, _TEXT_BAD))
    values = {"from": sender, "to": to, "timestamp": ts, "message": text}
    valid = all(isinstance(v, str) and USERNAME_RE.match(v) for v in (sender, to)) \
        and type(ts) is int and 0 <= ts <= 2**53 - 1 and isinstance(text, str)
    shape = draw(st.sampled_from(["canonical"] * 6 + ["spaces", "reorder", "extra", "missing", "ascii-escape",
                                                      "upper-hex", "raw-bytes", "deep", "bad-utf8"]))
    members = ["from", "to", "timestamp", "message"]
    sep = ","
    if shape == "spaces":
        sep = ", "
    elif shape == "reorder":
        members = draw(st.permutations(members).filter(lambda m: m != ["from", "to", "timestamp", "message"]))
    elif shape == "extra":
        values["x"] = 1
        members.append("x")
    elif shape == "missing":
        members.remove(draw(st.sampled_from(members)))
    body = "{" + sep.join('"%s":%s' % (m, _render(values[m])) for m in members) + "}"
    if shape == "ascii-escape":
        body = body.replace('"message":"', '"message":"\\u0041', 1) if isinstance(text, str) else body + " "
    elif shape == "upper-hex":  # U+001F escaped with upper-case hex, not the canonical \u001f
        body = body.replace('"message":"', '"message":"\\u001F', 1) if isinstance(text, str) else body + "\n"
    try:
        plaintext = body.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: send its UTF-8-like bytes, invalid UTF-8
        plaintext = body.encode("utf-8", "surrogatepass")
        valid = False
    if shape == "raw-bytes":
        plaintext = draw(st.binary(max_size=200))
    elif shape == "deep":
        depth = draw(st.integers(1, 1500))
        plaintext = b"[" * depth + b"]" * depth
    elif shape == "bad-utf8":
        cut = draw(st.integers(0, len(plaintext)))
        plaintext = plaintext[:cut] + draw(st.sampled_from(_BAD_UTF8)) + plaintext[cut:]
    if len(plaintext) > MAX_INNER_BYTES + 15:
        plaintext = plaintext[:MAX_INNER_BYTES]
        valid = False
    valid = valid and shape == "canonical" and len(plaintext) <= MAX_INNER_BYTES

    signer_name = draw(st.sampled_from(["claimed"] * 4 + ["alice", "eve"]))
    signer = {"alice": ALICE, "eve": EVE}.get(signer_name) or {"alice": ALICE, "bob": BOB, "carol": CAROL}.get(
        sender if isinstance(sender, str) else "", EVE)
    claim = (sender, to, ts) if valid else ("alice", ME, NOW)
    pad = None
    bad_pad = draw(st.integers(0, 9)) == 0
    if bad_pad:
        k = 16 - len(plaintext) % 16
        pad = draw(st.sampled_from([bytes(k - 1) + b"\x00", bytes([k]) * (k - 1) + bytes([k + 1]),
                                    bytes([17]) * k if k == 16 else bytes([k ^ 0x10]) * k]))
    tweak = _top_bit_set if draw(st.integers(0, 19)) == 0 else None
    frame = forge(plaintext, signer=signer.sign_seed, claim=claim, pad=pad, ephemeral_tweak=tweak, n=n)
    return Case("forged-" + shape, frame, _forged_expect(bad_pad, valid, sender, to, ts, signer))


def _top_bit_set(public):
    """The same X25519 point with bit 255 set: RFC 7748 ignores it, while the
    HKDF salt keeps the raw bytes, so a frame made with it is still valid."""
    return public[:31] + bytes([public[31] | 0x80])


def _forged_expect(bad_pad, valid, sender, to, ts, signer):
    if bad_pad or not valid:
        return "AuthenticationError"
    if sender not in DIRECTORY:
        return "UnknownSenderError"
    if signer.sign_public != DIRECTORY[sender]:
        return "AuthenticationError"
    if to != ME:
        return "RecipientError"
    if NOW - ts > MAX_AGE_MS or ts - NOW > MAX_SKEW_MS:
        return "TimestampError"
    return "ok"


def frame_cases():
    """Every mutation family; cheap early failures are the majority."""
    return st.one_of(
        bitflips(), truncations(), field_swaps(), huge_values(), deep_nesting(), wrong_types(),
        invalid_utf8(), escaped_chars(), binary_edits(), noncanonical_b64(), json_rewrites(), forged(),
    )
