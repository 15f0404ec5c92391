"""A session with a board's raw REPL through mpremote's own serial transport,
the equivalent of `mpremote connect PORT resume ...`: no soft reset on
connecting (a running program is interrupted with Ctrl-C), so a USB board
and the virtual board (whose soft reset would end the unix port) behave the
same. Only what the caller asks for is read back from the board."""
import ast
import contextlib
import io

from mpremote.transport import TransportError
from mpremote.transport_serial import SerialTransport

from ..errors import CommandError

CHUNK = 512
READ_TIMEOUT = 10  # a serial read never blocks longer (mpremote's own timeouts need it on a pty)
ATTEMPTS = 3  # a board that is just restarting may miss the first Ctrl-C
BOOT_WAIT = 20


class BoardLink:
    def __init__(self, port):
        self.port = port
        try:
            self.transport = SerialTransport(port, baudrate=115200, timeout=READ_TIMEOUT)
        except (TransportError, OSError) as exc:
            raise CommandError("cannot open the board's port %s: %s" % (port, exc)) from None
        for attempt in range(ATTEMPTS):
            try:
                with contextlib.redirect_stdout(io.StringIO()):  # mpremote prints what it got
                    self.transport.enter_raw_repl(soft_reset=False)
                return
            except (TransportError, OSError) as exc:
                failure = exc
        self.transport.close()
        raise CommandError("the board on %s does not answer at its REPL: %s" % (port, failure))

    def _call(self, what, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (TransportError, OSError) as exc:
            detail = getattr(exc, "error_output", None) or str(exc)
            raise CommandError("on the board (%s), %s failed: %s"
                               % (self.port, what, detail.strip().splitlines()[-1] if detail.strip() else exc)) \
                from None

    def exec(self, code, what="running code"):
        """Run `code` on the board; return what it printed (text)."""
        return self._call(what, self.transport.exec, code).decode("utf-8", "replace")

    def mkdirs(self, path):
        """Create a directory and its parents (like mkdir -p)."""
        self.exec("import os\np=''\nfor n in %r.strip('/').split('/'):\n p+='/'+n\n"
                  " try:\n  os.mkdir(p)\n except OSError:\n  pass" % path, "creating " + path)

    def sha256(self, path):
        """SHA-256 of a file on the board, or None when it does not exist."""
        if not self._call("checking " + path, self.transport.fs_exists, path):
            return None
        return self._call("hashing " + path, self.transport.fs_hashfile, path, "sha256")

    def read(self, path):
        """The bytes of a file on the board, or None when it does not exist."""
        if not self._call("checking " + path, self.transport.fs_exists, path):
            return None
        return bytes(self._call("reading " + path, self.transport.fs_readfile, path, CHUNK))

    def write(self, path, data, progress=None):
        """Write a file, calling progress(bytes written since the last call)."""
        done = [0]

        def step(written, total):
            progress(written - done[0])
            done[0] = written

        self._call("writing " + path, self.transport.fs_writefile, path, data, CHUNK, step if progress else None)

    def listdir(self, path):
        """Names in a directory on the board ([] when it does not exist)."""
        return ast.literal_eval(self.exec(
            "import os\ntry:\n print(repr(os.listdir(%r)))\nexcept OSError:\n print('[]')" % path,
            "listing " + path).strip())

    def remove(self, path):
        self._call("removing " + path, self.transport.fs_rmfile, path)

    def reset(self, started=b"nes: "):
        """Leave the raw REPL and soft-reset, so the board starts its main.py again; wait
        until it prints `started` (so a next connection does not interrupt its boot)."""
        self._call("resetting", self.transport.exit_raw_repl)
        self._call("resetting", self.transport.serial.write, b"\x04")
        self._call("restarting", self.transport.read_until, 1, started, timeout=BOOT_WAIT,
                   timeout_overall=BOOT_WAIT)

    def close(self):
        try:
            self.transport.close()
        except (TransportError, OSError):
            pass
