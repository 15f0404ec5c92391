"""Take one file out of an old MicroPython-package sdist on PyPI.

micropython-lib's packages on PyPI (micropython-umqtt.simple,
micropython-pystone-lowmem, ...) are sdists without setup.py, which pip
refuses to install ("does not appear to be a Python project"). But
`pip download --no-deps --no-clean` unpacks the sdist into pip's temporary
directory before it fails; with a private TMPDIR the unpacked file can be
found and copied. The code stays a dependency: fetched at build time, never
kept in this repository."""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile


def fetch_member(package, member, target):
    """Install `member` (a path inside the sdist, e.g. "umqtt/simple.py") of
    PyPI `package` at `target`; nothing is done when `target` exists."""
    target = pathlib.Path(target)
    if target.is_file():
        return target
    with tempfile.TemporaryDirectory(prefix="nes-sdist-") as tmp:
        tmp = pathlib.Path(tmp)
        env = dict(os.environ, TMPDIR=str(tmp), PIP_DISABLE_PIP_VERSION_CHECK="1")
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-clean",
             "--no-binary", ":all:", "-d", str(tmp / "dl"), package],
            env=env, capture_output=True, text=True,
        )
        found = sorted(tmp.glob("pip-*/*/" + member))
        if not found:
            sys.stderr.write(proc.stdout + proc.stderr)
            raise SystemExit("%s was not unpacked by pip (see above)" % package)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".tmp")
        shutil.copyfile(found[-1], partial)
        partial.replace(target)
    return target
