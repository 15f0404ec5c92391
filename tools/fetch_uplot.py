"""Fetch the dashboard's chart library, uPlot, from the npm registry into
host_tools/dashboard/static/vendor/ (never kept in this repository). The
tarball `npm pack` brings must have the pinned SHA-256; only the minified
script, its style sheet and the licence are unpacked. Idempotent.

Usage: python tools/fetch_uplot.py [DEST_DIR]"""
import hashlib
import pathlib
import subprocess
import sys
import tarfile
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = "uplot@1.6.32"
SHA256 = "4b8a8191e425658e3ea8c8c1314b0fc679c861ee3a1af2b20c7b16ba50b5133d"
MEMBERS = {"package/dist/uPlot.iife.min.js": "uPlot.iife.min.js",
           "package/dist/uPlot.min.css": "uPlot.min.css",
           "package/LICENSE": "uPlot.LICENSE"}
DEFAULT_DEST = ROOT / "host_tools" / "dashboard" / "static" / "vendor"


def fetch(dest):
    """Install the MEMBERS under `dest`; return the script's path."""
    dest = pathlib.Path(dest)
    if all((dest / name).is_file() for name in MEMBERS.values()):
        return dest / "uPlot.iife.min.js"
    with tempfile.TemporaryDirectory(prefix="nes-npm-") as tmp:
        proc = subprocess.run(["npm", "pack", PACKAGE, "--pack-destination", tmp, "--silent"],
                              capture_output=True, text=True, cwd=tmp)
        tarballs = sorted(pathlib.Path(tmp).glob("*.tgz"))
        if proc.returncode != 0 or len(tarballs) != 1:
            sys.stderr.write(proc.stdout + proc.stderr)
            raise SystemExit("npm pack %s failed (see above)" % PACKAGE)
        digest = hashlib.sha256(tarballs[0].read_bytes()).hexdigest()
        if digest != SHA256:
            raise SystemExit("%s: SHA-256 %s, expected %s; not installed" % (PACKAGE, digest, SHA256))
        dest.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarballs[0]) as archive:
            for member, name in MEMBERS.items():
                partial = dest / (name + ".tmp")
                partial.write_bytes(archive.extractfile(member).read())
                partial.replace(dest / name)
    return dest / "uPlot.iife.min.js"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    print(fetch(pathlib.Path(argv[0]) if argv else DEFAULT_DEST))


if __name__ == "__main__":
    main()
