"""HMAC-SHA-256 (RFC 2104) and HKDF-SHA-256 (RFC 5869), over pycryptodome."""
from Crypto.Hash import HMAC, SHA256
from Crypto.Protocol.KDF import HKDF


def hmac_sha256(key, msg):
    return HMAC.new(bytes(key), bytes(msg), digestmod=SHA256).digest()


def hkdf(ikm, salt, info, length):
    # pycryptodome replaces an empty salt by HashLen zero bytes, which RFC 5869
    # §2.2 defines as the same HMAC key.
    return HKDF(bytes(ikm), length, bytes(salt), SHA256, num_keys=1, context=bytes(info))
