"""An independent reader of the log, written from the C2SP specifications
(tlog-checkpoint, signed-note, tlog-tiles) and RFC 6962 without the project's
code: it fetches with curl, checks the note signature with pycryptodome and
recomputes every tile and the root from the entries."""
import base64
import hashlib
import subprocess

from Crypto.Signature import eddsa


def curl(url):
    """The body of a 200 answer (curl --fail), with its headers."""
    done = subprocess.run(["curl", "--silent", "--show-error", "--fail", "--dump-header", "-", url],
                          capture_output=True, check=True)
    head, _, body = done.stdout.partition(b"\r\n\r\n")
    headers = {}
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return headers, body


def verify_note(note, name, public):
    """The text of a signed note, after checking the signature line of `name`."""
    text, _, sigs = note.rpartition("\n\n")
    text += "\n"
    key_hash = hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4]
    for line in sigs.splitlines():
        if line.startswith("\u2014 %s " % name):
            raw = base64.b64decode(line.split(" ")[2])
            if raw[:4] == key_hash:
                key = eddsa.import_public_key(public)
                eddsa.new(key, "rfc8032").verify(text.encode(), raw[4:])
                return text
    raise AssertionError("no signature by %s" % name)


def mth(leaves):
    """RFC 6962 Merkle tree hash of a list of leaf hashes."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def index_path(n):
    parts = ["%03d" % (n % 1000)]
    n //= 1000
    while n:
        parts.insert(0, "x%03d" % (n % 1000))
        n //= 1000
    return "/".join(parts)


def tile_url(base, level, n, width):
    return "%s/tile/%s/%s%s" % (base, level, index_path(n), "" if width == 256 else ".p/%d" % width)


def read_log(base, origin, public):
    """(size, root, entries) of the log at `base` (the URL of its /log), after
    checking every tile it serves against the entries and the root against the
    signed checkpoint."""
    _, note = curl(base + "/checkpoint")
    lines = verify_note(note.decode(), origin, public).split("\n")
    assert lines[0] == origin
    size, root = int(lines[1]), base64.b64decode(lines[2])
    entries = []
    for n in range(0, size, 256):
        _, data = curl(tile_url(base, "entries", n // 256, min(256, size - n)))
        pos = 0
        while pos < len(data):
            length = int.from_bytes(data[pos:pos + 2], "big")
            entries.append(data[pos + 2:pos + 2 + length])
            pos += 2 + length
    assert len(entries) == size
    level_hashes = [hashlib.sha256(b"\x00" + e).digest() for e in entries]
    level = 0
    while level_hashes:
        for n in range(0, len(level_hashes), 256):
            width = min(256, len(level_hashes) - n)
            _, tile = curl(tile_url(base, level, n // 256, width))
            assert tile == b"".join(level_hashes[n:n + width]), "tile %d/%d" % (level, n // 256)
        level_hashes = [mth(level_hashes[i:i + 256]) for i in range(0, len(level_hashes) - 255, 256)]
        level += 1
    leaves = [hashlib.sha256(b"\x00" + e).digest() for e in entries]
    assert (mth(leaves) if leaves else hashlib.sha256(b"").digest()) == root
    return size, root, entries
