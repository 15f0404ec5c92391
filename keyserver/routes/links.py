"""/users/<username>/<token>: the links mailed to a user. Mail scanners fetch
every link (HEAD, GET), so a GET only shows what the link would do, with a
button; the POST that button sends to the same address acts: an activation
link publishes a pending account, a deactivation link removes an active one.
Each works once. Browsers get an HTML page, JSON clients JSON."""
from flask import Blueprint, jsonify, request

from .. import accounts, errors, pages, validate
from ..store import ACTIVATE, DEACTIVATE

bp = Blueprint("links", __name__)

CONFIRM = "confirm"

# purpose: (title, text, button) of the confirmation page
_QUESTIONS = {
    ACTIVATE: (
        "Publish your keys?",
        "Publish the public keys registered under the name %s in the directory.",
        "Publish the keys",
    ),
    DEACTIVATE: (
        "Remove your keys?",
        "Remove the public keys of %s from the directory and free the name.",
        "Remove the keys",
    ),
}

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


def _answer(name, status, title, text, button=None):
    if errors.wants_html():
        return pages.render(title, text % name, button), 200, {"Content-Type": "text/html; charset=utf-8"}
    return jsonify({"username": name, "status": status, "message": text % name})


# One route for both methods: they share the rate limit that guards the tokens.
@bp.route("/users/<username>/<token>", methods=("GET", "POST"))
def follow(username, token):
    try:
        name = validate.username(username)
    except validate.ValidationError:
        raise accounts.LinkUnknown() from None
    if request.method != "POST":  # GET, and the HEAD Flask answers with it
        purpose = accounts.current().purpose(name, token, accounts.now())
        return _answer(name, CONFIRM, *_QUESTIONS[purpose])
    outcome = accounts.current().follow(name, token, request.url_root, accounts.now())
    return _answer(name, outcome, *_OUTCOMES[outcome])
