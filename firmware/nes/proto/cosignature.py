"""A witness's cosignature of a log checkpoint (C2SP tlog-cosignature,
docs/TRANSPARENCY.md §6), as a board checks it: a board provisioned with a
witness key (config keyserver.witness) pins keys only with a checkpoint
that witness cosigned, so a split view (the key server showing this board a
log the witness never saw) is refused. One Ed25519 verification, done only
when the checkpoint the board keeps changes (keyserver.py)."""
import binascii
import hashlib

from ..crypto import b64
from .constants import const
from .errors import DirectoryError

_COSIGNATURE_TYPE = const(4)
_KEY_ID = const(4)
_SIGNED = const(76)  # key ID, u64be(time), Ed25519 signature
_PREFIX = b"\xe2\x80\x94 "  # "— ", a note signature line's start


def _key_id(name, public):
    h = hashlib.sha256(name)
    h.update(b"\n" + bytes((_COSIGNATURE_TYPE,)))
    h.update(public)
    return h.digest()[:_KEY_ID]


def parse_key(vkey):
    """(name, key ID, public key) of a witness verifier key
    `<name>+<hex key ID>+<base64(0x04 || Ed25519 key)>`; ValueError when it is not one."""
    parts = vkey.split("+", 2) if isinstance(vkey, str) else ()
    raw = b64.decode(parts[2]) if len(parts) == 3 and parts[0] else b""
    if len(raw) != 33 or raw[0] != _COSIGNATURE_TYPE:
        raise ValueError("not a witness verifier key")
    name, public = parts[0].encode(), raw[1:]
    kid = _key_id(name, public)
    if binascii.hexlify(kid).decode() != parts[1]:
        raise ValueError("not a witness verifier key")
    return name, kid, public


def verify(note, witness):
    """Check that the checkpoint `note` (bytes) carries a valid cosignature
    of `witness` (parse_key's); DirectoryError when it does not."""
    name, kid, public = witness
    cut = note.rfind(b"\n\n")
    prefix = _PREFIX + name + b" "
    for line in note[cut + 2:].split(b"\n") if cut > 0 else ():
        if not line.startswith(prefix):
            continue
        try:
            raw = b64.decode(line[len(prefix):])
        except ValueError:
            continue
        if len(raw) == _SIGNED and raw[:_KEY_ID] == kid:
            from ..crypto import ed25519

            signed = b"cosignature/v1\ntime %d\n" % int.from_bytes(raw[_KEY_ID:12], "big")
            if ed25519.verify(public, signed + note[:cut + 1], raw[12:]):
                return
    raise DirectoryError("log: the checkpoint is not cosigned by the witness")
