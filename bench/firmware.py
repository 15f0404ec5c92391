"""Firmware crypto under the MicroPython unix port, for each firmware backend
(pure Python, and viper where the firmware has it): median times with a
board-sized heap, bytes allocated, and peak heap (bench/mp/fwcrypto.py)."""
import atexit
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

from tests.fixtures.micropython import MicroPython
from tests.fixtures.paths import FIRMWARE, ROOT

from .section import Unavailable, tool

SCRIPT = pathlib.Path(__file__).parent / "mp" / "fwcrypto.py"
_PEAK_HEAP = "256k"  # small: every collection sweeps the whole heap
_ALLOC_HEAP = "64m"  # large: the collector is off while an op allocates


# How each backend is forced: NES_CRYPTO=python makes the firmware's viper
# module refuse to load; without it the firmware uses viper where it can.
BACKENDS = {"pure": {"NES_CRYPTO": "python"}, "viper": {"NES_CRYPTO": None}}
EXPECTED = {"pure": "python", "viper": "viper"}


class _MicroPython(MicroPython):
    """The test harness's runner with a few environment variables set or removed."""

    def __init__(self, exe, environ):
        super().__init__(exe)
        self.environ = environ

    def env(self, extra_path=()):
        env = super().env(extra_path)
        for name, value in self.environ.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env


def micropython(backend="pure"):
    return _MicroPython(tool("micropython", env_var="MICROPYTHON"), BACKENDS[backend])


_TREES = {}


def board_tree():
    """The unix board's file tree as `make firmware` builds it (the .mpy
    files a board loads), built once per run into a temporary folder that
    goes when the run ends; its path. Copy it before changing anything."""
    if "unix" not in _TREES:
        out = pathlib.Path(tempfile.mkdtemp(prefix="nes-bench-firmware-"))
        atexit.register(shutil.rmtree, out, True)
        build = subprocess.run([sys.executable, str(ROOT / "tools" / "build_firmware.py"), "unix", "--out", str(out)],
                               capture_output=True, text=True, cwd=ROOT)
        if build.returncode != 0:
            raise Unavailable("the unix firmware does not build: %s" % (build.stderr or build.stdout).strip()[-300:])
        _TREES["unix"] = out / "unix"
    return _TREES["unix"]


def backends():
    """{name: why not available or None}. The viper path exists once the
    firmware ships its *_viper.py modules."""
    viper = sorted(p.name for p in (FIRMWARE / "nes" / "crypto").glob("*_viper.py"))
    return {
        "pure": None,
        "viper": None if viper else "the firmware has no viper backend (no firmware/nes/crypto/*_viper.py)",
    }


def _run(mp, args, heapsize):
    run = mp(script=SCRIPT, args=[str(a) for a in args], heapsize=heapsize, timeout=900)
    for line in run.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            return json.loads(line[len("BENCH-JSON "):])
    output = (run.stderr or run.stdout).strip()
    print(output[-3000:], file=sys.stderr)
    last = output.splitlines()[-1] if output else "no output"
    raise RuntimeError("micropython (%s, heap %s) exited %d: %s" % (
        " ".join(map(str, args[:1])), heapsize, run.returncode, last))


def run_backend(profile, backend):
    mp = micropython(backend)
    timing = _run(mp, ["time", profile.crypto_reps], profile.firmware_heap)
    if timing.get("backend") != EXPECTED[backend]:
        raise Unavailable("asked for %s, the firmware ran its %s backend" % (backend, timing.get("backend")))
    result = {
        "backend_reported": timing.get("backend"),
        "viper_modules": timing.get("viper_modules"),
        "timing_heap": profile.firmware_heap,
        "resident_bytes": timing.get("resident"),
        "ops": {name: {"median_s": v["median_us"] / 1e6, "n": v["n"]}
                for name, v in timing["ops"].items()},
    }
    if backend == "viper":
        # Which part of each op is machine code (bench/native_code.py scales
        # that part to the boards by instruction counts, not by pystone).
        split = _run(mp, ["split", profile.crypto_reps], profile.firmware_heap)
        result["kernel_us"] = split["kernel_us"]
        for name, value in split["ops"].items():
            result["ops"][name]["machine_code_s"] = value["machine_code_us"] / 1e6
    heap_ops = [] if profile.heap_search else ["seal_100", "open_100"]  # [] = all ops
    for mode, heapsize, key in (("alloc", _ALLOC_HEAP, "alloc_bytes"), ("peak", _PEAK_HEAP, "min_free_heap_bytes")):
        for name, value in _run(mp, [mode] + heap_ops, heapsize)["ops"].items():
            result["ops"][name][key] = value
    for op in result["ops"].values():
        # Both bound the high-water mark of live data from above: everything the
        # op allocates, and the least free heap it runs in (which also pays for
        # fragmentation). The smaller is the tighter bound.
        bounds = [op[k] for k in ("alloc_bytes", "min_free_heap_bytes") if op.get(k) is not None]
        if bounds:
            op["peak_heap_bytes"] = min(bounds)
    return result


def run(profile):
    out = {"micropython": None, "backends": {}}
    version = micropython()("import sys; print(sys.implementation.name, sys.version)")
    out["micropython"] = version.stdout.strip() or None
    for backend, missing in backends().items():
        if missing:
            out["backends"][backend] = {"available": False, "reason": missing}
            continue
        try:
            out["backends"][backend] = dict(run_backend(profile, backend), available=True)
        except Unavailable as exc:
            out["backends"][backend] = {"available": False, "reason": str(exc)}
    return out
