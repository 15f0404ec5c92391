"""The virtual board: the MicroPython unix port behind a pseudo-terminal,
running the firmware with the `unix` board profile.

    python -m host_tools.board.vboard --dir DIR [--install] [--transcript FILE] [--console FILE]

DIR is the board's flash: boards/unix/vboot.py mounts it as the MicroPython
filesystem root, then runs /boot.py and /main.py as a board does after reset.
MicroPython runs on the slave of one pty pair; this process holds that pair's
master and a second pair whose slave is the device path printed on stdout, and
relays bytes between the two masters. So `mpremote connect PATH resume ...`
talks to the board like to a USB board, the board keeps running between
connections, and every byte crossing the link can be appended to a transcript
(both ways), and what the board printed to a console log (that way only: what
a host sends, e.g. mpremote's Ctrl-B after `exec --no-follow`, would otherwise
land in the middle of a line the board is printing).
When MicroPython exits (Ctrl-D at the REPL, `sys.exit()`, `machine.reset()`),
it is started again, like a board that reboots. When it ends after writing
the sleep it asked for to the flash (`deepsleep`, in ms: board.deepsleep() of
boards/unix/board.py), it is started again that much later, like a board
waking from deep sleep; what the device receives meanwhile is lost, as on a
sleeping board.

`mpremote` must be given `resume`: its default soft reset would end the unix
port process, which the board then restarts from scratch."""
import errno
import os
import pathlib
import resource
import select
import shutil
import signal
import subprocess
import sys
import termios
import time
import tty

from ..processes import find_program, stop_process
from ..usage import Parser

ROOT = pathlib.Path(__file__).resolve().parents[2]
VBOOT = ROOT / "boards" / "unix" / "vboot.py"
FIRMWARE_BUILD = ROOT / "build" / "firmware" / "unix"
# A heap in which the application and either crypto path run with room to
# spare; 96k, the small-board budget, is tested on its own (docs/FIRMWARE.md).
DEFAULT_HEAP = "192k"
_CHUNK = 4096
_RESTART_PAUSE = 0.5  # between a MicroPython exit and the next start
DEEPSLEEP_FILE = "deepsleep"  # on the flash: boards/unix/board.py's deepsleep() writes it


def _find_micropython():
    found = find_program("micropython", "MICROPYTHON")
    if not found:
        raise SystemExit("vboard: the MicroPython unix port (micropython) was not found; "
                         "set $MICROPYTHON or run `make venv`")
    return found


def _raw_pty():
    """A pty pair with the slave in raw mode (no echo, no line editing)."""
    master, slave = os.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)
    return master, slave


def _board_tty(slave):
    """The board's console settings: raw, except that Ctrl-C raises SIGINT (so
    it interrupts running code, as on a board); Ctrl-\\ and Ctrl-Z do nothing."""
    attrs = termios.tcgetattr(slave)
    attrs[3] |= termios.ISIG
    cc = attrs[6]
    cc[termios.VINTR] = b"\x03"
    cc[termios.VQUIT] = b"\x00"
    cc[termios.VSUSP] = b"\x00"
    termios.tcsetattr(slave, termios.TCSANOW, attrs)


def _catches_sigint(pid):
    """True while the unix port runs code: it installs its SIGINT handler
    for each execution and restores the default (terminate) at the prompt."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    except (OSError, ValueError):
        pass
    return False


def _children_cpu_ms():
    """CPU time (user + system) of the waited-for children so far: the board's
    MicroPython processes, one at a time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def _controlling_tty():
    # Runs in the child after setsid(): make stdin (the pty slave) the
    # controlling terminal so that Ctrl-C reaches MicroPython as SIGINT.
    import fcntl

    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def install_firmware(flash, source=FIRMWARE_BUILD):
    """Copy a built firmware tree (`make firmware`) onto the flash directory,
    as provisioning copies it onto a USB board."""
    source = pathlib.Path(source)
    if not (source / "main.py").exists():
        subprocess.run([sys.executable, str(ROOT / "tools" / "build_firmware.py"), "unix",
                        "--out", str(source.parent)], check=True)
    shutil.copytree(source, flash, dirs_exist_ok=True)


TRANSCRIPT_MAX = 1 << 20  # bytes a transcript holds before it is moved to FILE.1 and begun again


class Transcript:
    """An append-only serial transcript of at most `limit` bytes, plus the
    previous `limit` bytes in FILE.1, so a board left running fills no disk."""

    def __init__(self, path, limit=TRANSCRIPT_MAX):
        self.path = str(path)
        self.limit = limit
        self.file = open(self.path, "ab", buffering=0)

    def write(self, data):
        if self.file.tell() + len(data) > self.limit:
            self.file.close()
            os.replace(self.path, self.path + ".1")
            self.file = open(self.path, "ab", buffering=0)
        self.file.write(data)

    def close(self):
        self.file.close()


class VirtualBoard:
    """MicroPython on pty A; the device (pty B) relayed to it."""

    def __init__(self, flash, micropython, heapsize=DEFAULT_HEAP, transcript=None, console=None):
        self.flash = pathlib.Path(flash).resolve()
        self.micropython = micropython
        self.heapsize = heapsize
        self.transcript = Transcript(transcript) if transcript else None
        self.console = Transcript(console) if console else None
        self.device_master, self._device_slave = _raw_pty()
        self.device = os.ttyname(self._device_slave)
        self.proc = None
        self.board_master = None
        self.board_slave = None
        self.dropped = 0
        self._last_out = b""
        self.stopping = False
        self.wake_at = None  # while the board deep-sleeps (no process): when it wakes

    def start_micropython(self):
        self._cpu_before = _children_cpu_ms()  # every earlier process has been waited for
        master, slave = _raw_pty()
        _board_tty(slave)
        env = dict(os.environ)
        env["NES_VBOARD_FLASH"] = str(self.flash)
        env["NES_VBOARD_STARTED_NS"] = str(time.time_ns())  # the reset: board.awake_ms() counts from it
        env["MICROPYPATH"] = ".frozen"
        cmd = [self.micropython, "-X", "heapsize=" + self.heapsize, "-i", str(VBOOT)]
        self.proc = subprocess.Popen(
            cmd, stdin=slave, stdout=slave, stderr=slave, cwd=str(self.flash), env=env,
            start_new_session=True, preexec_fn=_controlling_tty, close_fds=True,
        )
        self.board_master, self.board_slave = master, slave

    def _log(self, data):
        if self.transcript:
            self.transcript.write(data)

    def _to_device(self, data):
        # Nobody may have the device open: what does not fit in the tty buffer
        # is dropped rather than blocking the board, as a UART would lose it.
        try:
            os.write(self.device_master, data)
        except BlockingIOError:
            self.dropped += len(data)

    def _to_board(self, data):
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.board_master, view)
                view = view[n:]
            except BlockingIOError:
                select.select([], [self.board_master], [], 1.0)
            except OSError:
                return  # MicroPython is gone; the reboot follows

    def _pump_board(self):
        """Forward what MicroPython wrote: True when there was something,
        None when nothing is waiting, False when its side is closed."""
        try:
            data = os.read(self.board_master, _CHUNK)
        except BlockingIOError:
            return None
        except OSError as exc:
            if exc.errno == errno.EIO:
                return False
            raise
        if not data:
            return False
        data = self._cooked(data)
        self._log(data)
        if self.console:
            self.console.write(data)
        self._to_device(data)
        return True

    def _cooked(self, data):
        """LF -> CR LF where the unix port printed a bare LF: a board's
        console sends CR LF, and a tty's ONLCR would double the REPL's own."""
        previous, self._last_out = self._last_out, data[-1:]
        out = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if previous == b"\r" and data[:1] == b"\n":
            out = out[1:]
        return out

    def _interrupt(self):
        """Deliver a Ctrl-C as a board does: code that runs is interrupted.
        The tty turns Ctrl-C into SIGINT only while MicroPython leaves it in
        cooked mode (main.py); code run from the raw REPL (mpremote exec
        --no-follow) runs with the tty still raw, so the signal is sent here.
        At a prompt the byte goes through: the REPL reads it as input."""
        if termios.tcgetattr(self.board_slave)[3] & termios.ISIG:
            return False
        if not _catches_sigint(self.proc.pid):
            return False
        self.proc.send_signal(signal.SIGINT)
        return True

    def _pump_device(self):
        try:
            data = os.read(self.device_master, _CHUNK)
        except (BlockingIOError, OSError):
            return
        if not data:
            return
        self._log(data)
        if b"\x03" in data and self._interrupt():
            data = data.replace(b"\x03", b"")
        self._to_board(data)

    def _reboot(self):
        while self._pump_board():  # what it printed last
            pass
        os.close(self.board_master)
        os.close(self.board_slave)
        self.board_master = self.board_slave = None
        code = self.proc.wait()
        sleep_ms = self._deep_sleep()
        if sleep_ms is None:
            print("vboard: micropython exited with %d; restarting" % code, file=sys.stderr, flush=True)
            time.sleep(_RESTART_PAUSE)
            self.start_micropython()
        else:
            print("vboard: deep sleep for %d ms; awake, the board used %.1f ms of CPU"
                  % (sleep_ms, _children_cpu_ms() - self._cpu_before), file=sys.stderr, flush=True)
            self.proc = None
            self.wake_at = time.monotonic() + sleep_ms / 1000

    def _deep_sleep(self):
        """The sleep (ms) the board asked for before it ended, or None."""
        request = self.flash / DEEPSLEEP_FILE
        try:
            text = request.read_text()
            request.unlink()
            return max(0, int(text))
        except (OSError, ValueError):
            return None

    def _sleep(self):
        """While the board sleeps: what the device receives is dropped; at
        the end of the sleep, the board starts again."""
        ready, _, _ = select.select([self.device_master], [], [], min(0.2, max(0.0, self.wake_at - time.monotonic())))
        if ready:
            try:
                os.read(self.device_master, _CHUNK)
            except (BlockingIOError, OSError):
                pass
        if time.monotonic() >= self.wake_at:
            self.start_micropython()

    def serve(self):
        (self.flash / DEEPSLEEP_FILE).unlink(missing_ok=True)  # left by a harness stopped mid-sleep
        self.start_micropython()
        while not self.stopping:
            if self.proc is None:
                self._sleep()
                continue
            fds = [self.board_master, self.device_master]
            try:
                ready, _, _ = select.select(fds, [], [], 0.2)
            except InterruptedError:
                continue
            if self.board_master in ready and self._pump_board() is False:
                if self.stopping:
                    break
                self._reboot()
                continue
            if self.device_master in ready:
                self._pump_device()
            if self.proc.poll() is not None and not self.stopping:
                self._reboot()

    def stop(self, *_):
        self.stopping = True

    def close(self):
        if self.proc:
            stop_process(self.proc, 5)
        for fd in (self.board_master, self.board_slave, self.device_master, self._device_slave):
            if fd is not None:
                os.close(fd)
        for log in (self.transcript, self.console):
            if log:
                log.close()


def _parser():
    parser = Parser(prog="nes vboard", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", required=True, help="the board's flash directory (created if missing)")
    parser.add_argument("--install", action="store_true",
                        help="copy the built unix firmware (build/firmware/unix) onto the flash first")
    parser.add_argument("--transcript", help="append every byte crossing the serial link to this file "
                                             "(at %d bytes it moves to FILE.1 and starts again)" % TRANSCRIPT_MAX)
    parser.add_argument("--console", help="append only what the board printed to this file, so that a line "
                                          "is never split by what a host sent meanwhile (moved to FILE.1 "
                                          "the same way)")
    parser.add_argument("--link", help="also make a symlink to the device at this path")
    parser.add_argument("--heapsize", default=DEFAULT_HEAP,
                        help="MicroPython heap size (default %s)" % DEFAULT_HEAP)
    parser.add_argument("--micropython", help="the unix port binary (default: found next to python or on PATH)")
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    flash = pathlib.Path(args.dir)
    flash.mkdir(parents=True, exist_ok=True)
    if args.install:
        install_firmware(flash)
    board = VirtualBoard(flash, args.micropython or _find_micropython(), args.heapsize, args.transcript,
                         args.console)
    if args.link:
        link = pathlib.Path(args.link)
        if link.is_symlink():
            link.unlink()
        link.symlink_to(board.device)
    signal.signal(signal.SIGTERM, board.stop)
    signal.signal(signal.SIGINT, board.stop)
    signal.signal(signal.SIGHUP, board.stop)
    print(board.device, flush=True)
    try:
        board.serve()
    finally:
        board.close()
        if args.link and pathlib.Path(args.link).is_symlink():
            pathlib.Path(args.link).unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
