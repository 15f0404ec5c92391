"""The serial REPL API behind `import nes` (nes/__init__.py loads this module
on first use, so that a running board does not keep it in its heap):

    nes.send("alice", "text")   # seal for alice and publish; True when the broker has it
    nes.inbox()                 # the messages received, oldest first: (sender, ms, text)
    nes.poll(timeout_ms=0)      # handle what has arrived; the new messages
    nes.run()                   # restart the main loop
    nes.whoami()                # this board's user, board, broker and public keys
    nes.on_message(fn)          # call fn(message) for every verified message
    nes.trust("alice")          # accept alice's new keys after a reported key change
    nes.command("relay", fn)    # "/relay on" from an allowed sender runs fn("on"), replies its result
    nes.allow("alice"); nes.disallow("alice"); nes.allowed()   # the commands' allow-list (on flash)"""
import board

import nes

from . import app
from .crypto import b64


def _app():
    """The board's one App: the running one, else built from flash."""
    found = app.current()
    if found is None:
        from . import startup

        try:
            found = startup.create()
        finally:
            nes.unload("startup")
    return found


def send(to, text):
    return _app().send(to, text)


def inbox():
    return list(_app().inbox)


def poll(timeout_ms=0):
    return _app().poll(timeout_ms)


def run():
    _app().run()


def whoami():
    a = _app()
    cfg = a.cfg
    return {
        "user": cfg.user,
        "board": board.NAME,
        "client_id": cfg.broker_client_id,
        "broker": "%s:%d" % (cfg.broker_host, cfg.broker_port),
        "public_key_message": b64.encode_str(a.keys[1]),
        "public_key_sign": b64.encode_str(a.keys[3]),
    }


def on_message(fn):
    app.hooks.append(fn)
    return fn


def trust(name):
    found = _app().peers.trust(name.lower())
    return {"public_key_message": b64.encode_str(found[0]), "public_key_sign": b64.encode_str(found[1])}


def command(name, fn):
    app.handlers[name] = fn
    return fn


def _allow(name, allowed):
    from . import commands

    try:
        return commands.set_allowed(_app(), name, allowed)
    finally:
        nes.unload("commands")


def allow(name):
    return _allow(name, True)


def disallow(name):
    return _allow(name, False)


def allowed():
    return list(_app().cfg.commands_allow)
