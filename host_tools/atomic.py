"""One way to write every state file of `nes` (key files, the config file,
pinned peers, the replay cache): the new content goes to NAME.tmp, created
afresh with O_CREAT|O_EXCL|O_NOFOLLOW, so that a file or symbolic link planted
there lends the new file neither its mode nor its target; it is flushed to
disk and renamed over NAME, so a crash leaves the old file or the new one."""
import contextlib
import os


def write_atomic(path, text, mode=0o600):
    """Replace the file at `path` by `text` (UTF-8), created with `mode`."""
    path = os.fspath(path)
    tmp = path + ".tmp"
    # Unlinking a link removes the link, never its target; a link planted again
    # before the open makes O_EXCL fail instead of being followed.
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    directory = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself reaches the disk
    finally:
        os.close(directory)
