"""Board time estimates: the unix-port figures scaled by how much slower a
board runs the same MicroPython benchmark. Measured here: micropython-lib's
pystone_lowmem (fetched from PyPI at run time, like umqtt.simple) under the
unix port. Cited: published pystone results of boards (sources below).

These are estimates of interpreter speed, for the interpreted part of an op.
Field arithmetic on 255-bit integers leans on MicroPython's mpz code, which uses 16-bit digits on 32-bit boards and
32-bit digits on x86-64, so bigint-heavy code (X25519, Ed25519) is likely
slower on a board than the pystone ratio says: read the estimates as lower
bounds. Viper code runs as machine code, whose speed ratio follows the CPUs
rather than the interpreter: bench/native_code.py estimates it from the
instructions mpy-cross makes for each board, and report.py applies that to
the share of each viper op that ran as machine code."""
import json
import os
import pathlib
import sys

from . import native_code
from .section import Unavailable

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCRIPT = pathlib.Path(__file__).parent / "mp" / "pystone.py"
PYSTONE_PACKAGE = "micropython-pystone-lowmem"
_REPS = 3

# One published pystone figure (ESP32), and one published benchmark run on the
# three chips with the same MicroPython code, to place ESP32-S3 and RP2040
# relative to the ESP32.
ESP32_PYSTONES = 1075
ESP32_PYSTONES_SOURCE = (
    "pystone_lowmem on an ESP32 at 240 MHz, MicroPython 1.13: 1075 pystones/s "
    "(https://github.com/v923z/micropython-ulab/issues/296)")
RELATIVE_SOURCE = (
    "same MicroPython benchmark on each chip, MicroPython 1.24/1.25: ESP32 @160 MHz 15.4 s, "
    "ESP32-S3 @240 MHz 8.9 s, RP2040 (Pico W) @125 MHz 19.8 s "
    "(https://scruss.com/blog/tag/benchmark/, 'Parallel MicroPython Benchmarking'); "
    "the ESP32 time is scaled to 240 MHz by clock (x160/240)")
_ESP32_240_SECONDS = 15.4 * 160 / 240


def board_pystones():
    """{board: (pystones/s, how it was obtained)}"""
    return {
        "ESP32 (240 MHz)": (ESP32_PYSTONES, ESP32_PYSTONES_SOURCE),
        "ESP32-S3 (240 MHz)": (ESP32_PYSTONES * _ESP32_240_SECONDS / 8.9,
                               "ESP32 figure x ESP32/ESP32-S3 time ratio; " + RELATIVE_SOURCE),
        "RP2040 (125 MHz)": (ESP32_PYSTONES * _ESP32_240_SECONDS / 19.8,
                             "ESP32 figure x ESP32/RP2040 time ratio; " + RELATIVE_SOURCE),
    }


def find_pystone():
    """pystone ($PYSTONE, else micropython-lib's pystone_lowmem fetched from
    PyPI into build/lib, the same program the published ESP32 figure ran)."""
    if os.environ.get("PYSTONE"):
        return os.environ["PYSTONE"]
    sys.path.insert(0, str(ROOT / "tools"))
    from pypi_sdist import fetch_member

    try:
        return str(fetch_member(PYSTONE_PACKAGE, "pystone_lowmem.py", ROOT / "build" / "lib" / "pystone_lowmem.py"))
    except SystemExit as exc:
        raise Unavailable("pystone_lowmem could not be fetched from PyPI (%s); set PYSTONE=/path/to/pystone.py"
                          % exc) from None


def factors(profile, mp):
    """(pystone path, unix-port pystones/s measured now, {board: {pystones_per_s, factor, source}})"""
    path = find_pystone()
    result = mp(script=SCRIPT, args=[path, str(profile.pystone_loops), str(_REPS)], timeout=600)
    line = next((l for l in result.stdout.splitlines() if l.startswith("BENCH-JSON ")), None)
    if line is None:
        raise RuntimeError("pystone under MicroPython failed: %s" % (result.stderr or result.stdout)[-500:])
    here = json.loads(line[len("BENCH-JSON "):])["pystones_per_s"]
    return path, here, {
        name: {"pystones_per_s": rate, "factor": here / rate, "source": how}
        for name, (rate, how) in board_pystones().items()
    }


METHOD = "factor = unix-port pystones/s measured in this run / the board's published pystones/s"


def run(profile, mp):
    path, here, boards = factors(profile, mp)
    return {
        "method": METHOD,
        "pystone": path,
        "unix_pystones_per_s": here,
        "boards": boards,
        "caveat": __doc__.split("\n\n")[1].replace("\n", " "),
        "native_code": native_code.run(),
    }
