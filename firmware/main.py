"""NES application entry point, run by the board at every reset. Ctrl-C on
the serial console stops it and leaves the REPL (`import nes`).

To act on messages, register a hook before the loop starts, e.g.:

    import nes
    @nes.on_message
    def reply(message):
        if message.text == "ping":
            nes.send(message.sender, "pong")
"""
import nes.startup

app = nes.startup.main()  # None when the board is not configured yet
if app:
    app.run()
