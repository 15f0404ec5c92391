"""Every error as a JSON body `{"error", "status"[, "field"]}` with no
internals; the e-mailed link route answers browsers with an HTML page instead."""
import logging

from flask import jsonify, make_response, request
from werkzeug.exceptions import HTTPException

from . import pages
from .accounts import LinkExpired, LinkUnknown
from .mail import MailError
from .store import NameTaken
from .validate import ValidationError

log = logging.getLogger(__name__)

LINK_ENDPOINT = "links.follow"

# exception class: (status, public message); None keeps the exception's own message.
_DOMAIN = {
    ValidationError: (400, None),
    NameTaken: (409, "username is taken"),
    LinkUnknown: (404, "unknown or already used link"),
    LinkExpired: (410, "the link has expired; register again"),
    MailError: (503, "cannot send e-mail now; nothing was changed, try again later"),
}


def wants_html():
    """True on the e-mailed link route unless the client prefers JSON (a
    person's browser, or anything that did not ask for application/json)."""
    if request.endpoint != LINK_ENDPOINT:
        return False
    best = request.accept_mimetypes.best_match(["text/html", "application/json"], default="text/html")
    return best == "text/html"


def respond(status, message, field=None):
    """A Response: JSON, or the HTML page for a browser on the link route."""
    if wants_html():
        response = make_response(pages.render("Error %d" % status, message), status)
        response.content_type = "text/html; charset=utf-8"
        return response
    body = {"error": message, "status": status}
    if field is not None:
        body["field"] = field
    return make_response(jsonify(body), status)


def _domain_error(exc):
    status, message = _DOMAIN[type(exc)]
    return respond(status, message or exc.message, getattr(exc, "field", None))


def _http_error(exc):
    if exc.code == 429:
        response = respond(429, "too many requests: %s" % exc.description)
    else:
        response = respond(exc.code, exc.name.lower())
    if exc.code == 405 and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _internal_error(exc):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return respond(500, "internal server error")


def init_app(app):
    for cls in _DOMAIN:
        app.register_error_handler(cls, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal_error)
