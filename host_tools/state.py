"""What a command handler works with: the parsed arguments, the resolved
settings, and the objects built from them on first use (keys, key-server
client, pinned peers, broker address)."""
from .keyfiles import load_identity, provider_key
from .keyserver_client import KeyServer
from .mqtt import parse_broker
from .peers import FILE_NAME, Directory, PeerStore
from .settings import SETTINGS, Settings


class State:
    def __init__(self, args, environ=None):
        self.args = args
        flags = {s.dest: getattr(args, s.dest, None) for s in SETTINGS}
        flags["config"] = getattr(args, "config", None)
        self.settings = Settings(flags, environ)

    @property
    def user(self):
        return self.settings.user

    def identity(self, private=True):
        return load_identity(self.settings, private)

    def keyserver(self, trusted=True):
        """The key-server client; `trusted` needs the pinned server key (lookups)."""
        return KeyServer(self.settings.provider, provider_key(self.settings) if trusted else None)

    def store(self):
        return PeerStore(self.settings.state_file(FILE_NAME))

    def directory(self):
        return Directory(self.store(), self.keyserver())

    def broker(self):
        return parse_broker(self.settings.broker, self.settings.ca_file)

    def replay_path(self):
        return self.settings.state_file("%s-replay.json" % self.user)
