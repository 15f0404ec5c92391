"""`nes provision`: put NES on a board over its serial REPL and enrol it.

1. copy the firmware tree (main.py, lib/nes, lib/board, lib/umqtt/simple),
   skipping files the board already holds, with a progress bar;
2. write /nesdata/config.json (keeping what a previous run wrote and this
   one does not change), and with --ca-file the CA certificate (DER) its TLS
   links are checked against; with --broker-admin, first make the board's
   broker login, bound to its client id (deploy/mosquitto/dynsec.conf); set
   the board's RTC from the host's clock, a starting point until the board
   hears NTP;
3. mix 32 bytes of the host's entropy into the board's DRBG (sent, never stored),
   have the board make its own keys (`nes.provision.generate`) and read back
   the one line with the public keys — private keys are never read;
4. restart the board, register the public keys at the key server and say
   how to activate them.
The same on a USB board and on the virtual board."""
import getpass
import hashlib
import ipaddress
import json
import secrets
import socket
import ssl
import time
from collections import namedtuple
from dataclasses import dataclass

from . import profiles
from .link import BoardLink
from ..errors import CommandError
from ..keyfiles import b64, decode_key, fingerprint
from ..keyserver_client import KeyServer, RegistrationRefused, UnknownUser
from ..output import ProgressBar
from ..settings import random_client_id

CONFIG = "/nesdata/config.json"
CA = "/nesdata/ca.der"  # firmware/nes/storage.py CA: the board checks its TLS links against it
_PEM_BEGIN = "-----BEGIN CERTIFICATE-----"
_PEM_END = "-----END CERTIFICATE-----"
PACKAGE_DIR = "/lib/nes"
PUBLIC_MARK = "NES-PUBLIC "
# Before anything else, free what the interrupted application holds (a small board's heap
# is mostly its), and drop the old modules so the copied ones are loaded: forget the REPL's
# variables and the nes and board modules, then collect.
FREE = ("for _k in [k for k in globals() if k[:2] != '__']:\n del globals()[_k]\n"
        "import sys, gc\nfor _m in [k for k in sys.modules if k in ('nes', 'board') or k[:4] == 'nes.']:\n"
        " del sys.modules[_m]\ngc.collect()")


@dataclass
class Request:
    board: str
    port: str
    user: str
    email: str
    broker: object  # mqtt.BrokerAddress
    keyserver: KeyServer  # with the pinned server key
    wifi_ssid: str = None
    wifi_password: str = None
    new_keys: bool = False
    firmware_dir: str = None
    post_to: list = None  # sensor recipients; None keeps the board's
    interval: int = None  # seconds between readings; None keeps the board's
    sleep: int = None  # power.sleep_s, the duty cycle's deep sleep (0: always on); None keeps the board's
    ntp_host: str = None  # the board's NTP server (host or host:port); None keeps the board's
    allow: list = None  # senders whose /commands the board runs; None keeps the board's
    ca_file: str = None  # PEM; its first certificate goes to the board for its TLS links
    broker_admin: object = None  # mqtt.BrokerAddress of a dynamic-security admin login, or None
    sensors: list = None  # sensor specs (board/sensors.py); None keeps the board's


def _is_loopback(host):
    try:
        return ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        return False


def check_reachable(request):
    """A real board cannot use the host's loopback address for the broker or key server."""
    if request.board == "unix":
        return
    from urllib.parse import urlsplit
    for what, host, flag in (("broker", request.broker.host, "-b"),
                             ("key server", urlsplit(request.keyserver.url).hostname, "-p")):
        if _is_loopback(host):
            raise CommandError("the %s address %s is the board itself, seen from the board; give the "
                               "host's network address with %s" % (what, host, flag))


def board_ca(request):
    """The DER certificate the board checks its TLS links against; None when it needs none.
    A board has no CA store of its own, so an mqtts:// broker or an https:// key server
    needs --ca-file."""
    if request.ca_file is None:
        if request.broker.tls or request.keyserver.url.startswith("https://"):
            raise CommandError("a board checks TLS certificates only against a CA it holds: give the "
                               "CA certificate (PEM) with --ca-file")
        return None
    try:
        with open(request.ca_file, encoding="ascii") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError("cannot read the CA file %s: %s" % (request.ca_file, exc)) from None
    start, end = text.find(_PEM_BEGIN), text.find(_PEM_END)
    if start < 0 or end < start:
        raise CommandError("the CA file %s holds no PEM certificate" % request.ca_file)
    try:
        return ssl.PEM_cert_to_DER_cert(text[start:end + len(_PEM_END)])
    except ValueError as exc:
        raise CommandError("the CA file %s holds no PEM certificate: %s" % (request.ca_file, exc)) from None


def install_files(link, tree):
    """Copy the firmware tree, skipping the files the board already holds."""
    files = [(("/" + str(p.relative_to(tree))), p.read_bytes()) for p in sorted(tree.rglob("*")) if p.is_file()]
    needed = [(path, data) for path, data in files if link.sha256(path) != hashlib.sha256(data).digest()]
    bar = ProgressBar(sum(len(data) for _, data in needed))
    made = set()
    for path, data in needed:
        parent = path.rsplit("/", 1)[0]
        if parent and parent not in made:
            link.mkdirs(parent)
            made.add(parent)
        link.write(path, data, lambda n, path=path: bar.advance(n, path))
    # A module left from an older firmware would still be importable (a .py even before the .mpy).
    shipped = {path for path, _ in files if path.startswith(PACKAGE_DIR + "/")}
    for folder in sorted({path.rsplit("/", 1)[0] for path in shipped}):
        for name in link.listdir(folder):
            if folder + "/" + name not in shipped and name.endswith((".py", ".mpy")):
                link.remove(folder + "/" + name)
    bar.finish()
    print("firmware: %d files copied (%d bytes), %d already up to date"
          % (len(needed), sum(len(d) for _, d in needed), len(files) - len(needed)), flush=True)


def read_config(link):
    """The board's current configuration (a dict), or {} when it has none usable."""
    raw = link.read(CONFIG)
    try:
        config = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return config if isinstance(config, dict) else {}


def board_config(old, request):
    """The new config.json: this run's settings over what the board had."""
    config = dict(old)
    config["user"] = request.user
    broker = dict(old.get("broker") or {})
    broker.update(host=request.broker.host, port=request.broker.port,
                  user=request.broker.username, password=request.broker.password, tls=request.broker.tls)
    if not broker.get("client_id"):  # kept across runs: the board's persistent session
        broker["client_id"] = random_client_id()
    if request.broker_admin is not None:
        broker.update(bound_login(request, broker.get("client_id")))
    config["broker"] = broker
    config["keyserver"] = {"url": request.keyserver.url, "public_key": b64(request.keyserver.public_key)}
    if request.keyserver.witness_key:  # the board too requires its cosignature
        config["keyserver"]["witness"] = request.keyserver.witness_key
    wifi = dict(old.get("wifi") or {})
    if request.wifi_ssid is not None:
        wifi.update(ssid=request.wifi_ssid, password=request.wifi_password or None)
    if wifi:
        config["wifi"] = wifi
    sensor = dict(old.get("sensor") or {})
    if request.post_to is not None:
        sensor["recipients"] = request.post_to
    if request.interval is not None:
        sensor["interval"] = request.interval
    if request.sensors is not None:
        sensor["sensors"] = request.sensors
    if sensor:
        config["sensor"] = sensor
    if request.ntp_host is not None:
        config["ntp"] = dict(old.get("ntp") or {}, host=request.ntp_host)
    if request.allow is not None:
        config["commands"] = dict(old.get("commands") or {}, allow=request.allow)
    if request.sleep is not None:
        config["power"] = dict(old.get("power") or {}, sleep_s=request.sleep)
    return config


def bound_login(request, client_id=None):
    """A broker login for the board made on a Mosquitto with the dynamic-security
    plugin (host_tools.broker_logins): its username, a new password and its
    client id (the board's, else a new random one), to which the login is bound."""
    from ..broker_logins import DynamicSecurity, new_password

    login = {"user": request.user, "password": new_password(),
             "client_id": client_id or random_client_id()}
    with DynamicSecurity(request.broker_admin) as dynsec:
        dynsec.bind_login(login["user"], login["password"], login["client_id"])
    return login


def write_config(link, config):
    data = json.dumps(config, sort_keys=True).encode("utf-8")
    link.exec("from nes import storage\nstorage.ensure_dir()\nstorage.write_atomic(%r, %r)"
              % (CONFIG, data), "writing " + CONFIG)


def set_clock(link):
    """Set the board's RTC from the host's clock (the board does not count it
    as right until NTP answers: nes/clock.py)."""
    link.exec("from nes import timesync\ntimesync.set_clock(%d)" % int(time.time() * 1000), "setting the clock")


def board_keys(link, new_keys):
    """The board's public keys (message, sign), made on the board if it has none."""
    # The host's entropy is mixed into the board's DRBG first: it crosses the link once and is not kept.
    out = link.exec("from nes import entropy\nentropy.mix(bytes.fromhex(%r))\nimport nes.provision\n"
                    "nes.provision.generate(force=%r)" % (secrets.token_hex(32), bool(new_keys)),
                    "generating the keys")
    for line in out.splitlines():
        if line.startswith(PUBLIC_MARK):
            try:
                answer = json.loads(line[len(PUBLIC_MARK):])
                keys = decode_key(answer["public_key_message"]), decode_key(answer["public_key_sign"])
            except (ValueError, KeyError, TypeError, AttributeError):
                break
            if None not in keys:
                return keys
    raise CommandError("the board did not report its public keys (got %r)" % out.strip()[-200:])


def register(request, keys):
    """Register the board's keys; returns the next step for the user."""
    server = request.keyserver
    try:
        server.register(request.user, request.email, *keys)
        return ("Registered %s at %s. Open the activation link mailed to %s to publish the board's keys."
                % (request.user, server.url, request.email))
    except RegistrationRefused as exc:
        if exc.status != 409:
            raise
    try:
        current = server.lookup(request.user)
    except UnknownUser:
        return ("%s already has a registration waiting for activation at %s: open the link mailed to %s "
                "(if it was made for other keys, let it expire and provision again)."
                % (request.user, server.url, request.email))
    if current == tuple(keys):
        return "%s is registered and active at %s with these keys." % (request.user, server.url)
    raise CommandError("the key server has other keys for %s: open the deactivation link mailed at its "
                       "activation, then run `nes provision` again (the board keeps its keys)" % request.user)


def prompt_wifi(request, old_config, has_wifi):
    """Fill in the Wi-Fi settings: the password is asked without echo when not given."""
    if request.wifi_ssid is None and has_wifi and not (old_config.get("wifi") or {}).get("ssid"):
        raise CommandError("--wifi-ssid is needed: the %s reaches the broker over Wi-Fi" % request.board)
    if request.wifi_ssid is not None and request.wifi_password is None:
        try:
            request.wifi_password = getpass.getpass("Wi-Fi password for %s (empty for an open network): "
                                                    % request.wifi_ssid)
        except EOFError:
            raise CommandError("no Wi-Fi password given (use --wifi-password)") from None


Provisioned = namedtuple("Provisioned", "lines message_key sign_key")


def provision(request):
    """Run every step; returns the lines to print at the end and the board's public keys."""
    check_reachable(request)
    ca = board_ca(request)
    has_wifi = profiles.has_wifi(request.board)
    tree = profiles.firmware_tree(request.board, request.firmware_dir)
    link = BoardLink(request.port)
    try:
        link.exec(FREE, "freeing memory")
        old = read_config(link)
        prompt_wifi(request, old, has_wifi)
        install_files(link, tree)
        write_config(link, board_config(old, request))
        if ca is not None:
            link.write(CA, ca)
        set_clock(link)
        keys = board_keys(link, request.new_keys)
        link.reset()
    finally:
        link.close()
    return Provisioned([
        "Board %s on %s: config written; message key %s, signing key %s (made on the board)."
        % (request.user, request.port, fingerprint(keys[0]), fingerprint(keys[1])),
        register(request, keys),
        "The board restarted; once the keys are active, `nes send %s TEXT` reaches it." % request.user,
    ], *keys)
