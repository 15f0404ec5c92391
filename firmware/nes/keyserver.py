"""Asking the key server for a user's keys (docs/PROTOCOL.md §10):
GET <url>/users/<name>, the answer checked against the pinned server key
before any key in it is used. Loaded by peers.py for a lookup only, with
the HTTP client, and dropped after it."""
import json

import nes

from .proto.errors import DirectoryError
from .proto.names import is_username


def _get(url):
    # The HTTP client (and its socket) is gone before the signature check
    # loads: the two never share the heap of a small board.
    from . import http

    try:
        return http.get(url)
    finally:
        nes.unload("http")


def lookup(url, server_public, name, pinned=None, log_path=None):
    """(M, S) of `name`, verified; None when the key server does not know
    the name; DirectoryError for a bad answer, OSError for no answer.
    `pinned`: the b64 texts of the keys this board holds for the name;
    `log_path`: the file of the newest log checkpoint kept (docs/TRANSPARENCY.md)."""
    if not is_username(name):
        raise DirectoryError("not a username")
    kept = None if pinned else _kept(log_path)
    # With a pin, the answer is first only compared with it: no log proofs
    # are asked for (?log=0), which keeps a send's heap as it was.
    query = "?log=0" if pinned else "?since=%d" % kept[1] if kept else ""
    status, body = _get(url + "/users/" + name + query)
    if status == 404:
        return None
    if status != 200:
        raise DirectoryError("key server answered HTTP %d" % status)
    try:
        answer = json.loads(body)
    except ValueError:
        raise DirectoryError("key server answer is not JSON")
    body = None
    if pinned and _names_keys(answer, name, pinned):
        # The keys this board already holds: nothing to verify. Whoever
        # forged such an answer could only have the board seal with its pin,
        # as it does when the key server cannot be reached; the signature
        # check (and its share of a small heap) is spared on every send.
        from .crypto import b64

        return b64.decode(pinned[0]), b64.decode(pinned[1])
    if pinned:
        answer = None
        return lookup(url, server_public, name, None, log_path)  # other keys: ask with the proofs
    from .proto.directory import verify_lookup

    keys = verify_lookup(answer, name, server_public)
    # Transparency log (issue 18): keys are pinned only with a proof that the
    # log holds them, against a checkpoint extending the one kept.
    from .proto import tlog

    newest = tlog.check(answer.get("log"), name, keys[0], keys[1], server_public, kept)
    if log_path and newest != kept:
        _keep(log_path, newest)
    return keys


def _kept(log_path):
    """(origin, size, root) of the checkpoint kept in `log_path`: its three lines."""
    from . import storage
    from .crypto import b64

    data = storage.load(log_path) if log_path else None
    if not data:
        return None
    origin, size, root = data.split(b"\n")[:3]
    return origin, int(size), b64.decode(root)


def _keep(log_path, checkpoint):
    from . import storage
    from .crypto import b64

    origin, size, root = checkpoint
    storage.write_atomic(log_path, origin + b"\n" + str(size).encode() + b"\n" + b64.encode(root) + b"\n")


def _names_keys(answer, name, pinned):
    entry = answer.get("response") if isinstance(answer, dict) else None
    return (isinstance(entry, dict) and entry.get("username") == name
            and entry.get("public_key_message") == pinned[0]
            and entry.get("public_key_sign") == pinned[1])
