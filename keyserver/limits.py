"""Rate limits per client address (Flask-Limiter) on the routes that send
e-mail or try tokens. The limit strings are read from the config at request
time; RATELIMIT_STORAGE_URI picks the counter store (memory:// per process)."""
from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from .routes import links, register


def init_app(app):
    """Give `app` its own Limiter (apps never share counters)."""
    limiter = Limiter(get_remote_address, app=app)
    limiter.limit(lambda: current_app.config["RATE_LIMIT_REGISTER"])(register.bp)
    limiter.limit(lambda: current_app.config["RATE_LIMIT_TOKEN"])(links.bp)
    return limiter
