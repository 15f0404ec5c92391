"""`nes dashboard`: a local web page of the user's correspondents and boards,
their latest readings, live plots per sensor and the conversation with a send
box. A Flask app (create_app) over a Hub (hub.py), every URL under a per-run
secret token; the chart library (uPlot) is served from static/vendor/, where
`make` puts it (tools/fetch_uplot.py), so the page needs no network."""
import pathlib

from flask import Flask

from ..errors import CommandError

STATIC = pathlib.Path(__file__).resolve().parent / "static"
CHART_LIBRARY = STATIC / "vendor" / "uPlot.iife.min.js"


def check_assets():
    """CommandError when the chart library was not fetched."""
    if not CHART_LIBRARY.is_file():
        raise CommandError("the dashboard's chart library is missing (%s); `make venv` "
                           "or `python tools/fetch_uplot.py` fetches it" % CHART_LIBRARY)


def create_app(hub, token, test_config=None):
    """The dashboard for `hub`, every route under /<token>/."""
    from . import routes

    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(TOKEN=token, MAX_CONTENT_LENGTH=64 * 1024)
    if test_config:
        app.config.update(test_config)
    app.extensions["nes_hub"] = hub
    app.register_blueprint(routes.bp)
    routes.register_errors(app)
    return app
