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


def lookup(url, server_public, name, pinned=None):
    """(M, S) of `name`, verified; None when the key server does not know
    the name; DirectoryError for a bad answer, OSError for no answer.
    `pinned`: the b64 texts of the keys this board holds for the name."""
    if not is_username(name):
        raise DirectoryError("not a username")
    status, body = _get(url + "/users/" + name)
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
    from .proto.directory import verify_lookup

    return verify_lookup(answer, name, server_public)


def _names_keys(answer, name, pinned):
    entry = answer.get("response") if isinstance(answer, dict) else None
    return (isinstance(entry, dict) and entry.get("username") == name
            and entry.get("public_key_message") == pinned[0]
            and entry.get("public_key_sign") == pinned[1])
