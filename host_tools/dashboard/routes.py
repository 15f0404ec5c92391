"""The dashboard's routes, all under /<token>/: the page and its static files,
`api/events` (server-sent events: first the state, then each message and
notice) and `api/send` (POST {"to", "text"}). A wrong token is 403; errors
are JSON {"error": ...}."""
import hmac
import json
import queue

from flask import Blueprint, Response, abort, current_app, jsonify, request, send_from_directory
from werkzeug.exceptions import HTTPException

from ..errors import CommandError
from ..settings import check_username
from . import STATIC

KEEPALIVE_SECONDS = 15

bp = Blueprint("dashboard", __name__, url_prefix="/<token>")

# The token is in the URL: no referrer may carry it elsewhere, and the page
# runs only its own scripts.
HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                               "base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


@bp.url_value_preprocessor
def check_token(endpoint, values):
    token = values.pop("token", "")
    if not hmac.compare_digest(token.encode(), current_app.config["TOKEN"].encode()):
        abort(403, "wrong or missing token: use the URL `nes dashboard` printed")


@bp.after_app_request
def security_headers(response):
    response.headers.update(HEADERS)
    return response


def _hub():
    return current_app.extensions["nes_hub"]


@bp.get("/")
def page():
    return send_from_directory(STATIC, "index.html")


@bp.get("/static/<path:name>")
def static(name):
    return send_from_directory(STATIC, name)


@bp.get("/api/events")
def events():
    hub = _hub()
    page = hub.subscribe()

    def stream():
        try:
            while True:
                try:
                    event = page.get(timeout=KEEPALIVE_SECONDS)
                except queue.Empty:
                    yield ": keepalive\n\n"
                    continue
                if event is None:  # the dashboard is stopping
                    return
                yield "data: %s\n\n" % json.dumps(event, ensure_ascii=False)
        finally:
            hub.unsubscribe(page)

    return Response(stream(), mimetype="text/event-stream", headers={"X-Accel-Buffering": "no"})


@bp.post("/api/send")
def send():
    body = request.get_json(silent=True)  # JSON only: a cross-site form cannot post here
    if not isinstance(body, dict) or not isinstance(body.get("to"), str) or not isinstance(body.get("text"), str):
        abort(400, 'send a JSON object {"to": USER, "text": TEXT}')
    if not body["text"]:
        abort(400, "nothing to send: the message is empty")
    try:
        return jsonify(message=_hub().send(check_username(body["to"]), body["text"]))
    except CommandError as exc:
        abort(400, str(exc))


def register_errors(app):
    @app.errorhandler(HTTPException)
    def json_error(exc):
        return jsonify(error=exc.description), exc.code
