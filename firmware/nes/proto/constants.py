"""Labels, limits and sizes of nes/1 (docs/PROTOCOL.md §4), named once.

`const` is re-exported so the other firmware modules get MicroPython's
compile-time constants and still import under CPython."""
try:
    from micropython import const
except ImportError:  # CPython: the tests import the firmware modules directly

    def const(value):
        return value


VERSION = const(0x01)
CIPHERKEY_INFO = b"nes/1 cipherkey"
PAYLOAD_INFO = b"nes/1 payload"
SIGNATURE_LABEL = b"nes/1 signature"
LOOKUP_KEYS_LABEL = b"nes/1 lookup keys"  # the statements of §10: no label
LOOKUP_ABSENT_LABEL = b"nes/1 lookup absent"  # is a prefix of another
LOOKUP_LOGGED_LABEL = b"nes/1 lookup logged"

MAX_INNER_BYTES = const(3072)
MAX_FRAME_BYTES = const(4608)
MAX_AGE_MS = const(86400000)
MAX_SKEW_MS = const(300000)
MAX_LOOKUP_SKEW_S = const(300)
MAX_TIMESTAMP = const(9007199254740991)  # 2**53 - 1

KEY_BYTES = const(32)
SIGNATURE_BYTES = const(64)
IV_BYTES = const(16)
TAG_BYTES = const(32)
BLOCK_BYTES = const(16)
CIPHERKEY_BYTES = const(65)  # version, ephemeral public, wrapped key
SIGNATURE_FIELD_BYTES = const(65)  # version, padded signature
BODY_OVERHEAD = const(49)  # version, iv, tag
PAYLOAD_KEY_BYTES = const(128)  # enc_key, mac_key, sig_pad

USERNAME_MIN = const(3)
USERNAME_MAX = const(32)
