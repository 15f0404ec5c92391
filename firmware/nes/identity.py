"""This board's own key pairs on flash: /nesdata/message.key and sign.key
(the private halves, 32 raw bytes each) and message.pub, sign.pub. Every file
is written atomically (storage.write_atomic), so a power cut during
provisioning never leaves half a key."""
from . import storage
from .proto.constants import KEY_BYTES

_FILES = ("message.key", "message.pub", "sign.key", "sign.pub")


def _is_key(data):
    return len(data) == KEY_BYTES


def load():
    """(message_secret, message_public, sign_seed, sign_public), or None when
    the board has no complete set of keys."""
    keys = []
    for name in _FILES:
        data = storage.load(storage.path(name), _is_key)
        if data is None or not _is_key(data):
            return None
        keys.append(data)
    return tuple(keys)


def save(keys):
    """Write the four keys. The public files go first and come back last, so
    whenever both are present the private files beside them are their own
    (load() wants all four): a power cut in between leaves no usable set,
    never a mismatched one."""
    storage.ensure_dir()
    for name in ("message.pub", "sign.pub"):
        storage.remove(storage.path(name))
    for name, data in zip(_FILES, keys):
        if name.endswith(".key"):
            storage.write_atomic(storage.path(name), data)
    for name, data in zip(_FILES, keys):
        if name.endswith(".pub"):
            storage.write_atomic(storage.path(name), data)
