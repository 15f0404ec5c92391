"""Board start: check the configuration and the keys, only then load the
application, build it and bring it online (nes/online.py); with
power.sleep_s set, run one duty cycle (nes/duty.py) instead of returning. A board that is
not provisioned yet thus keeps its heap for the REPL and for provisioning,
and none of this code stays loaded once the board runs: the module is
unloaded after use."""
import gc

import board
import nes

from . import storage
from .proto.constants import const

# Loaded largest first, collecting in between, so that the heap is left in
# few large free blocks rather than many small ones.
_MODULES = ("proto.envelope", "transport", "peers", "app")
# On the pure path (docs/FIRMWARE.md, Memory): collections every _PACK_BYTES
# allocated (App lifts it for each open and seal), the key lookup's code
# loaded once at start, so that the names it interns are kept low in the heap
# rather than among the messages', and the DRBG's code loaded with the rest.
_PACK_BYTES = const(4096)


class SetupError(Exception):
    """The board cannot start: bad configuration or no keys; one line per problem."""

    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = problems


def configure():
    """(config, keys) from flash; SetupError listing every problem."""
    from . import config, identity

    try:
        cfg = config.load(has_wifi=board.HAS_WIFI)
    except config.ConfigError as exc:
        problems = exc.problems + ["fix %s, then reset the board" % config.PATH]
        raise SetupError(["config: " + p for p in problems])
    finally:
        nes.unload("config")
    keys = identity.load()
    nes.unload("identity")
    if keys is None:
        raise SetupError(["nes: this board has no keys: run `nes provision` on the host "
                          "(or nes.provision.generate() here)"])
    return cfg, keys


def _replay_cache():
    from .proto.replay import ReplayCache

    path = storage.path("replay.json")
    try:
        data = storage.load_json(path)
        if data is not None:
            return ReplayCache.from_dict(data)
    except ValueError:
        print("nes: %s is damaged; starting an empty replay cache" % path)
    return ReplayCache()


def create():
    """The board's App, from the configuration and keys on flash (SetupError)."""
    cfg, keys = configure()
    replay = _replay_cache()  # before the big modules: its parsing leaves no holes among them
    from .crypto import field  # decides the backend before anything large loads

    modules = _MODULES
    if not field.fast:
        gc.threshold(_PACK_BYTES)
        from . import keyserver

        for name in keyserver.CODE:
            __import__("nes." + name)
        for name in keyserver.CODE:
            nes.unload(name)
        keyserver = None
        modules += ("entropy",)
    for name in modules:
        __import__("nes." + name)
        gc.collect()
    from .app import App, topic
    from .peers import Peers
    from .transport import Transport, umqtt_origin

    print("nes: user %s on %s; umqtt.simple %s" % (cfg.user, board.NAME, umqtt_origin()))
    print("nes: crypto backend %s (%s)" % (field.BACKEND, field.WHY))
    poster = None
    if cfg.sensor_recipients and (cfg.sensor_interval or cfg.power_sleep_s):
        from .sensor import Poster

        poster = Poster(board, cfg.sensor_recipients, cfg.sensor_interval, cfg.sensor_sensors)
    peers = Peers(cfg.keyserver_url, cfg.keyserver_public_key, refresh=cfg.keyserver_refresh,
                  witness=cfg.keyserver_witness)
    app = App(cfg, keys, peers, replay, poster)
    app.transport = Transport(
        cfg.broker_host, cfg.broker_port, cfg.broker_client_id, topic(cfg.user),
        app.on_frame, app.on_drop, cfg.broker_user, cfg.broker_password, cfg.broker_keepalive,
        cfg.broker_tls)
    return app


def main():
    """Entry point of /main.py: the application, online and ready to run();
    None (and why, on the console) when the board cannot start."""
    print("nes: board %s" % board.NAME)
    try:
        app = create()
    except SetupError as exc:
        for problem in exc.problems:
            print(problem)
        print("nes: not started")
        app = None
    nes.unload("startup")
    if app and app.cfg.power_sleep_s:
        from . import duty

        duty.cycle(app)  # online, one cycle, deep sleep
    elif app:
        app.start()
    return app
