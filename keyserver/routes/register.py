"""POST /users: register a name and its two public keys; the account stays
pending until the e-mailed activation link is followed."""
from flask import Blueprint, jsonify, request, url_for

from .. import accounts, validate

bp = Blueprint("register", __name__)


@bp.post("/users")
def register():
    entry = validate.registration(request.get_json(force=True, silent=True))
    accounts.current().register(entry, request.url_root, accounts.now())
    response = jsonify(entry)
    response.status_code = 201
    response.headers["Location"] = url_for("lookup.lookup", username=entry["username"])
    return response
