"""The native limit: nes/1 sealing and opening with every primitive through
OpenSSL (the `cryptography` package, a bench-only dependency). The frame
parsing and the inner message are the host's own code, so the difference to
the host path is the cost of its primitives alone. Checked against the host
before it is timed (same frame for the same inputs, each opens the other's)."""
import hmac
import os

from host_tools.protocol import envelope as host
from host_tools.protocol import inner
from host_tools.protocol.constants import (
    CIPHERKEY_INFO, IV_BYTES, KEY_BYTES, MAX_AGE_MS, MAX_INNER_BYTES, MAX_SKEW_MS, PAYLOAD_INFO,
    TAG_BYTES, VERSION,
)
from host_tools.protocol.errors import (
    AuthenticationError, RecipientError, TimestampError, UnknownSenderError,
)

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, padding
    from cryptography.hazmat.primitives import hmac as hmac_
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
except ImportError:  # reported by the caller as "not available"
    Cipher = None

_V = bytes([VERSION])


def available():
    return Cipher is not None


def x25519(k, u):
    return X25519PrivateKey.from_private_bytes(k).exchange(X25519PublicKey.from_public_bytes(u))


def x25519_public(k):
    return X25519PrivateKey.from_private_bytes(k).public_key().public_bytes_raw()


def sign(seed, data):
    return Ed25519PrivateKey.from_private_bytes(seed).sign(data)


def verify(public, data, signature):
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def _hkdf(ikm, salt, info, length):
    return HKDF(hashes.SHA256(), length, salt, info).derive(ikm)


def _hmac(key, data):
    mac = hmac_.HMAC(key, hashes.SHA256())
    mac.update(data)
    return mac.finalize()


def _payload_keys(file_key):
    k = _hkdf(file_key, b"", PAYLOAD_INFO, 128)
    return k[:32], k[32:64], k[64:]


def _key_wrap(z, ephemeral_public, recipient_public):
    return _hkdf(z, ephemeral_public + recipient_public, CIPHERKEY_INFO, KEY_BYTES)


def seal_with(sender, sign_seed, recipient, recipient_message_public, text, timestamp_ms,
              ephemeral, file_key, iv):
    plaintext = inner.encode(sender, recipient, timestamp_ms, text)
    if len(plaintext) > MAX_INNER_BYTES:
        raise ValueError("message too long")
    ephemeral_public = x25519_public(ephemeral)
    z = x25519(ephemeral, recipient_message_public)
    cipherkey = _V + ephemeral_public + host.xor(
        file_key, _key_wrap(z, ephemeral_public, recipient_message_public))
    enc_key, mac_key, sig_pad = _payload_keys(file_key)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(enc_key), modes.CBC(iv)).encryptor()
    body = _V + iv + encryptor.update(padded) + encryptor.finalize()
    sig = sign(sign_seed, host.signed_bytes(sender, recipient, timestamp_ms, cipherkey, body))
    signature = _V + host.xor(sig, sig_pad)
    tag = _hmac(mac_key, cipherkey + body + signature)
    return host.encode_frame(cipherkey, body + tag, signature)


def seal(sender, sign_seed, recipient, recipient_message_public, text, timestamp_ms,
         random=os.urandom):
    return seal_with(sender, sign_seed, recipient, recipient_message_public, text, timestamp_ms,
                     random(KEY_BYTES), random(KEY_BYTES), random(IV_BYTES))


def _fail():
    return AuthenticationError("frame cannot be authenticated")


def open_frame(frame, me, message_secret, sign_key_for, now_ms):
    cipherkey, ciphertext, signature = host.parse_frame(frame)
    ephemeral_public = cipherkey[1:33]
    try:
        z = x25519(message_secret, ephemeral_public)
    except ValueError:
        raise _fail() from None
    file_key = host.xor(cipherkey[33:], _key_wrap(z, ephemeral_public, x25519_public(message_secret)))
    enc_key, mac_key, sig_pad = _payload_keys(file_key)
    body, tag = ciphertext[:-TAG_BYTES], ciphertext[-TAG_BYTES:]
    if not hmac.compare_digest(_hmac(mac_key, cipherkey + body + signature), tag):
        raise _fail()
    decryptor = Cipher(algorithms.AES(enc_key), modes.CBC(body[1:17])).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        plaintext = unpadder.update(decryptor.update(body[17:]) + decryptor.finalize()) + unpadder.finalize()
        sender, recipient, timestamp, text = inner.decode(plaintext)
    except ValueError:
        raise _fail() from None
    sign_public = sign_key_for(sender)
    if sign_public is None:
        raise UnknownSenderError("no signing key for the sender")
    if not verify(sign_public, host.signed_bytes(sender, recipient, timestamp, cipherkey, body),
                  host.xor(signature[1:], sig_pad)):
        raise _fail()
    if recipient != me:
        raise RecipientError("message is addressed to another user")
    if now_ms - timestamp > MAX_AGE_MS or timestamp - now_ms > MAX_SKEW_MS:
        raise TimestampError("message timestamp outside the accepted window")
    return host.Message(sender, recipient, timestamp, text)
