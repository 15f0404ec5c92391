"""Files on the board's flash: the data directory and atomic writes.

A write goes to `<path>.tmp`, is flushed, then renamed over `<path>`, so a
power cut leaves either the old file or the new one, never half of one. Where
the filesystem cannot rename over an existing file (FAT), the old file is
removed first; a reader that then finds only the complete `.tmp` file
finishes the rename (`load` with a `check`)."""
import json
import os

DATA = "/nesdata"
_TMP = ".tmp"


def path(name):
    return DATA + "/" + name


CA = path("ca.der")  # the CA certificate TLS links are checked against (nes/tlsclient.py)


def exists(p):
    try:
        os.stat(p)
        return True
    except OSError:
        return False


def ensure_dir(p=DATA):
    if not exists(p):
        os.mkdir(p)


def _read(p):
    with open(p, "rb") as f:
        return f.read()


def _replace(tmp, p):
    sync = getattr(os, "sync", None)
    if sync:
        sync()
    try:
        os.rename(tmp, p)
    except OSError:
        os.remove(p)
        os.rename(tmp, p)


def write_with(p, write, mode="w"):
    """Replace file `p` with what `write(f)` writes, in one step; the text is
    streamed to the file, never held whole in the heap."""
    with open(p + _TMP, mode) as f:
        write(f)
    _replace(p + _TMP, p)


def write_atomic(p, data):
    """Replace file `p` with `data` (bytes) in one step."""
    write_with(p, lambda f: f.write(data), "wb")


def load(p, check=None):
    """The bytes of `p`, or None when it does not exist. When only a complete
    `.tmp` file is left (`check(data)` true), the interrupted rename is
    finished first."""
    try:
        return _read(p)
    except OSError:
        pass
    if check is None:
        return None
    try:
        data = _read(p + _TMP)
    except OSError:
        return None
    if not check(data):
        return None
    os.rename(p + _TMP, p)
    return data


def _parses(data):
    try:
        json.loads(data)
        return True
    except ValueError:
        return False


def load_json(p, default=None):
    """The parsed JSON of `p`, or `default` when missing; ValueError when the
    file is not JSON."""
    data = load(p, _parses)
    if data is None:
        return default
    return json.loads(data)


def save_json(p, value):
    """Replace file `p` with the JSON of `value`, in one step."""
    write_with(p, lambda f: json.dump(value, f))


def remove(p):
    for name in (p, p + _TMP):
        try:
            os.remove(name)
        except OSError:
            pass
