"""A lookup answer's transparency-log proof (docs/TRANSPARENCY.md §4), as a
board checks it before it pins keys: the log state (origin, size, root, name
map root) is the one the answer's "lookup logged" signature covers
(logstate.commitment, checked by directory.read_answer: no second
signature), the
entry rebuilt from the verified answer is in that tree, the name map holds
it as the name's latest entry, and the tree extends the kept one (a
consistency proof, asked for with ?since=). Hashing only: the port's
hashlib.sha256."""
import hashlib

from ..crypto import b64
from .constants import const
from .errors import DirectoryError
from .logstate import field as _b64

_HASH = const(32)
_MAX_PROOF = const(63)
_EMPTY = bytes(_HASH)  # the name map's hash of a subtree without names


def _leaf(data):
    h = hashlib.sha256(b"\x00")
    h.update(data)
    return h.digest()


def _node(left, right):
    h = hashlib.sha256(b"\x01")
    h.update(left)
    h.update(right)
    return h.digest()


def _raw(text):
    if not isinstance(text, str):
        raise DirectoryError("log: malformed proof")
    return _b64(text)


def proof_hashes(text):
    """The hashes of an inclusion or consistency proof: one base64 string of them."""
    raw = _raw(text)
    if len(raw) % _HASH or len(raw) > _MAX_PROOF * _HASH:
        raise DirectoryError("log: malformed proof")
    return [raw[i:i + _HASH] for i in range(0, len(raw), _HASH)]


def _map_proof(text):
    """The siblings of a map proof, the deepest first: u8(count), a bitmap of
    those that are not empty (most significant bit first), those hashes."""
    raw = _raw(text)
    count = raw[0] if raw else 0
    pos = 1 + (count + 7) // 8
    if not raw or len(raw) < pos or count & 7 and raw[pos - 1] & (0xFF >> (count & 7)):
        raise DirectoryError("log: malformed map proof")
    proof = []
    for i in range(count):
        if raw[1 + (i >> 3)] & (0x80 >> (i & 7)):
            proof.append(raw[pos:pos + _HASH])
            pos += _HASH
        else:
            proof.append(_EMPTY)
    if pos != len(raw):
        raise DirectoryError("log: malformed map proof")
    return proof


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


def map_root(name, value, text):
    """The name map's root that the map proof `text` gives for name -> value."""
    proof = _map_proof(text)
    key = hashlib.sha256(name.encode()).digest()
    h = hashlib.sha256(b"\x02")
    h.update(key)
    h.update(value)
    h = h.digest()
    depth = len(proof)
    for sibling in proof:
        depth -= 1
        pair = hashlib.sha256(b"\x03")
        if key[depth >> 3] >> (7 - (depth & 7)) & 1:
            pair.update(sibling)
            pair.update(h)
        else:
            pair.update(h)
            pair.update(sibling)
        h = pair.digest()
    return h


def check(member, head, username, serial, message_public, sign_public, kept):
    """The (origin, size, root) to keep after checking the "log" member of an
    answer whose "lookup logged" signature verified over `head`
    (logstate.commitment's) for `username`, `serial` and the keys;
    `kept` is the one kept before, or None."""
    kind = member.get("kind")
    index, time = member.get("index"), member.get("time")
    if kind not in ("activate", "change") or not all(isinstance(v, int) and v >= 0 for v in (index, time)):
        raise DirectoryError("log: malformed member")
    origin, size, root = head[:3]
    if kept is not None:
        if origin != kept[0]:
            raise DirectoryError("log: checkpoint of another log")
        verify_consistency(kept[1], kept[2], size, root, proof_hashes(member.get("consistency", "")))
    leaf = _leaf(entry(kind, username, serial, time, message_public, sign_public))
    verify_inclusion(leaf, index, size, proof_hashes(member.get("proof")), root)
    if map_root(username, leaf, member.get("map")) != head[3]:
        raise DirectoryError("log: not the name's latest entry (map proof)")
    return origin, size, root
