"""Commands: a verified message `/name argument...` from a sender in the
board's allow-list runs the handler registered for `name` and the result
goes back to the sender as a message. Loaded when such a message arrives or
the allow-list is edited, and unloaded after (the handlers themselves live in
app.handlers, filled by nes.command()).

    nes.command("relay", fn)   # fn("on") for "/relay on"; its return value is the reply
    nes.allow("alice"); nes.disallow("alice"); nes.allowed()

A sender not in the allow-list gets nothing run and no answer (the board
prints why); a handler that raises is answered with its error, and the board
keeps running. Built in: /ping (pong) and /status (uptime, free heap, clock
source, crypto backend, Wi-Fi signal). The allow-list is `commands.allow` in
/nesdata/config.json, set by `nes provision --allow` or at the REPL."""
import gc
import json

import board

from . import clock, storage
from .proto.names import is_username


def _status(_):
    from .crypto import field

    rssi = board.rssi() if hasattr(board, "rssi") else None
    return "uptime %d s, free heap %d B, clock %s, backend %s, rssi %s" % (
        clock.uptime_ms() // 1000, gc.mem_free(), clock.source or "not synchronised", field.BACKEND,
        "n/a" if rssi is None else "%d dBm" % rssi)


_BUILT_IN = {"ping": lambda _: "pong", "status": _status}


def dispatch(app, sender, text, handlers, describe):
    """Run the command in `text` for `sender` if allowed (`handlers`: app.handlers;
    `describe`: app.describe, an error in one line); reply with the result."""
    name, _, argument = text[1:].partition(" ")
    if sender not in app.cfg.commands_allow:
        print("command: /%s from %s not run: %s is not in the allow-list" % (name, sender, sender))
        return
    handler = handlers.get(name) or _BUILT_IN.get(name)
    if handler is None:
        reply = "error: no command /%s (known: %s)" % (name, ", ".join(sorted(set(handlers) | set(_BUILT_IN))))
    else:
        try:
            result = handler(argument.strip())
            reply = "ok" if result is None else str(result)
        except Exception as exc:  # a handler's fault must not stop the board
            reply = "error: " + describe(exc)
    print("command: /%s from %s -> %s" % (name, sender, reply))
    try:
        app.send(sender, reply)
    except Exception as exc:
        print("command: reply to %s not sent: %s" % (sender, describe(exc)))


def set_allowed(app, name, allowed):
    """Add or remove `name` in the allow-list, on flash and in the running App."""
    from .config import PATH

    name = name.lower()
    if not is_username(name):
        raise ValueError("not a username: %r" % name)
    names = [n for n in app.cfg.commands_allow if n != name] + ([name] if allowed else [])
    data = storage.load_json(PATH, {})
    data.setdefault("commands", {})["allow"] = names
    storage.write_atomic(PATH, json.dumps(data).encode())
    app.cfg.commands_allow = names
    return list(names)
