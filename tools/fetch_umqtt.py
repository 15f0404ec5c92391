"""Fetch `umqtt.simple` from PyPI (micropython-umqtt.simple) into build/lib/umqtt/.
It is a dependency, never vendored; see pypi_sdist.py for how. Idempotent.

Usage: python tools/fetch_umqtt.py [DEST_DIR]   (default: build/lib)
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from pypi_sdist import fetch_member  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = "micropython-umqtt.simple"


def fetch(dest):
    """Install umqtt/simple.py under `dest` (a lib directory); return its path."""
    return fetch_member(PACKAGE, "umqtt/simple.py", pathlib.Path(dest) / "umqtt" / "simple.py")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    dest = pathlib.Path(argv[0]) if argv else ROOT / "build" / "lib"
    print(fetch(dest))


if __name__ == "__main__":
    main()
