"""The log state a lookup answer with the log's proofs is signed with
(docs/PROTOCOL.md §10, "lookup logged"): read from the "log" member before
the signature check, as the bytes that check covers. Apart from proto/tlog
so that only this small module shares the heap with the signature check;
tlog, the proofs, is loaded after it."""
import hashlib

from ..crypto import b64
from .constants import const
from .errors import DirectoryError

_HASH = const(32)
_MAX_INDEX = const(1 << 53)
_MAP_LINE = b"nes-map "  # the checkpoint's extension line committing to the name map


def field(text, size=None):
    """The bytes of a base64 member of the log (`size` of them, when given)."""
    try:
        raw = b64.decode(text)
    except ValueError:
        raise DirectoryError("log: not base64")
    if size is not None and len(raw) != size:
        raise DirectoryError("log: wrong length")
    return raw


def _checkpoint(note):
    """(origin, size, root, map root) of a checkpoint note's text, unverified."""
    cut = note.rfind(b"\n\n")
    lines = note[:cut + 1].split(b"\n") if cut > 0 else ()
    if len(lines) < 4 or not lines[1].isdigit() or not 0 < len(lines[0]) < 256:
        raise DirectoryError("log: malformed checkpoint")
    for line in lines[3:]:
        if line.startswith(_MAP_LINE):
            return lines[0], int(lines[1]), field(lines[2], _HASH), field(line[len(_MAP_LINE):], _HASH)
    raise DirectoryError("log: the checkpoint commits to no name map")


def commitment(member):
    """(the 32 bytes the answer's "lookup logged" signature covers after the
    keys, (origin, size, root, map root)) of a "log" member (docs/PROTOCOL.md §10):
    once that signature verifies, the server key vouches for this log state,
    so the note's own signature needs no second check."""
    if not isinstance(member, dict) or not isinstance(member.get("checkpoint"), str):
        raise DirectoryError("log: no proof")
    index = member.get("index")
    if not isinstance(index, int) or not 0 <= index < _MAX_INDEX:
        raise DirectoryError("log: malformed member")
    head = _checkpoint(member["checkpoint"].encode())
    origin, size, root, map_root = head
    h = hashlib.sha256(index.to_bytes(8, "big"))
    for part in (bytes((len(origin),)), origin, size.to_bytes(8, "big"), root, map_root):
        h.update(part)
    return h.digest(), head
