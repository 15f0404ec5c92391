"""The virtual board's boot ROM: run by `micropython -i vboot.py` under the
unix port. It makes the flash directory the filesystem root (so /main.py,
/lib and /nesdata mean what they mean on a real board), gives sys.path a
board's order (frozen modules before /lib), then runs /boot.py and /main.py
like a board does after reset. When main.py ends, or Ctrl-C interrupts it,
`-i` leaves the REPL running."""
import os
import sys
import vfs


class _Flash:
    """The flash directory as a filesystem: a VfsPosix rooted there, with one
    repair. VfsPosix.rename() builds both paths in one shared buffer when it
    has a root, so the new name overwrote the old and every absolute rename
    failed; paths relative to the process directory (the flash root after
    chdir("/")) take another route. A wrapper, not a subclass: MicroPython's
    import machinery misreads a Python subclass of a native VFS."""

    def __init__(self, root):
        self._fs = vfs.VfsPosix(root)

    def __getattr__(self, name):
        return getattr(self._fs, name)

    def rename(self, old, new):
        cwd = os.getcwd()
        os.chdir("/")
        try:
            self._fs.rename(self._relative(old, cwd), self._relative(new, cwd))
        finally:
            os.chdir(cwd)

    @staticmethod
    def _relative(path, cwd):
        if not path.startswith("/"):
            path = cwd.rstrip("/") + "/" + path
        return path.lstrip("/")


def _mount_flash():
    flash = os.getenv("NES_VBOARD_FLASH")
    if not flash:
        raise SystemExit("vboot: NES_VBOARD_FLASH is not set")
    vfs.umount("/")
    vfs.mount(_Flash(flash), "/")
    os.chdir("/")
    sys.path[:] = ["", ".frozen", "/lib"]


def _run(path):
    try:
        os.stat(path)
    except OSError:
        return
    with open(path) as f:
        source = f.read()
    exec(compile(source, path, "exec"), {"__name__": "__main__", "__file__": path})


_mount_flash()
del _mount_flash
_run("/boot.py")
_run("/main.py")
