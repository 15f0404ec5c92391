"""Commands on a virtual board (firmware/nes/commands.py): the relay example
of docs/FIRMWARE.md run as written; `/relay on` from a sender in the
allow-list switches it and is answered; the same from anyone else runs
nothing and gets no answer; a raising handler is answered with its error and
the board keeps running; the built-in /ping and /status (its uptime the
board's); the allow-list
edited at the REPL, on flash."""
import json
import re
import time

from host_tools.protocol import envelope
from tests.fixtures.mqtt_client import publish_frames
from tests.fixtures.paths import ROOT
from tests.fixtures.vboard import board_config, register


def _doc_example():
    text = (ROOT / "docs" / "FIRMWARE.md").read_text()
    section = text[text.index("### Commands"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)




def test_commands_from_the_allow_list_run_and_are_answered(vboard_factory, user_board, mosquitto, keyserver):
    alice = user_board("alice")
    carol = user_board("carol")
    mallory = register(keyserver, "mallory")  # seals on the host
    bob_keys = register(keyserver, "bob")
    config = board_config("bob", mosquitto, keyserver)
    config["commands"] = {"allow": ["alice"]}
    powered = time.monotonic()
    bob = vboard_factory(config=config, keys=bob_keys)
    out = bob.wait_for("nes: running")
    assert re.search(r"nes: crypto backend (viper|python) \(\w", out)  # which, and why
    mark = bob.mark()
    bob.exec(_doc_example(), follow=False)
    bob.wait_for("nes: running", after=mark)

    alice.exec('import nes\nnes.send("bob", "/relay on")')
    alice.run_app()
    out = alice.wait_for("UTC: relay on")  # the whole line: a board prints one in pieces
    assert re.search(r"message from bob at .* UTC: relay on", out)
    assert bob.exec("import board\nprint(board.led_state)").strip().endswith("1")
    bob.run_app()

    mark = bob.mark()
    publish_frames(mosquitto, "nes/bob/message", [envelope.seal("mallory", mallory[2], "bob", bob_keys[1], "/relay off",
                                       int(time.time() * 1000))])
    bob.wait_for("command: /relay from mallory not run: mallory is not in the allow-list", after=mark)
    assert "command: /relay from mallory ->" not in bob.output()

    mark = alice.mark()
    alice.exec('import nes\nnes.send("bob", "/relay maybe")\nnes.send("bob", "/ping")\n'
               'nes.send("bob", "/status")\nnes.send("bob", "/nothing")')
    alice.run_app()
    out = alice.wait_for("UTC: error: no command /nothing (known: ping, relay, status)", after=mark)[mark:]
    assert "UTC: error: ValueError: say on or off" in out and "UTC: pong" in out
    status = re.search(r"UTC: uptime (\d+) s, free heap \d+ B, clock board, backend (viper|python), rssi n/a", out)
    assert status and int(status.group(1)) <= time.monotonic() - powered, out  # bob's, not the host's

    assert "message from bob" not in carol.output()
    assert bob.exec('import nes\nprint(nes.allow("Carol"))').strip().endswith("['alice', 'carol']")
    assert json.loads((bob.dir / "nesdata" / "config.json").read_text())["commands"] == {
        "allow": ["alice", "carol"]}
    bob.exec(_doc_example(), follow=False)
    carol.exec('import nes\nnes.send("bob", "/relay off")')
    carol.run_app()
    carol.wait_for("UTC: relay off")
    assert bob.exec('import nes\nprint(nes.disallow("alice"), nes.allowed())').strip().endswith("['carol'] ['carol']")
