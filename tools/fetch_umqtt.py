"""Fetch `umqtt.simple` from PyPI (micropython-umqtt.simple) into build/lib/umqtt/.

It is a dependency, never vendored. The PyPI package is an old sdist that pip
cannot install ("does not appear to be a Python project"), but
`pip download --no-deps --no-clean` unpacks it into pip's temporary directory
before failing; with a private TMPDIR the unpacked tree can be found and its
`umqtt/simple.py` copied. Idempotent: nothing is done when the target exists.

Usage: python tools/fetch_umqtt.py [DEST_DIR]   (default: build/lib)
"""
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = "micropython-umqtt.simple"


def fetch(dest):
    """Install umqtt/simple.py under `dest` (a lib directory); return its path."""
    target = pathlib.Path(dest) / "umqtt" / "simple.py"
    if target.is_file():
        return target
    with tempfile.TemporaryDirectory(prefix="nes-umqtt-") as tmp:
        tmp = pathlib.Path(tmp)
        env = {"TMPDIR": str(tmp), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        env.update({k: v for k, v in __import__("os").environ.items() if k not in env})
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-clean",
             "--no-binary", ":all:", "-d", str(tmp / "dl"), PACKAGE],
            env=env, capture_output=True, text=True,
        )
        found = sorted(tmp.glob("pip-*/*/umqtt/simple.py"))
        if not found:
            sys.stderr.write(proc.stdout + proc.stderr)
            raise SystemExit("fetch_umqtt: %s was not unpacked by pip (see above)" % PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".tmp")
        shutil.copyfile(found[-1], partial)
        partial.replace(target)
    return target


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    dest = pathlib.Path(argv[0]) if argv else ROOT / "build" / "lib"
    print(fetch(dest))


if __name__ == "__main__":
    main()
