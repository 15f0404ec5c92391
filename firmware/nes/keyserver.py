"""Asking the key server for a user's keys (docs/PROTOCOL.md §10):
GET <url>/users/<name>, the answer checked against the pinned server key,
the board's clock and the serial seen before any key in it is used. Loaded by
peers.py for a lookup only, with the HTTP client, and dropped after it."""
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


def lookup(url, server_public, name, now, seen_serial=0):
    """(keys or None, serial, issued_at, expires_at) of `name`, verified (keys
    None: the server says, signed, that the name has none); None for an
    unsigned 404 when nothing was seen of the name (`seen_serial` 0): a name
    never published. DirectoryError for a bad answer, OSError for no answer."""
    if not is_username(name):
        raise DirectoryError("not a username")
    status, body = _get(url + "/users/" + name)
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

    return read_answer(status, answer, name, server_public, now, seen_serial)
