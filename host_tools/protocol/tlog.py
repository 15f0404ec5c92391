"""The key-transparency log (docs/TRANSPARENCY.md) as a client sees it: RFC 6962
hashing and proof checks, C2SP signed notes and checkpoints, C2SP tlog-tiles
paths and entry bundles, and the log's entry encoding. The key server builds
its log from the same pieces."""
import base64
import binascii
import hashlib
import struct

from . import signing
from .constants import KEY_BYTES, SIGNATURE_BYTES, USERNAME_RE

HASH_BYTES = 32
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
EMPTY_ROOT = hashlib.sha256(b"").digest()

ENTRY_LABEL = "nes-kt/1"
ACTIVATE = "activate"
CHANGE = "change"
DEACTIVATE = "deactivate"
KINDS = (ACTIVATE, CHANGE, DEACTIVATE)

NOTE_SIGNATURE_PREFIX = "\u2014 "
ED25519_TYPE = 0x01
COSIGNATURE_TYPE = 0x04
COSIGNATURE_LABEL = "cosignature/v1"
KEY_ID_BYTES = 4
MAX_PROOF_HASHES = 63


class LogError(Exception):
    """A proof, checkpoint, note or entry that does not verify; the answer must not be used."""


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(size):
    """The largest power of two smaller than `size` (RFC 6962 §2.1's k), size >= 2."""
    k = 1
    while k << 1 < size:
        k <<= 1
    return k


def _hashes(proof):
    if len(proof) > MAX_PROOF_HASHES or any(len(h) != HASH_BYTES for h in proof):
        raise LogError("malformed proof")
    return proof


def _sides(fn, sn, count):
    """The RFC 9162 §2.1.3.2 walk up from node fn of last node sn over `count`
    proof hashes: for each, True when it is a left sibling. Returns (sides, sn
    at the end), 0 when the walk reached the root."""
    sides = []
    for _ in range(count):
        if sn == 0:
            raise LogError("proof too long")
        left = bool(fn & 1) or fn == sn
        if left:
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        sides.append(left)
        fn >>= 1
        sn >>= 1
    return sides, sn


def verify_inclusion(leaf, index, size, proof, root):
    """Check that `leaf` (a leaf hash) is entry `index` of the tree of `size` with
    `root` (RFC 9162 §2.1.3.2)."""
    _hashes(proof)
    if not 0 <= index < size:
        raise LogError("leaf index outside the tree")
    sides, sn = _sides(index, size - 1, len(proof))
    r = leaf
    for p, left in zip(proof, sides):
        r = node_hash(p, r) if left else node_hash(r, p)
    if sn != 0 or r != root:
        raise LogError("inclusion proof does not match the checkpoint")


def verify_consistency(size1, root1, size2, root2, proof):
    """Check that the tree (size2, root2) extends (size1, root1) (RFC 9162 §2.1.4.2)."""
    _hashes(proof)
    if size1 > size2:
        raise LogError("the log shrank")
    if size1 == size2:
        if proof or root1 != root2:
            raise LogError("two different trees of the same size")
        return
    if size1 == 0:
        if proof:
            raise LogError("consistency proof from the empty tree is not empty")
        return
    if size1 & (size1 - 1) == 0:
        proof = [root1] + list(proof)
    if not proof:
        raise LogError("consistency proof is empty")
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    sides, sn = _sides(fn, sn, len(proof) - 1)
    fr = sr = proof[0]
    for c, left in zip(proof[1:], sides):
        if left:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
        else:
            sr = node_hash(sr, c)
    if sn != 0 or fr != root1 or sr != root2:
        raise LogError("consistency proof does not match the checkpoints")


class Frontier:
    """A tree known by the hashes of its complete subtrees, largest first (a
    compact range from 0): leaves can be appended and the root computed
    without the rest of the tree."""

    def __init__(self, size=0, hashes=()):
        if len(hashes) != bin(size).count("1"):
            raise LogError("frontier does not match its size")
        self.size = size
        self.hashes = list(hashes)

    def append(self, leaf):
        h, n = leaf, self.size
        while n & 1:
            h = node_hash(self.hashes.pop(), h)
            n >>= 1
        self.hashes.append(h)
        self.size += 1

    def root(self):
        if not self.hashes:
            return EMPTY_ROOT
        r = self.hashes[-1]
        for h in reversed(self.hashes[:-1]):
            r = node_hash(h, r)
        return r


def frontier_before(index, size, proof):
    """The Frontier of the first `index` leaves, from a verified inclusion proof
    of leaf `index` in a tree of `size`: its left siblings are exactly those subtrees."""
    sides, _ = _sides(index, size - 1, len(proof))
    return Frontier(index, [p for p, left in zip(proof, sides) if left][::-1])


def _decode_b64(text, size=None):
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise LogError("not base64") from None
    if size is not None and len(raw) != size:
        raise LogError("wrong length")
    return raw


def _decode_text(text):
    if not isinstance(text, str):
        raise LogError("malformed proof")
    return _decode_b64(text)


def decode_proof(text):
    """The hashes of an inclusion or consistency proof of a lookup answer: one
    base64 string of the hashes in order (docs/TRANSPARENCY.md §4)."""
    raw = _decode_text(text)
    if len(raw) % HASH_BYTES:
        raise LogError("malformed proof")
    return _hashes([raw[i:i + HASH_BYTES] for i in range(0, len(raw), HASH_BYTES)])


def encode_proof(proof):
    return base64.b64encode(b"".join(proof)).decode("ascii")


def encode_map_proof(proof):
    """A map proof (siblings, the deepest first) on the wire: u8(count), a bitmap
    of the siblings that are not the empty subtree (bit i, most significant
    first, for sibling i), then those siblings."""
    if len(proof) >= MAP_KEY_BITS:
        raise LogError("map proof too long to encode")
    bitmap = bytearray((len(proof) + 7) // 8)
    for i, h in enumerate(proof):
        if h != MAP_EMPTY:
            bitmap[i >> 3] |= 0x80 >> (i & 7)
    return base64.b64encode(bytes([len(proof)]) + bytes(bitmap)
                            + b"".join(h for h in proof if h != MAP_EMPTY)).decode("ascii")


def decode_map_proof(text):
    raw = _decode_text(text)
    count = raw[0] if raw else 0
    cut = 1 + (count + 7) // 8
    bitmap, hashes = raw[1:cut], raw[cut:]
    present = [bool(bitmap[i >> 3] & 0x80 >> (i & 7)) for i in range(count)] if len(bitmap) == cut - 1 else []
    if (not raw or len(bitmap) != cut - 1 or len(hashes) != HASH_BYTES * sum(present)
            or count & 7 and bitmap[-1] & 0xFF >> (count & 7)):
        raise LogError("malformed map proof")
    proof, pos = [], 0
    for here in present:
        proof.append(hashes[pos:pos + HASH_BYTES] if here else MAP_EMPTY)
        pos += HASH_BYTES if here else 0
    return proof


def proof_lines(proof):
    """A proof as C2SP tlog-witness sends it: one base64 hash per line (no newlines)."""
    return [base64.b64encode(h).decode("ascii") for h in proof]


def parse_proof_lines(lines):
    if not all(isinstance(h, str) for h in lines):
        raise LogError("malformed proof")
    return _hashes([_decode_b64(h, HASH_BYTES) for h in lines])


# C2SP signed-note, Ed25519 keys only.

def key_id(name, public, key_type=ED25519_TYPE):
    """The 4-byte key ID of an Ed25519 note key (C2SP signed-note), or of a
    witness's cosignature key with COSIGNATURE_TYPE (C2SP tlog-cosignature)."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([key_type]) + public).digest()[:KEY_ID_BYTES]


def verifier_key(name, public, key_type=ED25519_TYPE):
    """The vkey text `<name>+<hex key id>+<base64(type || key)>` (Go sumdb/note)."""
    return "%s+%s+%s" % (name, key_id(name, public, key_type).hex(),
                         base64.b64encode(bytes([key_type]) + public).decode("ascii"))


def parse_verifier_key(vkey, key_type=ED25519_TYPE):
    """(name, public key) from a vkey; LogError when it is malformed or its ID does not match."""
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3 or not parts[0]:
        raise LogError("malformed verifier key")
    raw = _decode_b64(parts[2], 1 + KEY_BYTES)
    if raw[0] != key_type or parts[1] != key_id(parts[0], raw[1:], key_type).hex():
        raise LogError("malformed verifier key")
    return parts[0], raw[1:]


def sign_note(text, name, seed, signature_lines=()):
    """A signed note of `text` (ends in a newline) by the Ed25519 key `seed` named `name`."""
    public = signing.public_key(seed)
    sig = key_id(name, public) + signing.sign(seed, text.encode("utf-8"))
    lines = list(signature_lines) + [
        "%s%s %s\n" % (NOTE_SIGNATURE_PREFIX, name, base64.b64encode(sig).decode("ascii"))]
    return text + "\n" + "".join(lines)


def split_note(note):
    """(text, [(name, key id, signature bytes)]) of a signed note, unverified."""
    if not isinstance(note, str) or "\n\n" not in note or not note.endswith("\n"):
        raise LogError("malformed note")
    cut = note.rindex("\n\n")
    text, sig_block = note[:cut + 1], note[cut + 2:]
    signatures = []
    for line in sig_block.splitlines():
        if not line.startswith(NOTE_SIGNATURE_PREFIX):
            raise LogError("malformed note signature line")
        name, _, b64sig = line[len(NOTE_SIGNATURE_PREFIX):].partition(" ")
        raw = _decode_b64(b64sig)
        if not name or len(raw) <= KEY_ID_BYTES:
            raise LogError("malformed note signature line")
        signatures.append((name, raw[:KEY_ID_BYTES], raw[KEY_ID_BYTES:]))
    if not signatures:
        raise LogError("note is not signed")
    return text, signatures


def open_note(note, name, public):
    """The text of `note` when it carries a valid signature by (name, public)."""
    text, signatures = split_note(note)
    wanted = key_id(name, public)
    for sig_name, kid, sig in signatures:
        if sig_name == name and kid == wanted:
            if len(sig) == SIGNATURE_BYTES and signing.verify(public, text.encode("utf-8"), sig):
                return text
            break
    raise LogError("note is not signed by %s" % name)


# C2SP tlog-cosignature: a witness's timestamped signature of a checkpoint.

def _cosigned_message(text, time):
    return ("%s\ntime %d\n%s" % (COSIGNATURE_LABEL, time, text)).encode("utf-8")


def cosignature_line(text, name, seed, time):
    """The note signature line of witness `name` (key `seed`) over checkpoint `text` at `time`."""
    public = signing.public_key(seed)
    sig = (key_id(name, public, COSIGNATURE_TYPE) + time.to_bytes(8, "big")
           + signing.sign(seed, _cosigned_message(text, time)))
    return "%s%s %s\n" % (NOTE_SIGNATURE_PREFIX, name, base64.b64encode(sig).decode("ascii"))


def verify_cosignature(note, name, public):
    """The time at which witness (name, public) cosigned the checkpoint `note`."""
    text, signatures = split_note(note)
    wanted = key_id(name, public, COSIGNATURE_TYPE)
    for sig_name, kid, sig in signatures:
        if sig_name == name and kid == wanted and len(sig) == 8 + SIGNATURE_BYTES:
            time = int.from_bytes(sig[:8], "big")
            if signing.verify(public, _cosigned_message(text, time), sig[8:]):
                return time
    raise LogError("the checkpoint is not cosigned by the witness %s" % name)


# The name map (docs/TRANSPARENCY.md §4): a compact sparse Merkle tree of
# SHA-256(name) -> the leaf hash of the name's latest entry, whose root the
# checkpoint commits to.

MAP_KEY_BITS = 256
MAP_EMPTY = bytes(HASH_BYTES)  # the hash of a subtree without names
MAP_EXTENSION = "nes-map "  # the checkpoint's extension line: this, then the base64 map root


def map_key(name):
    return hashlib.sha256(name.encode("ascii")).digest()


def map_leaf(key, value):
    """A subtree holding one name: its hash at any depth."""
    return hashlib.sha256(b"\x02" + key + value).digest()


def map_node(left, right):
    """A subtree holding two or more names."""
    return hashlib.sha256(b"\x03" + left + right).digest()


def map_bit(key, depth):
    """Whether `key` goes right below depth `depth` (bit `depth`, most significant first)."""
    return key[depth >> 3] >> (7 - (depth & 7)) & 1


def map_root_from_proof(key, value, proof):
    """The map root that `proof` (sibling hashes, the deepest first) gives for key -> value."""
    if len(proof) > MAP_KEY_BITS:
        raise LogError("malformed map proof")
    h = map_leaf(key, value)
    for i, sibling in enumerate(proof):
        h = map_node(sibling, h) if map_bit(key, len(proof) - 1 - i) else map_node(h, sibling)
    return h


def map_root_of(leaves, depth=0):
    """The map root of sorted (key, value) pairs, all sharing their first `depth` bits."""
    if not leaves:
        return MAP_EMPTY
    if len(leaves) == 1:
        return map_leaf(*leaves[0])
    cut = 0
    while cut < len(leaves) and not map_bit(leaves[cut][0], depth):
        cut += 1
    return map_node(map_root_of(leaves[:cut], depth + 1), map_root_of(leaves[cut:], depth + 1))


def verify_map(name, value, proof, root):
    """Check that `value` (an entry's leaf hash) is what the map of `root` holds for `name`."""
    if map_root_from_proof(map_key(name), value, _hashes_map(proof)) != root:
        raise LogError("map proof does not match the checkpoint: not the name's latest entry")


def _hashes_map(proof):
    if len(proof) > MAP_KEY_BITS or any(len(h) != HASH_BYTES for h in proof):
        raise LogError("malformed map proof")
    return proof


# C2SP tlog-checkpoint.

def checkpoint_text(origin, size, root, map_root=None):
    """The checkpoint body; with `map_root`, the extension line committing to the name map."""
    text = "%s\n%d\n%s\n" % (origin, size, base64.b64encode(root).decode("ascii"))
    return text if map_root is None else text + "%s%s\n" % (MAP_EXTENSION, base64.b64encode(map_root).decode())


def checkpoint_map_root(text):
    """The name-map root a checkpoint body commits to (its extension line)."""
    for line in text.split("\n")[3:]:
        if line.startswith(MAP_EXTENSION):
            return _decode_b64(line[len(MAP_EXTENSION):], HASH_BYTES)
    raise LogError("the checkpoint commits to no name map")


def parse_checkpoint(text):
    """(origin, size, root) of a checkpoint body; extension lines are ignored."""
    lines = text.split("\n")
    if len(lines) < 4 or not lines[0] or not lines[1].isdigit() or lines[1] != str(int(lines[1])):
        raise LogError("malformed checkpoint")
    return lines[0], int(lines[1]), _decode_b64(lines[2], HASH_BYTES)


def open_checkpoint(note, origin, public):
    """(size, root) of a checkpoint note signed by the log key named `origin`."""
    got_origin, size, root = parse_checkpoint(open_note(note, origin, public))
    if got_origin != origin:
        raise LogError("checkpoint is for another log")
    return size, root


def note_origin(note):
    """The first line of a note's text (unverified), to pick the key that must sign it."""
    return split_note(note)[0].split("\n", 1)[0]


# Lookup answers (docs/TRANSPARENCY.md §4).

def answer_commitment(member):
    """The 32 bytes a logged lookup answer's signature covers after the keys
    (docs/PROTOCOL.md §10, "lookup logged"): SHA-256(u64be(index) ||
    u8(len(origin)) || origin || u64be(size) || root || map root), from the
    member's index and its checkpoint's text (unverified here: the answer's
    signature vouches)."""
    if not isinstance(member, dict) or not isinstance(member.get("checkpoint"), str):
        raise LogError("the answer has no transparency-log proof")
    index = member.get("index")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < 1 << 53:
        raise LogError("malformed log member")
    text = split_note(member["checkpoint"])[0]
    origin, size, root = parse_checkpoint(text)
    name = origin.encode("utf-8")
    if len(name) > 255:
        raise LogError("malformed checkpoint")
    return hashlib.sha256(struct.pack(">Q", index) + bytes([len(name)]) + name + struct.pack(">Q", size)
                          + root + checkpoint_map_root(text)).digest()


def verify_log_member(member, username, serial, keys, public, origin=None):
    """Check the "log" member of a lookup answer whose signature verified for
    `username`, `serial` and `keys`: the checkpoint is signed by `public`
    under `origin` (taken from the note when None), the entry publishing
    these keys with this serial is in its tree, and the name map it commits
    to holds that entry for the name (it is the name's latest). Returns
    {"origin", "size", "root", "map_root", "index", "proof", "leaf"}."""
    if not isinstance(member, dict) or not isinstance(member.get("checkpoint"), str):
        raise LogError("the answer has no transparency-log proof")
    fields = [member.get(k) for k in ("index", "time")]
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in fields):
        raise LogError("malformed log member")
    index, time = fields
    if member.get("kind") not in (ACTIVATE, CHANGE):
        raise LogError("the logged entry does not publish keys")
    origin = origin or note_origin(member["checkpoint"])
    text = open_note(member["checkpoint"], origin, public)
    got_origin, size, root = parse_checkpoint(text)
    if got_origin != origin:
        raise LogError("checkpoint is for another log")
    map_root = checkpoint_map_root(text)
    leaf = leaf_hash(encode_entry(member["kind"], username, serial, time, *keys))
    proof = decode_proof(member.get("proof"))
    verify_inclusion(leaf, index, size, proof, root)
    verify_map(username, leaf, decode_map_proof(member.get("map")), map_root)
    return {"origin": origin, "size": size, "root": root, "map_root": map_root, "index": index,
            "proof": proof, "leaf": leaf}


# C2SP tlog-tiles paths and entry bundles.

def _encode_index(n):
    digits = "%03d" % (n % 1000)
    n //= 1000
    while n:
        digits = "x%03d/%s" % (n % 1000, digits)
        n //= 1000
    return digits


def tile_path(level, n, width=TILE_WIDTH):
    """`tile/<L>/<N>[.p/<W>]`; level "entries" for entry bundles."""
    path = "tile/%s/%s" % (level, _encode_index(n))
    return path if width == TILE_WIDTH else "%s.p/%d" % (path, width)


def parse_tile_path(rest):
    """(level or "entries", N, width) from the part of a tile path after `tile/`; None if malformed."""
    parts = rest.split("/")
    width = TILE_WIDTH
    if len(parts) >= 3 and parts[-2].endswith(".p"):
        w = parts.pop()
        if not w.isdigit() or w != str(int(w)) or not 0 < int(w) < TILE_WIDTH:
            return None
        width = int(w)
        parts[-1] = parts[-1][:-2]
    if len(parts) < 2:
        return None
    level, *index = parts
    if level != "entries" and not (level.isdigit() and level == str(int(level)) and int(level) < 64):
        return None
    n = 0
    for i, part in enumerate(index):
        last = i == len(index) - 1
        digits = part if last else part[1:]
        if (not last and part[:1] != "x") or len(digits) != 3 or not digits.isdigit():
            return None
        if i == 0 and digits == "000" and not last:
            return None
        n = n * 1000 + int(digits)
    return (level if level == "entries" else int(level)), n, width


def bundle(entries):
    """An entry bundle: each entry as a big-endian uint16 length and its bytes."""
    return b"".join(len(e).to_bytes(2, "big") + e for e in entries)


def parse_bundle(data):
    entries, pos = [], 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise LogError("truncated entry bundle")
        size = int.from_bytes(data[pos:pos + 2], "big")
        entries.append(data[pos + 2:pos + 2 + size])
        pos += 2 + size
        if pos > len(data):
            raise LogError("truncated entry bundle")
    return entries


# Entries (docs/TRANSPARENCY.md §2).

def encode_entry(kind, name, serial, time, public_key_message, public_key_sign):
    return ("%s %s\nname %s\nserial %d\ntime %d\nmessage-key %s\nsign-key %s\n" % (
        ENTRY_LABEL, kind, name, serial, time,
        base64.b64encode(public_key_message).decode("ascii"),
        base64.b64encode(public_key_sign).decode("ascii"))).encode("ascii")


def _number(text):
    if not text.isdigit() or text != str(int(text)):
        raise LogError("malformed entry")
    return int(text)


def decode_entry(data):
    """{"kind", "name", "serial", "time", "public_key_message", "public_key_sign"} of an
    entry; LogError unless re-encoding gives the same bytes."""
    try:
        lines = data.decode("ascii").split("\n")
    except UnicodeDecodeError:
        raise LogError("malformed entry") from None
    fields = [line.partition(" ") for line in lines[:6]]
    labels = [ENTRY_LABEL, "name", "serial", "time", "message-key", "sign-key"]
    if len(lines) != 7 or [f[0] for f in fields] != labels or fields[0][2] not in KINDS:
        raise LogError("malformed entry")
    entry = {
        "kind": fields[0][2], "name": fields[1][2], "serial": _number(fields[2][2]),
        "time": _number(fields[3][2]),
        "public_key_message": _decode_b64(fields[4][2], KEY_BYTES),
        "public_key_sign": _decode_b64(fields[5][2], KEY_BYTES),
    }
    if not USERNAME_RE.match(entry["name"]) or encode_entry(**entry) != data:
        raise LogError("malformed entry")
    return entry
