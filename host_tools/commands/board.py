"""Board commands: `nes provision` (install and enrol a board), `nes flash`
(write MicroPython to it) and `nes vboard` (run a virtual board)."""
import argparse
import contextlib
import json
import sys

from ..board import flash, profiles, vboard
from ..errors import CommandError
from ..keyfiles import b64, fingerprint
from ..mqtt import parse_broker
from ..board.provision import Request, provision
from ..board.sensors import parse_specs
from ..settings import check_username


def add_provision_arguments(parser):
    parser.add_argument("-u", "--user", default=argparse.SUPPRESS, metavar="NAME",
                        help="the board's own username (needed; else $NES_USERNAME, never the config "
                             "file's, which names you)")
    parser.add_argument("--port", required=True, help="the board's serial port (or a virtual board's device)")
    parser.add_argument("--board", required=True, choices=profiles.names(), help="board profile")
    parser.add_argument("--email", required=True, help="address the key server mails the activation link to")
    parser.add_argument("--wifi-ssid", help="Wi-Fi network the board joins")
    parser.add_argument("--wifi-password", help="its password (asked without echo when not given)")
    parser.add_argument("--new-keys", action="store_true",
                        help="have the board make new keys even if it has some")
    parser.add_argument("--post-to", metavar="USER[,USER...]",
                        help="users the board sends its sensor readings to (empty: none)")
    parser.add_argument("--interval", type=int, metavar="SECONDS",
                        help="seconds between sensor readings (0: do not post)")
    parser.add_argument("--sleep", type=int, metavar="SECONDS",
                        help="battery duty cycle: the board wakes, takes its queued messages, posts a "
                             "reading and deep-sleeps this long (0: always on; kept when not given)")
    parser.add_argument("--sensor", action="append", metavar="KIND[:KEY=VALUE,...]",
                        help="a sensor the board reads, e.g. dht22:pin=4 or adc:pin=34,scale=0.001,unit=V; "
                             "repeat for more; replaces the board's list ('none': the built-in sensor only)")
    parser.add_argument("--ntp-host", metavar="HOST[:PORT]",
                        help="the board's NTP server (default pool.ntp.org; kept when not given)")
    parser.add_argument("--allow", metavar="USER[,USER...]",
                        help="users whose /commands the board runs (empty: nobody; kept when not given)")
    parser.add_argument("--broker-admin", metavar="URL",
                        help="tcp://ADMIN:PASSWORD@HOST[:PORT] of a Mosquitto dynamic-security admin "
                             "login: make the board's broker login there, bound to its client id")
    parser.add_argument("--firmware-dir", metavar="DIR",
                        help="firmware tree to copy (default: build/firmware/BOARD, built if needed)")
    parser.add_argument("--json", action="store_true",
                        help="print the board's identity as one JSON object (the steps go to stderr)")


def _board_user(settings):
    """The board's name: -u/--user, else NES_USERNAME from the environment."""
    name, source = settings.lookup("NES_USERNAME")
    if not source.startswith(("flag", "environment")):
        raise CommandError("--user NAME is needed: the board's own username (or NES_USERNAME)")
    return check_username(name)


def do_provision(state, args):
    settings = state.settings
    request = Request(
        board=args.board, port=args.port, user=_board_user(settings), email=args.email,
        broker=state.broker(), keyserver=state.keyserver(),
        wifi_ssid=args.wifi_ssid, wifi_password=args.wifi_password, new_keys=args.new_keys,
        firmware_dir=args.firmware_dir, post_to=_recipients(args.post_to), interval=args.interval,
        sleep=args.sleep,
        ntp_host=args.ntp_host, allow=_recipients(args.allow),
        ca_file=settings.ca_file, sensors=parse_specs(args.sensor),
        broker_admin=parse_broker(args.broker_admin, settings.ca_file) if args.broker_admin else None)
    for flag, value in (("--interval", request.interval), ("--sleep", request.sleep)):
        if value is not None and not 0 <= value <= 604800:
            raise CommandError("%s must be from 0 to 604800 seconds" % flag)
    if "@" not in request.email:
        raise CommandError("%r is not an e-mail address" % request.email)
    # With --json, stdout holds the JSON object alone; the steps go to stderr.
    with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
        done = provision(request)
        for line in done.lines:
            print(line)
    if args.json:
        print(json.dumps({
            "user": request.user, "board": request.board, "port": request.port,
            "message_key": b64(done.message_key), "signing_key": b64(done.sign_key),
            "message_fingerprint": fingerprint(done.message_key),
            "signing_fingerprint": fingerprint(done.sign_key)}))


def _recipients(text):
    if text is None:
        return None
    return [check_username(name.strip()) for name in text.split(",") if name.strip()]


def add_flash_arguments(parser):
    parser.add_argument("--board", required=True, choices=profiles.names(), help="board profile")
    parser.add_argument("--port", help="serial port (ESP32)")
    parser.add_argument("--firmware", metavar="FILE", help="MicroPython image: .bin (ESP32) or .uf2 (Pico W)")
    parser.add_argument("-b", "--baud", type=int, default=flash.DEFAULT_BAUD,
                        help="esptool write speed, as esptool's -b (here -b is not the broker)")
    parser.add_argument("--chip", help="esptool chip name (default: the board's), e.g. esp32s3")
    parser.add_argument("--offset", help="flash offset (default: the profile's), e.g. 0x0 for ESP32-S3/C3")
    parser.add_argument("--drive", metavar="DIR", help="mount point of the RPI-RP2 drive (Pico W)")
    parser.add_argument("--dry-run", action="store_true", help="print the steps instead of running them")


def do_flash(state, args):
    steps = flash.plan(args.board, args.firmware, args.port, args.baud, args.drive, args.offset,
                       args.chip, args.dry_run)
    if not steps:
        print("%s: %s" % (args.board, profiles.profile(args.board)["firmware"]["flash"]))
        return
    for step in steps:
        print(("would " if args.dry_run else "") + step.describe, flush=True)
        if not args.dry_run:
            step.run()
    if not args.dry_run:
        print("MicroPython is on the %s; next: `nes provision --board %s --port PORT ...`"
              % (args.board, args.board))


def do_vboard(state, args):
    return vboard.main(args.vboard_args)
