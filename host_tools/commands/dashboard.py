"""`nes dashboard`: serve the local web page (host_tools/dashboard) until
Ctrl-C. It prints one URL holding a token made for this run; any other token
gets 403. Every message it receives or sends is kept in the history."""
import ipaddress
import logging
import secrets
import socket

from werkzeug.serving import make_server

from ..dashboard import check_assets, create_app
from ..dashboard.hub import Hub
from ..errors import CommandError
from ..history import History, default_path
from ..messaging import Receiver
from ..output import notice
from .history import add_store_argument
from .messages import handle_events, open_session, stop_on_sigterm


def add_dashboard_arguments(parser):
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    add_store_argument(parser, "the history file the page shows and adds to")


def _loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def do_dashboard(state, args):
    check_assets()
    identity = state.identity()
    receiver = Receiver(identity, state.directory(),
                        state.settings.state_file("%s-dashboard-replay.json" % identity.user))
    history = History(args.store or default_path(state.settings))
    hub = Hub(receiver, history, lambda: open_session(state, receiver, "dashboard"), handle_events)
    receiver.directory.warn = lambda text: (notice(text), hub.notice(text))
    token = secrets.token_urlsafe(24)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    try:
        # Bound here, not by werkzeug, which would exit on a port in use.
        family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
        listener = socket.create_server((args.host, args.port), family=family)
    except (OSError, OverflowError) as exc:
        history.close()
        raise CommandError("cannot listen on %s:%s: %s" % (args.host, args.port, getattr(exc, "strerror", None) or exc)) from None
    with listener:
        port = listener.getsockname()[1]
        server = make_server(args.host, port, create_app(hub, token), threaded=True, fd=listener.fileno())
    stop_on_sigterm()
    try:
        hub.start()
    except CommandError:
        server.server_close()
        history.close()
        raise
    try:
        host = "[%s]" % args.host if ":" in args.host else args.host
        print("dashboard of %s: http://%s:%d/%s/" % (identity.user, host, port, token), flush=True)
        if not _loopback(args.host):
            notice("listening on %s: anyone who can reach it and has the URL reads and sends as %s"
                   % (args.host, identity.user))
        notice("receiving on %s (Ctrl-C to stop)" % hub.session.address.url)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        hub.stop()
        server.server_close()
        history.close()
