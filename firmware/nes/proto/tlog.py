"""A lookup answer's transparency-log proof (docs/TRANSPARENCY.md §4), as a
board checks it before it pins keys: the entry rebuilt from the verified
answer is in the tree of the checkpoint, the checkpoint is signed by the
pinned server key under the log's origin (skipped when it is the checkpoint
the board kept), and it extends the kept one (a consistency proof, asked for
with ?since=). RFC 6962 hashing on the port's hashlib.sha256."""
import hashlib

from ..crypto import b64, ed25519
from .constants import const
from .errors import DirectoryError

_HASH = const(32)
_MAX_PROOF = const(63)
_KEY_ID = const(4)
_SIG = const(64)
_SIG_PREFIX = b"\xe2\x80\x94 "  # em dash and space: a signed note's signature line


def _leaf(data):
    h = hashlib.sha256(b"\x00")
    h.update(data)
    return h.digest()


def _node(left, right):
    h = hashlib.sha256(b"\x01")
    h.update(left)
    h.update(right)
    return h.digest()


def _b64(text, size=None):
    try:
        raw = b64.decode(text)
    except ValueError:
        raise DirectoryError("log: not base64")
    if size is not None and len(raw) != size:
        raise DirectoryError("log: wrong length")
    return raw


def _proof(items):
    if not isinstance(items, list) or len(items) > _MAX_PROOF:
        raise DirectoryError("log: malformed proof")
    return [_b64(h, _HASH) for h in items]


def entry(kind, name, serial, time, message_public, sign_public):
    """The log entry publishing the keys (docs/TRANSPARENCY.md §2)."""
    return ("nes-kt/1 %s\nname %s\nserial %d\ntime %d\nmessage-key %s\nsign-key %s\n" % (
        kind, name, serial, time, b64.encode_str(message_public), b64.encode_str(sign_public))).encode()


def _sides(fn, sn, count):
    # RFC 9162 §2.1.3.2: for each proof hash, whether it is a left sibling.
    sides = []
    for _ in range(count):
        if sn == 0:
            raise DirectoryError("log: proof too long")
        left = fn & 1 or fn == sn
        if left:
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        sides.append(left)
        fn >>= 1
        sn >>= 1
    return sides, sn


def verify_inclusion(leaf, index, size, proof, root):
    if not 0 <= index < size:
        raise DirectoryError("log: index outside the tree")
    sides, sn = _sides(index, size - 1, len(proof))
    for p, left in zip(proof, sides):
        leaf = _node(p, leaf) if left else _node(leaf, p)
    if sn or leaf != root:
        raise DirectoryError("log: inclusion proof does not match the checkpoint")


def verify_consistency(size1, root1, size2, root2, proof):
    if size1 == size2:
        if proof or root1 != root2:
            raise DirectoryError("log: two different trees of one size")
        return
    if size1 > size2:
        raise DirectoryError("log: checkpoint older than the one kept")
    if size1 & (size1 - 1) == 0:
        proof = [root1] + proof
    if not proof:
        raise DirectoryError("log: no consistency proof")
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    sides, sn = _sides(fn, sn, len(proof) - 1)
    fr = sr = proof[0]
    for c, left in zip(proof[1:], sides):
        if left:
            fr = _node(c, fr)
            sr = _node(c, sr)
        else:
            sr = _node(sr, c)
    if sn or fr != root1 or sr != root2:
        raise DirectoryError("log: consistency proof does not match")


def _checkpoint(note):
    """(text, origin, size, root, signature lines) of a checkpoint note, unverified."""
    cut = note.rfind(b"\n\n")
    if cut < 0:
        raise DirectoryError("log: malformed checkpoint")
    text = note[:cut + 1]
    lines = text.split(b"\n")
    if len(lines) < 4 or not lines[1].isdigit():
        raise DirectoryError("log: malformed checkpoint")
    return text, lines[0], int(lines[1]), _b64(lines[2], _HASH), note[cut + 2:].split(b"\n")


def _signed(text, origin, sigs, public):
    h = hashlib.sha256(origin)
    h.update(b"\n\x01")
    h.update(public)
    key_id = h.digest()[:_KEY_ID]
    prefix = _SIG_PREFIX + origin + b" "
    for line in sigs:
        if line.startswith(prefix):
            raw = _b64(line[len(prefix):])
            if len(raw) == _KEY_ID + _SIG and raw[:_KEY_ID] == key_id:
                return ed25519.verify(public, text, raw[_KEY_ID:])
    return False


def check(member, username, message_public, sign_public, public, kept):
    """The (origin, size, root) to keep after checking the "log" member of an
    answer whose signature verified; `kept` is the one kept before, or None."""
    if not isinstance(member, dict) or not isinstance(member.get("checkpoint"), str):
        raise DirectoryError("log: no proof")
    kind = member.get("kind")
    index, serial, time = member.get("index"), member.get("serial"), member.get("time")
    numbers = (index, serial, time)
    if kind not in ("activate", "change") or not all(isinstance(v, int) and v >= 0 for v in numbers):
        raise DirectoryError("log: malformed member")
    text, origin, size, root, sigs = _checkpoint(member["checkpoint"].encode())
    if kept is not None and origin != kept[0]:
        raise DirectoryError("log: checkpoint of another log")
    if kept is None or (size, root) != kept[1:]:
        if not _signed(text, origin, sigs, public):
            raise DirectoryError("log: checkpoint not signed by the pinned key")
        if kept is not None:
            verify_consistency(kept[1], kept[2], size, root, _proof(member.get("consistency", [])))
    leaf = _leaf(entry(kind, username, serial, time, message_public, sign_public))
    verify_inclusion(leaf, index, size, _proof(member.get("proof")), root)
    return origin, size, root
