"""GET /log/checkpoint and /log/tile/...: the transparency log as C2SP
tlog-checkpoint and tlog-tiles resources (docs/TRANSPARENCY.md). Tiles and
entry bundles never change once they exist and are cached for a year; the
checkpoint changes with every append."""
from flask import Blueprint, make_response

from host_tools.protocol import tlog as proto

from .. import accounts, errors

bp = Blueprint("log", __name__, url_prefix="/log")

IMMUTABLE = "public, max-age=31536000, immutable"


@bp.get("/checkpoint")
def checkpoint():
    response = make_response(accounts.current().log.checkpoint())
    response.content_type = "text/plain; charset=utf-8"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/tile/<path:tile>")
def tile(tile):
    parsed = proto.parse_tile_path(tile)
    if parsed is None:
        return errors.respond(404, "no such tile")
    level, n, width = parsed
    log = accounts.current().log
    data = log.bundle(n, width) if level == "entries" else log.tile(level, n, width)
    if data is None:
        return errors.respond(404, "no such tile")
    response = make_response(data)
    response.content_type = "application/octet-stream"
    response.headers["Cache-Control"] = IMMUTABLE
    return response
