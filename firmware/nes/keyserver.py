"""Asking the key server for a user's keys (docs/PROTOCOL.md §10):
GET <url>/users/<name>, the answer checked against the pinned server key
before any key in it is used. Loaded by peers.py for a lookup only, with
the HTTP client, and dropped after it."""
import json

from . import http
from .errors import DirectoryError
from .lookup import verify_lookup
from .names import is_username


def lookup(url, server_public, name):
    """(M, S) of `name`, verified; None when the key server does not know
    the name; DirectoryError for a bad answer, OSError for no answer."""
    if not is_username(name):
        raise DirectoryError("not a username")
    status, body = http.get(url + "/users/" + name)
    if status == 404:
        return None
    if status != 200:
        raise DirectoryError("key server answered HTTP %d" % status)
    try:
        answer = json.loads(body)
    except ValueError:
        raise DirectoryError("key server answer is not JSON")
    return verify_lookup(answer, name, server_public)
