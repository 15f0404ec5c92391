"""NES on the board. After Ctrl-C stops the main loop, at the serial REPL:

    import nes
    nes.send("alice", "text"); nes.inbox(); nes.poll(); nes.run(); nes.whoami()

(the whole API: nes/repl.py). The package is in three layers, each importing
only from itself and the layers below it (docs/ARCHITECTURE.md):

    nes/crypto/   primitives: field arithmetic, X25519, Ed25519, SHA-512, AES,
                  HMAC/HKDF, base64, the viper/pure backend choice
    nes/proto/    nes/1 as docs/PROTOCOL.md specifies it: envelope, inner and
                  outer message, replay cache, usernames, lookups, errors
    nes/          the device application: startup, app, transport, storage...

This package module stays tiny and imports nothing, so that
`import nes.proto.envelope` does not pull in the application, and the REPL
API is loaded only when first used."""
_API = ("send", "inbox", "poll", "run", "whoami", "on_message", "trust", "command", "allow", "disallow", "allowed")


def __getattr__(name):
    if name in _API:
        from nes import repl

        return getattr(repl, name)
    if name.startswith("_"):
        raise AttributeError(name)
    # `from nes import x` asks the package first, and MicroPython does not
    # go on to import submodule x when this raises: import it here (from
    # sys.modules, which also holds a module still being imported).
    import sys

    __import__("nes." + name)
    return sys.modules["nes." + name]


def unload(name):
    """Forget submodule nes.<name> ("http", "proto.directory") so the heap
    gets its code back (the next import loads it again): the application
    drops what it needs only at start or for a key lookup, as the smaller
    boards have a few tens of KB."""
    forget("nes." + name)


def forget(module):
    """Forget a module by its dotted name ("umqtt.simple"), as unload does."""
    import sys

    parent, _, leaf = module.rpartition(".")
    sys.modules.pop(module, None)
    getattr(sys.modules.get(parent), "__dict__", {}).pop(leaf, None)
