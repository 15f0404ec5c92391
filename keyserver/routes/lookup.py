"""GET /users/<username>: the stored signed answer (docs/PROTOCOL.md §10),
keys or "no such user", served by keyserver.answers (which also answers it
before Flask in the WSGI app; this route names it for url_for)."""
from flask import Blueprint, Response, request

from .. import accounts, answers

bp = Blueprint("lookup", __name__)


@bp.get("/users/<username>")
def lookup(username):
    status, headers, body = answers.answer(accounts.current(), username,
                                           request.headers.get("If-None-Match"), accounts.now())
    return Response(body, status, headers, content_type=None if status == 304 else "application/json")
