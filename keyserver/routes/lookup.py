"""GET /users/<username>: an active user's keys with the server's stored
signature (docs/PROTOCOL.md §10); pending and unknown names are 404. The
"log" member proves the keys are the name's latest log entry
(docs/TRANSPARENCY.md §4)."""
import base64

from flask import Blueprint, jsonify, request

from host_tools.protocol import tlog as proto

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
    answer = {
        "response": {
            "username": entry.username,
            "public_key_message": entry.public_key_message,
            "public_key_sign": entry.public_key_sign,
        },
        "signature": entry.signature,
    }
    if request.args.get("log") != "0":  # ?log=0: a client comparing the keys with its pin
        answer["log"] = log_member(entry, request.args.get("since"))
        if answer["log"] is None:
            return errors.respond(503, "the directory changed during the lookup; try again")
    return jsonify(answer)


def log_member(entry, since):
    """The transparency-log proofs of an entry (issue 18), with a consistency
    proof from tree size `since` when the client gives one; None when the
    name's latest entry is not these keys (it changed during the lookup)."""
    since = int(since) if since and since.isdigit() and len(since) < 20 else None
    member = accounts.current().log.lookup_proof(entry.username, since)
    keys = tuple(base64.b64decode(k) for k in (entry.public_key_message, entry.public_key_sign))
    if member is None or member.pop("keys") != keys or member["kind"] == proto.DEACTIVATE:
        return None
    return member
