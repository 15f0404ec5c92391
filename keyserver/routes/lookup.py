"""GET /users/<username>: an active user's keys with the server's stored
signature (docs/PROTOCOL.md §10); pending and unknown names are 404."""
from flask import Blueprint, jsonify

from .. import accounts, errors, validate

bp = Blueprint("lookup", __name__)


@bp.get("/users/<username>")
def lookup(username):
    try:
        name = validate.username(username)
    except validate.ValidationError:
        name = None
    entry = accounts.current().store.lookup(name) if name else None
    if entry is None:
        return errors.respond(404, "no such user")
    return jsonify({
        "response": {
            "username": entry.username,
            "public_key_message": entry.public_key_message,
            "public_key_sign": entry.public_key_sign,
        },
        "signature": entry.signature,
    })
