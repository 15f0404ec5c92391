"""Sealing and opening nes/1 frames (docs/PROTOCOL.md §6 and §7).

The small public helpers (key_wrap, payload_keys, signed_bytes, frame_tag,
encode_frame) are the steps of §6, shared with the vector generator that
builds deliberately broken frames."""
import base64
import binascii
import hmac
import json
import os
from typing import NamedTuple

from Crypto.Cipher import AES
from Crypto.Util.Padding import pad, unpad

from . import inner, kdf, signing, x25519
from .constants import (
    CIPHERKEY_BYTES, CIPHERKEY_INFO, IV_BYTES, KEY_BYTES, MAX_AGE_MS,
    MAX_FRAME_BYTES, MAX_INNER_BYTES, MAX_SKEW_MS, PAYLOAD_INFO,
    SIGNATURE_FIELD_BYTES, SIGNATURE_LABEL, TAG_BYTES, BODY_OVERHEAD, VERSION,
)
from .errors import (
    AuthenticationError, FormatError, RecipientError, TimestampError,
    UnknownSenderError,
)

FIELDS = ("cipherkey", "ciphertext", "signature")
_V = bytes([VERSION])
_BLOCK = 16
_MIN_CIPHERTEXT = BODY_OVERHEAD + _BLOCK
_MAX_CIPHERTEXT = BODY_OVERHEAD + MAX_INNER_BYTES + _BLOCK


class Message(NamedTuple):
    sender: str
    recipient: str
    timestamp: int
    text: str


def xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def key_wrap(z, ephemeral_public, recipient_public):
    """w, the pad over the message key in the cipherkey (§6 step 2)."""
    return kdf.hkdf(z, ephemeral_public + recipient_public, CIPHERKEY_INFO, KEY_BYTES)


def payload_keys(file_key):
    """(enc_key, mac_key, sig_pad) of a message key (§6 step 4)."""
    k = kdf.hkdf(file_key, b"", PAYLOAD_INFO, 128)
    return k[:32], k[32:64], k[64:]


def signed_bytes(sender, recipient, timestamp, cipherkey, body):
    """The bytes the sender signs (§6 step 6)."""
    frm, to = sender.encode("ascii"), recipient.encode("ascii")
    return (SIGNATURE_LABEL + bytes([len(frm)]) + frm + bytes([len(to)]) + to
            + timestamp.to_bytes(8, "big") + cipherkey + body)


def frame_tag(mac_key, cipherkey, body, signature):
    return kdf.hmac_sha256(mac_key, cipherkey + body + signature)


def encode_frame(cipherkey, ciphertext, signature):
    """The frame text senders produce (§6 step 9), as UTF-8 bytes."""
    values = (cipherkey, ciphertext, signature)
    return ("{" + ",".join(
        '"%s":"%s"' % (name, base64.b64encode(value).decode("ascii"))
        for name, value in zip(FIELDS, values)
    ) + "}").encode("ascii")


def _need(value, size, what):
    if not isinstance(value, (bytes, bytearray)) or len(value) != size:
        raise ValueError("%s must be %d bytes" % (what, size))


def seal_with(sender, sign_seed, recipient, recipient_message_public, text,
              timestamp_ms, ephemeral, file_key, iv):
    """Seal with explicit ephemeral secret, message key and iv; returns the frame bytes.

    Raises ValueError for bad inputs, an inner message over MAX_INNER_BYTES or a
    low-order recipient key."""
    _need(sign_seed, KEY_BYTES, "sign_seed")
    _need(recipient_message_public, KEY_BYTES, "recipient_message_public")
    _need(ephemeral, KEY_BYTES, "ephemeral")
    _need(file_key, KEY_BYTES, "file_key")
    _need(iv, IV_BYTES, "iv")
    plaintext = inner.encode(sender, recipient, timestamp_ms, text)
    if len(plaintext) > MAX_INNER_BYTES:
        raise ValueError("message too long: inner message over %d bytes" % MAX_INNER_BYTES)
    recipient_public = bytes(recipient_message_public)
    ephemeral_public = x25519.public_key(ephemeral)
    z = x25519.x25519(ephemeral, recipient_public)
    cipherkey = _V + ephemeral_public + xor(file_key, key_wrap(z, ephemeral_public, recipient_public))
    enc_key, mac_key, sig_pad = payload_keys(file_key)
    body = _V + bytes(iv) + AES.new(enc_key, AES.MODE_CBC, bytes(iv)).encrypt(pad(plaintext, _BLOCK))
    sig = signing.sign(bytes(sign_seed), signed_bytes(sender, recipient, timestamp_ms, cipherkey, body))
    signature = _V + xor(sig, sig_pad)
    return encode_frame(cipherkey, body + frame_tag(mac_key, cipherkey, body, signature), signature)


def seal(sender, sign_seed, recipient, recipient_message_public, text, timestamp_ms,
         random=os.urandom):
    """Seal `text` from `sender` to `recipient`; returns the frame bytes (§6)."""
    ephemeral = random(KEY_BYTES)
    file_key = random(KEY_BYTES)
    iv = random(IV_BYTES)
    return seal_with(sender, sign_seed, recipient, recipient_message_public, text,
                     timestamp_ms, ephemeral, file_key, iv)


def _b64(value):
    """Canonical b64 only (§7 step 3): decoding and re-encoding gives `value` back."""
    try:
        raw = binascii.a2b_base64(value.encode("ascii"))
    except (UnicodeEncodeError, binascii.Error):
        raise FormatError("field is not base64") from None
    if base64.b64encode(raw).decode("ascii") != value:
        raise FormatError("field is not canonical base64")
    return raw


def _members(pairs):
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise ValueError("duplicate member")
    return dict(pairs)


def parse_frame(frame):
    """(cipherkey, ciphertext, signature) of a well-formed frame; FormatError otherwise (§7 steps 1-4)."""
    if isinstance(frame, str):
        frame = frame.encode("utf-8", "surrogatepass")
    if len(frame) > MAX_FRAME_BYTES:
        raise FormatError("frame longer than %d bytes" % MAX_FRAME_BYTES)
    try:
        value = json.loads(bytes(frame).decode("utf-8"), object_pairs_hook=_members)
    except (ValueError, RecursionError):
        raise FormatError("frame is not UTF-8 JSON") from None
    if not isinstance(value, dict) or set(value) != set(FIELDS):
        raise FormatError("frame members are not exactly cipherkey, ciphertext, signature")
    if not all(isinstance(value[name], str) for name in FIELDS):
        raise FormatError("frame member is not a string")
    cipherkey, ciphertext, signature = (_b64(value[name]) for name in FIELDS)
    n = len(ciphertext)
    if (len(cipherkey) != CIPHERKEY_BYTES or len(signature) != SIGNATURE_FIELD_BYTES
            or not _MIN_CIPHERTEXT <= n <= _MAX_CIPHERTEXT or (n - BODY_OVERHEAD) % _BLOCK):
        raise FormatError("frame field has a wrong length")
    if cipherkey[0] != VERSION or ciphertext[0] != VERSION or signature[0] != VERSION:
        raise FormatError("frame is not version %d" % VERSION)
    return cipherkey, ciphertext, signature


def _decrypt(message_secret, cipherkey, ciphertext, signature):
    """(plaintext, sig_pad) after key agreement, MAC and padding (§7 steps 5-7)."""
    ephemeral_public = cipherkey[1:33]
    private, recipient_public = x25519.static_key(message_secret)
    try:
        z = x25519.agree(private, ephemeral_public)
    except ValueError:
        raise AuthenticationError("frame cannot be authenticated") from None
    file_key = xor(cipherkey[33:], key_wrap(z, ephemeral_public, recipient_public))
    enc_key, mac_key, sig_pad = payload_keys(file_key)
    body, tag = ciphertext[:-TAG_BYTES], ciphertext[-TAG_BYTES:]
    if not hmac.compare_digest(frame_tag(mac_key, cipherkey, body, signature), tag):
        raise AuthenticationError("frame cannot be authenticated")
    padded = AES.new(enc_key, AES.MODE_CBC, body[1:17]).decrypt(body[17:])
    try:
        return unpad(padded, _BLOCK, style="pkcs7"), sig_pad
    except ValueError:
        raise AuthenticationError("frame cannot be authenticated") from None


def open_frame(frame, me, message_secret, sign_key_for, now_ms, replay=None):
    """Open a received frame for user `me` (§7); returns a Message or raises a ProtocolError."""
    cipherkey, ciphertext, signature = parse_frame(frame)
    _need(message_secret, KEY_BYTES, "message_secret")
    plaintext, sig_pad = _decrypt(bytes(message_secret), cipherkey, ciphertext, signature)
    try:
        sender, recipient, timestamp, text = inner.decode(plaintext)
    except ValueError:
        raise AuthenticationError("frame cannot be authenticated") from None
    sign_public = sign_key_for(sender)
    if sign_public is None:
        raise UnknownSenderError("no signing key for the sender")
    sig = xor(signature[1:], sig_pad)
    body = ciphertext[:-TAG_BYTES]
    if not signing.verify(sign_public, signed_bytes(sender, recipient, timestamp, cipherkey, body), sig):
        raise AuthenticationError("frame cannot be authenticated")
    if recipient != me:
        raise RecipientError("message is addressed to another user")
    if now_ms - timestamp > MAX_AGE_MS or timestamp - now_ms > MAX_SKEW_MS:
        raise TimestampError("message timestamp outside the accepted window")
    if replay is not None:
        replay.accept(sig, timestamp, now_ms)
    return Message(sender, recipient, timestamp, text)
