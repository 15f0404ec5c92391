"""Labels and limits of nes/1 (docs/PROTOCOL.md §4), named once."""
import re

VERSION = 0x01
CIPHERKEY_INFO = b"nes/1 cipherkey"
PAYLOAD_INFO = b"nes/1 payload"
SIGNATURE_LABEL = b"nes/1 signature"
# The statements a key server signs (§10); no label is a prefix of another,
# so one statement's signature never verifies as another's.
LOOKUP_KEYS_LABEL = b"nes/1 lookup keys"
LOOKUP_ABSENT_LABEL = b"nes/1 lookup absent"
LOOKUP_LOGGED_LABEL = b"nes/1 lookup logged"  # keys with the log state they are proved in

MAX_INNER_BYTES = 3072
MAX_FRAME_BYTES = 4608
MAX_AGE_MS = 86_400_000
MAX_SKEW_MS = 300_000
MAX_TIMESTAMP = 2**53 - 1
MAX_LOOKUP_SKEW_S = MAX_SKEW_MS // 1000

KEY_BYTES = 32
SIGNATURE_BYTES = 64
CIPHERKEY_BYTES = 1 + 32 + 32
SIGNATURE_FIELD_BYTES = 1 + SIGNATURE_BYTES
IV_BYTES = 16
TAG_BYTES = 32
BODY_OVERHEAD = 1 + IV_BYTES + TAG_BYTES  # version, iv, tag: 49

USERNAME_RE = re.compile(r"[a-z0-9_-]{3,32}\Z")


def topic(username):
    """The MQTT topic a user receives frames on (§11)."""
    return "nes/%s/message" % username
