"""POST /users: register a name and its two public keys; the account stays
pending until the e-mailed activation link is followed."""
import json

from flask import Blueprint, jsonify, request, url_for
from werkzeug.exceptions import UnsupportedMediaType

from .. import accounts, validate

bp = Blueprint("register", __name__)

JSON = "application/json"


def _body():
    """The parsed JSON body. Only application/json is taken: a form or
    text/plain post from a foreign web page (no CORS preflight) is 415."""
    if request.mimetype != JSON:
        raise UnsupportedMediaType()
    try:
        return json.loads(request.get_data(cache=False))
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
        raise validate.ValidationError(None, "the body is not valid JSON") from None


@bp.post("/users")
def register():
    entry = validate.registration(_body())
    accounts.current().register(entry, request.url_root, accounts.now())
    response = jsonify(entry)
    response.status_code = 201
    response.headers["Location"] = url_for("lookup.lookup", username=entry["username"])
    return response
