"""Board commands: `nes provision` (install and enrol a board), `nes flash`
(write MicroPython to it) and `nes vboard` (run a virtual board)."""
from ..board import flash, profiles, vboard
from ..errors import CommandError
from ..keyfiles import provider_key
from ..keyserver_client import KeyServer
from ..board.provision import Request, provision
from ..settings import check_username


def add_provision_arguments(parser):
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
    parser.add_argument("--ntp-host", metavar="HOST[:PORT]",
                        help="the board's NTP server (default pool.ntp.org; kept when not given)")
    parser.add_argument("--allow", metavar="USER[,USER...]",
                        help="users whose /commands the board runs (empty: nobody; kept when not given)")
    parser.add_argument("--firmware-dir", metavar="DIR",
                        help="firmware tree to copy (default: build/firmware/BOARD, built if needed)")


def do_provision(state, args):
    if not getattr(args, "user", None):
        raise CommandError("--user NAME is needed: the board's own username")
    settings = state.settings
    request = Request(
        board=args.board, port=args.port, user=check_username(args.user), email=args.email,
        broker=state.broker(), keyserver=KeyServer(settings.provider, provider_key(settings)),
        wifi_ssid=args.wifi_ssid, wifi_password=args.wifi_password, new_keys=args.new_keys,
        firmware_dir=args.firmware_dir, post_to=_recipients(args.post_to), interval=args.interval,
        ntp_host=args.ntp_host, allow=_recipients(args.allow))
    if request.interval is not None and not 0 <= request.interval <= 604800:
        raise CommandError("--interval must be from 0 to 604800 seconds")
    if "@" not in request.email:
        raise CommandError("%r is not an e-mail address" % request.email)
    for line in provision(request):
        print(line)


def _recipients(text):
    if text is None:
        return None
    return [check_username(name.strip()) for name in text.split(",") if name.strip()]


def add_flash_arguments(parser):
    parser.add_argument("--board", required=True, choices=profiles.names(), help="board profile")
    parser.add_argument("--port", help="serial port (ESP32)")
    parser.add_argument("--firmware", metavar="FILE", help="MicroPython image: .bin (ESP32) or .uf2 (Pico W)")
    parser.add_argument("--baud", type=int, default=flash.DEFAULT_BAUD, help="esptool write speed")
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
