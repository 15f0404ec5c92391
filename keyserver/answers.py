"""The lookup read path, GET /users/<name> (docs/PROTOCOL.md §10): the stored
signed answer served as it is, with an ETag and a Cache-Control max-age so an
HTTP cache in front (deploy/nginx/) answers most lookups; a conditional GET
gets 304. `ReadPath` serves it as WSGI before Flask: no request context, no
ORM, one primary-key read; the Flask route in routes/lookup.py calls `answer`
too, for url_for and for apps without the shortcut."""
import json
import re

from . import accounts, validate

_PATH = re.compile(r"/users/([^/]+)\Z")
_UNKNOWN = json.dumps({"error": "no such user", "status": 404}).encode("ascii")


def answer(accounts_, username, if_none_match, now):
    """(status, headers, body) of a lookup of `username` at time `now`."""
    try:
        name = validate.username(username)
    except validate.ValidationError:
        name = None
    stored = accounts_.store.answer(name) if name else None
    max_age = accounts_.config["LOOKUP_MAX_AGE"]
    if stored is None:
        return 404, [("Cache-Control", "public, max-age=%d" % max_age)], _UNKNOWN
    status, body, serial, issued_at, expires_at = accounts_.refreshed(name, stored, now)
    headers = [
        ("ETag", '"%d-%d"' % (serial, issued_at)),
        ("Cache-Control", "public, max-age=%d" % max(0, min(max_age, expires_at - now))),
    ]
    if if_none_match and headers[0][1] in (tag.strip() for tag in if_none_match.split(",")):
        return 304, headers, b""
    return status, headers, body


_REASONS = {200: "200 OK", 304: "304 Not Modified", 404: "404 Not Found"}


class ReadPath:
    """WSGI middleware: GET and HEAD of /users/<name> answered here, the rest
    (and a lookup with a query, which asks for the log's proofs) by `app`."""

    def __init__(self, app, accounts_):
        self.app = app
        self.accounts = accounts_

    def __call__(self, environ, start_response):
        match = _PATH.match(environ.get("PATH_INFO", ""))
        method = environ.get("REQUEST_METHOD")
        if match is None or method not in ("GET", "HEAD") or environ.get("QUERY_STRING"):
            return self.app(environ, start_response)  # a query (?log=1) is the route's
        status, headers, body = answer(self.accounts, match.group(1),
                                       environ.get("HTTP_IF_NONE_MATCH"), accounts.now())
        if status != 304:
            headers.append(("Content-Type", "application/json"))
        headers.append(("Content-Length", str(len(body))))
        start_response(_REASONS[status], headers)
        return [b"" if method == "HEAD" else body]
