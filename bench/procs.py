"""Services the bench starts on loopback ports: started, waited for, and
always stopped (by their own process group) when the block ends."""
import contextlib
import os
import signal
import subprocess

from tests.fixtures.paths import wait_for_port


@contextlib.contextmanager
def service(cmd, port, log_path, env=None, cwd=None, timeout=30.0, stop_signal=signal.SIGTERM):
    """Run `cmd` until the block ends; it must accept connections on 127.0.0.1:port.
    `stop_signal` ends it (nginx: SIGTERM is its fast shutdown; gunicorn: SIGQUIT)."""
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                start_new_session=True)
    try:
        try:
            wait_for_port(port, timeout=timeout, proc=proc)
        except (RuntimeError, TimeoutError) as exc:
            with open(log_path, "rb") as f:
                tail = f.read()[-1500:].decode("utf-8", "replace")
            raise RuntimeError("%s did not start: %s\n%s" % (os.path.basename(cmd[0]), exc, tail)) from None
        yield proc
    finally:
        stop(proc, stop_signal=stop_signal)


def stop(proc, timeout=10, stop_signal=signal.SIGTERM):
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, stop_signal)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout)
