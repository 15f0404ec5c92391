"""`nes flash`: write MicroPython itself to a board, as its profile says.

- ESP32 (`format: bin`): erase the flash, then write the image at the
  profile's `flash_offset`, with esptool.
- Pico W (`format: uf2`): copy the image to the RPI-RP2 drive the board
  mounts when plugged in with BOOTSEL held.
- unix: nothing to flash; `nes vboard` runs it.
A plan is a list of steps; `--dry-run` prints them instead of running them."""
import os
import pathlib
import shlex
import shutil
import subprocess
import sys

from . import profiles
from ..errors import CommandError

UF2_DRIVE = "RPI-RP2"
UF2_MARKER = "INFO_UF2.TXT"
DEFAULT_BAUD = 460800


class Step:
    """One thing `nes flash` does: a command to run or a file to copy."""

    def __init__(self, describe, action):
        self.describe = describe
        self.action = action

    def run(self):
        self.action()


def _esptool_command(name):
    """esptool v5 spells its commands with dashes, v4 with underscores."""
    import esptool

    major = int(str(getattr(esptool, "__version__", "5")).split(".")[0])
    return name if major >= 5 else name.replace("-", "_")


def _run(argv):
    def action():
        result = subprocess.run(argv)
        if result.returncode != 0:
            raise CommandError("esptool failed (exit status %d): %s" % (result.returncode, shlex.join(argv[2:])))
    return Step("run: " + shlex.join(argv), action)


def esp32_plan(profile, image, port, baud, offset=None, chip=None):
    if not port:
        raise CommandError("--port is needed to flash an %s (e.g. /dev/ttyUSB0)" % profile["name"])
    offset = offset or profile["firmware"]["flash_offset"]
    chip = chip or profile["name"]
    esptool = [sys.executable, "-m", "esptool", "--chip", chip, "--port", port]
    return [
        _run(esptool + [_esptool_command("erase-flash")]),
        _run(esptool + ["--baud", str(baud), _esptool_command("write-flash"), "-z", offset, str(image)]),
    ]


def find_uf2_drive(mounts="/proc/mounts"):
    """The mount point of a board in UF2 boot mode, or None."""
    try:
        with open(mounts, encoding="utf-8") as f:
            points = [line.split()[1].replace("\\040", " ") for line in f if len(line.split()) > 1]
    except OSError:
        points = []
    user = os.environ.get("USER", "")
    points += ["/media/%s/%s" % (user, UF2_DRIVE), "/run/media/%s/%s" % (user, UF2_DRIVE),
               "/Volumes/%s" % UF2_DRIVE]
    for point in points:
        path = pathlib.Path(point)
        if (path.name == UF2_DRIVE or (path / UF2_MARKER).exists()) and path.is_dir():
            return path
    return None


def uf2_plan(profile, image, drive, dry_run):
    drive = pathlib.Path(drive) if drive else find_uf2_drive()
    if drive is None:
        if not dry_run:
            raise CommandError("no %s drive is mounted: hold BOOTSEL while plugging the %s in, "
                               "or give --drive MOUNT_POINT" % (UF2_DRIVE, profile["name"]))
        drive = pathlib.Path("<%s drive>" % UF2_DRIVE)
    elif not dry_run and not drive.is_dir():
        raise CommandError("%s is not a mounted drive" % drive)
    target = drive / image.name

    def copy():
        with open(image, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
            dst.flush()
            os.fsync(dst.fileno())

    return [Step("copy: %s -> %s (the board restarts into MicroPython)" % (image, target), copy)]


def plan(board, image, port=None, baud=DEFAULT_BAUD, drive=None, offset=None, chip=None, dry_run=False):
    """The steps that put MicroPython on `board` (a list, maybe empty)."""
    profile = profiles.profile(board)
    kind = profile["firmware"]["format"]
    if kind not in ("bin", "uf2"):
        return []
    if image is None:
        raise CommandError("--firmware FILE.%s is needed (download: %s)" % (kind, profile["firmware"]["download"]))
    image = pathlib.Path(image)
    if image.suffix != "." + kind:
        raise CommandError("%s takes a .%s image, not %s" % (board, kind, image.name))
    if not image.is_file() and not dry_run:
        raise CommandError("no firmware image at %s" % image)
    if kind == "bin":
        return esp32_plan(profile, image, port, baud, offset, chip)
    return uf2_plan(profile, image, drive, dry_run)
