"""Sealing and opening nes/1 frames (docs/PROTOCOL.md §6 and §7).

open_frame makes the checks of §7 in the spec's order and raises exactly one
error class per failure class; nothing of a failed frame is returned."""
import os
from collections import namedtuple

from ..crypto import aes, b64, ed25519, x25519
from . import inner, outer, utf8
from .constants import (
    BODY_OVERHEAD, CIPHERKEY_BYTES, CIPHERKEY_INFO, IV_BYTES, KEY_BYTES,
    MAX_AGE_MS, MAX_FRAME_BYTES, MAX_INNER_BYTES, MAX_SKEW_MS, PAYLOAD_INFO,
    PAYLOAD_KEY_BYTES, SIGNATURE_FIELD_BYTES, SIGNATURE_LABEL, TAG_BYTES,
    VERSION, BLOCK_BYTES, const,
)
from .errors import (
    AuthenticationError, FormatError, RecipientError, TimestampError,
    UnknownSenderError,
)
from ..crypto.kdf import hkdf, hmac_sha256_parts
from .names import is_username

_FIELDS = (b"cipherkey", b"ciphertext", b"signature")
_MAX_CIPHERTEXT = BODY_OVERHEAD + MAX_INNER_BYTES + BLOCK_BYTES
_DECODED_MAX = const(1024)
_ZERO_KEY = bytes(KEY_BYTES)
_VERSION_BYTE = bytes((VERSION,))
_HEAD = b'{"cipherkey":"'
_MID = b'","ciphertext":"'
_SIG = b'","signature":"'
_TAIL = b'"}'


# An opened, verified message: .sender .recipient .timestamp .text (as on the host).
Message = namedtuple("Message", ("sender", "recipient", "timestamp", "text"))


def _put(view, pos, data):
    end = pos + len(data)
    view[pos:end] = data
    return end


def _xor(a, b):
    n = len(a)
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(n, "big")


def _equal(a, b):
    """Constant-time comparison of two byte strings of public length."""
    if len(a) != len(b):
        return False
    diff = 0
    for i in range(len(a)):
        diff |= a[i] ^ b[i]
    return diff == 0


def _wrap_pad(z, ephemeral_public, message_public):
    """w of §6 step 2: the pad the message key is XORed with."""
    return hkdf(z, ephemeral_public + message_public, CIPHERKEY_INFO, KEY_BYTES)


def _payload_keys(file_key):
    """(enc_key, mac_key, sig_pad) of §6 step 4."""
    k = hkdf(file_key, b"", PAYLOAD_INFO, PAYLOAD_KEY_BYTES)
    return k[:32], k[32:64], k[64:]


def _signed_parts(sender, recipient, timestamp, cipherkey, body):
    """The bytes signed in §6 step 6, as parts hashed in order."""
    src = sender.encode()
    dst = recipient.encode()
    return (SIGNATURE_LABEL, bytes((len(src),)), src, bytes((len(dst),)), dst,
            timestamp.to_bytes(8, "big"), cipherkey, body)


# -- sealing ----------------------------------------------------------------

def _check_seal_inputs(sender, recipient, timestamp, text, keys):
    if not is_username(sender) or not is_username(recipient):
        raise ValueError("sender and recipient must be usernames")
    if not inner.valid_timestamp(timestamp):
        raise ValueError("timestamp out of range")
    if not isinstance(text, str):
        raise ValueError("text must be a str")
    for value, size in keys:
        if len(value) != size:
            raise ValueError("key or nonce of the wrong length")


def seal_with(sender, sign_seed, recipient, recipient_message_public, text,
              timestamp_ms, ephemeral, file_key, iv):
    """The frame (UTF-8, in a bytearray) for the given random inputs e, K, iv (§6)."""
    _check_seal_inputs(sender, recipient, timestamp_ms, text, (
        (sign_seed, KEY_BYTES), (recipient_message_public, KEY_BYTES),
        (ephemeral, KEY_BYTES), (file_key, KEY_BYTES), (iv, IV_BYTES)))
    raw = text.encode("utf-8")
    utf8.check_codes(raw)  # MicroPython encodes lone surrogates without complaint
    n = inner.size(sender, recipient, timestamp_ms, raw)
    if n > MAX_INNER_BYTES:
        raise ValueError("message too long")

    # The whole frame is one buffer, allocated before the curve arithmetic
    # scatters its temporaries over the heap. The binary ciphertext
    # (version, iv, AES-CBC(PKCS7(P)), tag) is built at the tail of the slot
    # its b64 text will fill: P is written and encrypted in place there, and
    # finally encoded in place (see b64.encode_into).
    size = 1 + IV_BYTES + aes.padded_size(n)
    ct_len = size + TAG_BYTES
    ct_at = len(_HEAD) + b64.size(CIPHERKEY_BYTES) + len(_MID)
    ct_end = ct_at + b64.size(ct_len)
    frame = bytearray(ct_end + len(_SIG) + b64.size(SIGNATURE_FIELD_BYTES) + len(_TAIL))
    ct = memoryview(frame)[ct_end - ct_len:ct_end]
    inner.write(ct[1 + IV_BYTES:size], sender, recipient, timestamp_ms, raw)
    raw = None
    aes.pad_tail(ct[:size], 1 + IV_BYTES + n)
    ct[0] = VERSION
    ct[1:1 + IV_BYTES] = iv

    cipherkey, signature = _seal_in_place(
        ct, size, sender, sign_seed, recipient, recipient_message_public,
        timestamp_ms, ephemeral, file_key)
    view = memoryview(frame)
    pos = _put(view, 0, _HEAD)
    pos = _put(view, b64.encode_into(frame, pos, cipherkey), _MID)
    pos = _put(view, b64.encode_into(frame, pos, ct), _SIG)
    _put(view, b64.encode_into(frame, pos, signature), _TAIL)
    ct = view = None
    return frame  # a bytearray: copying it to bytes could need a second contiguous block


def _seal_in_place(ct, size, sender, sign_seed, recipient, recipient_message_public,
                   timestamp_ms, ephemeral, file_key):
    """§6 steps 1-8 on `ct` (version, iv and padded P in place, room for the
    tag): encrypt, sign, MAC; return (cipherkey, signature)."""
    ephemeral_public = x25519.public_key(ephemeral)
    z = x25519.x25519(ephemeral, recipient_message_public)
    if z == _ZERO_KEY:
        raise ValueError("recipient key is a low-order point")
    w = _wrap_pad(z, ephemeral_public, recipient_message_public)
    cipherkey = _VERSION_BYTE + ephemeral_public + _xor(file_key, w)
    enc_key, mac_key, sig_pad = _payload_keys(file_key)
    plain = ct[1 + IV_BYTES:size]
    aes.encrypt_into(enc_key, ct[1:1 + IV_BYTES], plain, plain)
    body = ct[:size]
    sig = ed25519.sign(sign_seed, _signed_parts(sender, recipient, timestamp_ms, cipherkey, body))
    signature = _VERSION_BYTE + _xor(sig, sig_pad)
    ct[size:] = hmac_sha256_parts(mac_key, (cipherkey, body, signature))
    return cipherkey, signature


def seal(sender, sign_seed, recipient, recipient_message_public, text, timestamp_ms,
         random=os.urandom):
    """Seal `text` for `recipient`; e, K and iv are taken from `random` in that order."""
    ephemeral = random(KEY_BYTES)
    file_key = random(KEY_BYTES)
    iv = random(IV_BYTES)
    return seal_with(sender, sign_seed, recipient, recipient_message_public, text,
                     timestamp_ms, ephemeral, file_key, iv)


# -- opening ----------------------------------------------------------------

_own_public = [None, None]  # one-entry cache: message secret -> public key


def _public_of(secret):
    if _own_public[0] != secret:
        _own_public[1] = x25519.public_key(secret)
        _own_public[0] = bytes(secret)
    return _own_public[1]


def _parse_frame(frame):
    """Steps 1-4: (cipherkey, ciphertext reader, its length, signature); the
    reader gives ciphertext bytes start..end as views. A short ciphertext (at
    most _DECODED_MAX bytes) is decoded once: reading it three times (MAC,
    plaintext, signature) in chunks would churn the heap more than holding
    it. A longer one stays b64 in the frame and is decoded in chunks wherever
    it is read, so it never needs a buffer of its own."""
    if isinstance(frame, str):
        try:
            frame = frame.encode("utf-8")
        except UnicodeError:  # CPython: a lone surrogate
            raise FormatError("frame is not UTF-8")
    if len(frame) > MAX_FRAME_BYTES:
        raise FormatError("frame too long")
    try:
        # A byte that is not ASCII breaks the JSON outside a string and is
        # in no name or b64 value inside one: invalid UTF-8 is refused too.
        fields = outer.members(frame, _FIELDS)
    except ValueError:
        raise FormatError("frame is not a JSON object of the three members")
    try:
        cipherkey = b64.decode(fields[0])
        if len(fields[1]) <= b64.size(_DECODED_MAX):
            raw = memoryview(b64.decode(fields[1]))
            n = len(raw)
            ct = lambda start, end: (raw[start:end],)  # noqa: E731
        else:
            n = b64.check(fields[1])
            ct = lambda start, end, text=fields[1]: b64.chunks(text, start, end)  # noqa: E731
        signature = b64.decode(fields[2])
    except ValueError:
        raise FormatError("member is not canonical base64")
    if (len(cipherkey) != CIPHERKEY_BYTES or len(signature) != SIGNATURE_FIELD_BYTES
            or n < BODY_OVERHEAD + BLOCK_BYTES or (n - BODY_OVERHEAD) % BLOCK_BYTES
            or n > _MAX_CIPHERTEXT or cipherkey[0] != VERSION
            or _read(ct, 0, 1)[0] != VERSION or signature[0] != VERSION):
        raise FormatError("bad field length or version")
    return cipherkey, ct, n, signature


def _read(ct, start, end, out=None):
    """Decoded ciphertext bytes start..end, into `out` if given."""
    if out is None:
        out = bytearray(end - start)
    pos = 0
    for piece in ct(start, end):
        pos = _put(out, pos, piece)
    return out


def _mac_input(cipherkey, body, signature):
    yield cipherkey
    yield from body
    yield signature


def open_frame(frame, me, message_secret, sign_key_for, now_ms, replay=None):
    """Open a received frame addressed to `me` (§7); return a Message or raise
    the ProtocolError subclass of the first failed check."""
    cipherkey, ct, n, signature = _parse_frame(frame)
    size = n - TAG_BYTES  # body = ciphertext[:size], tag = ciphertext[size:]
    plain = bytearray(size - 1 - IV_BYTES)  # before the curve arithmetic runs

    # Steps 5-8: one error class, so nobody learns which of them failed.
    ephemeral_public = cipherkey[1:33]
    z = x25519.x25519(message_secret, ephemeral_public)
    if z == _ZERO_KEY:
        raise AuthenticationError("frame not authentic")
    w = _wrap_pad(z, ephemeral_public, _public_of(message_secret))
    file_key = _xor(cipherkey[33:], w)
    enc_key, mac_key, sig_pad = _payload_keys(file_key)
    # Made now, not after the MAC check: the cipher is the one larger block
    # the rest of the open needs, and the heap has most room for it now.
    cipher = aes.decryptor(enc_key, _read(ct, 1, 1 + IV_BYTES))
    tag = hmac_sha256_parts(mac_key, _mac_input(cipherkey, ct(0, size), signature))
    if not _equal(tag, _read(ct, size, n)):
        raise AuthenticationError("frame not authentic")
    _read(ct, 1 + IV_BYTES, size, plain)
    try:
        aes.decrypt_with(cipher, plain)
        cipher = None
        sender, recipient, timestamp, text = inner.parse_raw(plain)
        # Decoded now, while the heap is least fragmented; the buffer it
        # views is dropped before the signature arithmetic churns the heap.
        text = str(text, "utf-8")
    except ValueError:
        raise AuthenticationError("frame not authentic")
    plain = None

    sign_public = sign_key_for(sender)
    if sign_public is None:
        raise UnknownSenderError("no signing key for the sender")
    sig = _xor(signature[1:], sig_pad)
    body = ct(0, size)
    if not ed25519.verify(sign_public, _signed_parts(sender, recipient, timestamp, cipherkey, body), sig):
        raise AuthenticationError("frame not authentic")
    if recipient != me:
        raise RecipientError("message addressed to someone else")
    if now_ms - timestamp > MAX_AGE_MS or timestamp - now_ms > MAX_SKEW_MS:
        raise TimestampError("timestamp outside the accepted window")
    if replay is not None:
        replay.accept(sig, timestamp, now_ms)
    return Message(sender, recipient, timestamp, text)
