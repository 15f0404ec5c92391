"""Text from the network reaches the terminal escaped, through the real `nes`:
a key server's error text (JSON or not), and message texts in `nes listen`
and `nes listen --json`. Each carries ESC (a CSI colour, an OSC 8 hyperlink),
the one-character CSI U+009B, DEL and U+202E (right-to-left override); none of
them may reach stdout or stderr raw, and --json lines are pure ASCII that
decode to the exact text sent."""
import json

import pytest

HOSTILE = ("red \x1b[31m, \x1b]8;;https://evil.example/\x07a link\x1b]8;;\x07, "
           "csi \x9b2J, del \x7f, rlo \u202eevil")
RAW = ("\x1b", "\x9b", "\x7f", "\u202e", "\x07")
ESCAPED = ("\\x1b[31m", "\\x1b]8;;https://evil.example/\\x07", "\\x9b2J", "\\x7f", "\\u202e")


def _assert_escaped(text):
    assert not any(c in text for c in RAW), repr(text)
    assert all(e in text for e in ESCAPED), text


@pytest.mark.parametrize("body", [
    json.dumps({"error": HOSTILE + "\nnes: a forged second line", "status": 400}).encode(),
    (HOSTILE + "\nnes: a forged second line").encode(),
], ids=["json", "raw"])
def test_the_key_servers_error_text_is_escaped(nes, json_server, body):
    server = json_server(lambda path: (400, body))
    line = nes.run("config", "--fetch-provider-key", "-p", server.url).failed()  # one line only
    assert "HTTP 400" in line
    _assert_escaped(line)


def test_message_texts_are_escaped_in_listen_and_listen_json(nes_factory, mosquitto, keyserver):
    alice = nes_factory("alice").join(mosquitto, keyserver)
    bob = nes_factory("bob").join(mosquitto, keyserver)
    text_listener, json_listener = bob.listen(), None
    alice.run("send", "bob", HOSTILE).ok()
    _assert_escaped(text_listener.wait_for("stdout", "alice: "))
    text_listener.interrupt()

    json_listener = bob.listen("--json")
    alice.run("send", "bob", HOSTILE + " again").ok()
    line = json_listener.wait_for("stdout", "{")
    assert line.isascii(), line
    assert "\\u009b" in line and "\\u007f" in line and "\\u202e" in line and "\\u001b" in line
    assert json.loads(line)["message"] == HOSTILE + " again"
    json_listener.interrupt()
