"""Programs and processes on this machine: finding a program (the venv, PATH,
the sbin folders), free loopback ports, waiting for a listener, stopping a
child cleanly. Shared by the virtual board, the local services and the tests."""
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import time

SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin")


class ServiceError(RuntimeError):
    """A service could not be found or started."""


def find_program(name, env_var=None):
    """The path of a program: $env_var, the venv's bin, PATH, then the sbin dirs; None if absent."""
    if env_var and os.environ.get(env_var):
        return os.environ[env_var]
    for directory in (str(pathlib.Path(sys.executable).parent),
                      *os.environ.get("PATH", "").split(os.pathsep), *SBIN_DIRS):
        found = shutil.which(name, path=directory)
        if found:
            return found
    return None


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=10.0, proc=None):
    """Block until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ServiceError("process exited with %s before listening on %d" % (proc.returncode, port))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise ServiceError("nothing listening on 127.0.0.1:%d after %ss" % (port, timeout))


def stop_process(proc, timeout=10):
    """Terminate `proc`; kill it when it has not ended after `timeout` s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
