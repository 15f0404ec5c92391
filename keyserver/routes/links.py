"""GET /users/<username>/<token>: the links mailed to a user. An activation
link publishes a pending account, a deactivation link removes an active one.
Each works once. Browsers get an HTML page, JSON clients JSON."""
from flask import Blueprint, jsonify, request

from .. import accounts, errors, pages, validate

bp = Blueprint("links", __name__)

_OUTCOMES = {
    accounts.ACTIVATED: (
        "Keys published",
        "The public keys of %s are now in the directory. A message with a link to remove them is on its way.",
    ),
    accounts.DEACTIVATED: (
        "Keys removed",
        "The public keys of %s were removed from the directory and the name is free again.",
    ),
}


@bp.get("/users/<username>/<token>")
def follow(username, token):
    try:
        name = validate.username(username)
    except validate.ValidationError:
        raise accounts.LinkUnknown() from None
    outcome = accounts.current().follow(name, token, request.url_root, accounts.now())
    title, text = _OUTCOMES[outcome]
    if errors.wants_html():
        return pages.render(title, text % name), 200, {"Content-Type": "text/html; charset=utf-8"}
    return jsonify({"username": name, "status": outcome, "message": text % name})
