"""The server's Ed25519 signing key: a file holding the 32-byte seed, created
once (mode 0600, written atomically) and never replaced without force."""
import base64
import logging
import os
import stat

from host_tools.protocol import signing
from host_tools.protocol.constants import KEY_BYTES

log = logging.getLogger(__name__)


class ServerKeyError(Exception):
    """The key file is missing, unreadable or malformed, or exists when it must not."""


class ServerKey:
    def __init__(self, seed):
        self.seed = seed
        self.public = signing.public_key(seed)

    @property
    def public_b64(self):
        return base64.b64encode(self.public).decode("ascii")


def create(path, force=False):
    """Write a fresh key to `path`; refuse to replace an existing one unless `force`."""
    if os.path.exists(path) and not force:
        raise ServerKeyError("server key %s exists; use --force to replace it" % path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    seed, _ = signing.generate()
    tmp = "%s.tmp-%d" % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(seed)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return ServerKey(seed)


def load(path):
    try:
        with open(path, "rb") as f:
            mode = os.fstat(f.fileno()).st_mode
            seed = f.read(KEY_BYTES + 1)
    except FileNotFoundError:
        raise ServerKeyError("no server key at %s; create it with `nes-keyserver init`" % path) from None
    except OSError as exc:
        raise ServerKeyError("cannot read server key %s: %s" % (path, exc.strerror)) from None
    if len(seed) != KEY_BYTES:
        raise ServerKeyError("server key %s is not a %d-byte Ed25519 seed" % (path, KEY_BYTES))
    if stat.S_IMODE(mode) & 0o077:
        log.warning("server key %s is readable by other users (mode %o)", path, stat.S_IMODE(mode))
    return ServerKey(seed)
