"""Service routes: the server's public key (clients pin it at provisioning),
a health check for load balancers, and the OpenAPI description."""
from flask import Blueprint, jsonify
from sqlalchemy.exc import SQLAlchemyError

from .. import accounts, errors, openapi

bp = Blueprint("meta", __name__)


@bp.get("/key")
def key():
    return jsonify({"public_key": accounts.current().server_key.public_b64, "algorithm": "Ed25519"})


@bp.get("/healthz")
def healthz():
    try:
        accounts.current().store.ping()
    except SQLAlchemyError:
        return errors.respond(503, "database unavailable")
    return jsonify({"status": "ok"})


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(openapi.DOCUMENT)
