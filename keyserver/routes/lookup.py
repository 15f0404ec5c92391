"""GET /users/<username>: the stored signed answer (docs/PROTOCOL.md §10),
keys or "no such user", served by keyserver.answers (which also answers it
before Flask in the WSGI app; this route names it for url_for).

With `?log=1`, or `?since=N` (the tree size the client holds), a keys
answer also carries the "log" member: the proofs that the keys are the
name's latest transparency-log entry (docs/TRANSPARENCY.md §4), and is
signed as the "lookup logged" statement, which adds the log state they are
proved in (§10). It depends on the log's current size and so is never
cached (no-store); the plain answer stays the cacheable one."""
import base64
import json

from flask import Blueprint, Response, request

from host_tools.protocol import directory, signing
from host_tools.protocol import tlog as proto

from .. import accounts, answers, errors

bp = Blueprint("lookup", __name__)


@bp.get("/users/<username>")
def lookup(username):
    current = accounts.current()
    wants_log = request.args.get("log") == "1" or "since" in request.args
    status, headers, body = answers.answer(current, username, None if wants_log else
                                           request.headers.get("If-None-Match"), accounts.now())
    if wants_log and status == 200:
        answer = json.loads(body)
        answer["log"] = log_member(answer["response"], request.args.get("since"))
        if answer["log"] is None:
            return errors.respond(503, "the directory changed during the lookup; try again")
        answer["signature"] = _logged_signature(current.server_key.seed, answer)
        body = json.dumps(answer, separators=(",", ":")).encode("ascii")
        headers = [("Cache-Control", "no-store")]
    return Response(body, status, headers, content_type=None if status == 304 else "application/json")


def _logged_signature(seed, answer):
    r = answer["response"]
    keys = tuple(base64.b64decode(r[k]) for k in ("public_key_message", "public_key_sign"))
    logged = proto.answer_commitment(answer["log"])
    data = directory.signed_bytes(r["username"], r["serial"], r["issued_at"], r["expires_at"], keys, logged)
    return base64.b64encode(signing.sign(seed, data)).decode("ascii")


def log_member(response, since):
    """The transparency-log proofs of the keys in `response` (issue 18), with a
    consistency proof from tree size `since` when the client gives one; None
    when the name's latest entry is not these keys and serial (it changed
    meanwhile): the client rebuilds the entry from the answer's."""
    since = int(since) if since and since.isdigit() and len(since) < 20 else None
    member = accounts.current().log.lookup_proof(response["username"], since)
    keys = tuple(base64.b64decode(response[k]) for k in ("public_key_message", "public_key_sign"))
    if (member is None or member.pop("keys") != keys or member.pop("serial") != response["serial"]
            or member["kind"] == proto.DEACTIVATE):
        return None
    return member
