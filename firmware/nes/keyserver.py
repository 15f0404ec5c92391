"""Asking the key server for a user's keys (docs/PROTOCOL.md §10):
GET <url>/users/<name>, the answer checked against the pinned server key,
the board's clock and the serial seen before any key in it is used. Keys not
pinned yet are asked for with the transparency log's proofs (`?since=N`,
docs/TRANSPARENCY.md) and pinned only when the log holds them. Loaded by
peers.py for a lookup only, with the HTTP client, and dropped after it."""
import binascii
import json

import nes

from .proto.errors import DirectoryError
from .proto.names import is_username

# What a lookup loads: peers.py drops it after each, and on the pure path
# nes/startup.py loads it once at start.
CODE = ("keyserver", "http", "proto.directory", "proto.logstate", "proto.tlog", "proto.cosignature")


def _get(url):
    # The HTTP client (and its socket) is gone before the signature check
    # loads: the two never share the heap of a small board.
    from . import http

    try:
        return http.get(url)
    finally:
        nes.unload("http")


def lookup(url, server_public, name, now, seen_serial=0, log_path=None, witness=None):
    """(keys or None, serial, issued_at, expires_at) of `name`, verified (keys
    None: the server says, signed, that the name has none); None for an
    unsigned 404 when nothing was seen of the name (`seen_serial` 0): a name
    never published. DirectoryError for a bad answer, OSError for no answer.
    With `log_path` (the file of the newest log checkpoint kept; given for a
    name not pinned yet) the keys must come with the log's proofs, and with
    `witness` (cosignature.parse_key's) their checkpoint with its cosignature."""
    if not is_username(name):
        raise DirectoryError("not a username")
    kept, cosigned = _kept(log_path) if log_path else (None, None)
    query = "" if not log_path else "?since=%d" % kept[1] if kept else "?log=1"
    status, body = _get(url + "/users/" + name + query)
    if status != 200 and status != 404:
        raise DirectoryError("key server answered HTTP %d" % status)
    try:
        answer = json.loads(body)
    except ValueError:
        raise DirectoryError("key server answer is not JSON")
    body = None
    if status == 404 and not seen_serial and not (isinstance(answer, dict) and "signature" in answer):
        return None
    from .proto.directory import read_answer

    logged = head = None
    if log_path and status == 200:
        # The keys come signed with the log state they are proved in (§10): one
        # signature vouches for both, the proofs (tlog, loaded after it) are hashing.
        from .proto.logstate import commitment

        logged, head = commitment(answer.get("log"))
    found = read_answer(status, answer, name, server_public, now, seen_serial, logged)
    read_answer = None  # the answer is checked: its code leaves before the proofs' code loads
    nes.unload("proto.directory")
    if head:
        from .proto import tlog

        keys = found[0]
        newest = tlog.check(answer["log"], head, name, found[1], keys[0], keys[1], kept)
        nes.unload("proto.tlog")
        # The witness's cosignature (an Ed25519 verification) is checked only
        # when the kept checkpoint changes: the kept one was checked when kept.
        signer = witness and witness[1]
        if newest != kept or signer != cosigned:
            if witness:
                from .proto import cosignature

                cosignature.verify(answer["log"]["checkpoint"].encode(), witness)
            _keep(log_path, newest, signer)
    return found


def _kept(log_path):
    """((origin, size, root) or None, witness key ID or None) of the checkpoint
    kept in `log_path`: its lines, the fourth (hex) when a witness cosigned it."""
    from . import storage
    from .crypto import b64

    data = storage.load(log_path)
    if not data:
        return None, None
    lines = data.split(b"\n")
    signer = binascii.unhexlify(lines[3]) if len(lines) > 4 else None
    return (lines[0], int(lines[1]), b64.decode(lines[2])), signer


def _keep(log_path, checkpoint, signer):
    from . import storage
    from .crypto import b64

    origin, size, root = checkpoint
    storage.write_atomic(log_path, b"\n".join((origin, str(size).encode(), b64.encode(root))
                                             + ((binascii.hexlify(signer),) if signer else ())) + b"\n")
