"""The `nes` examples of README.md ("Using NES from a computer") and
docs/CLI.md ("First steps") are run as written, line by line, against a real
key server and Mosquitto: only the example hosts are swapped for the test
services and `SHA256:...` for the fingerprint the first line showed."""
import re
import shlex

import pytest

from tests.fixtures.paths import ROOT


def examples(doc, heading):
    """The `nes ...` lines of the first code block after `heading` in `doc`."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    section = text[text.index(heading):]
    block = re.search(r"```[a-z]*\n(.*?)```", section, re.S).group(1)
    return [shlex.split(line, comments=True) for line in block.splitlines() if line.startswith("nes ")]


def run_examples(user, commands, services, keyserver):
    """Run each example as `user`; listen and chat (line mode) end once started."""
    fingerprint = None
    for argv in commands:
        argv = [services.get(arg, arg) for arg in argv[1:]]
        if fingerprint:
            argv = [fingerprint if arg == "SHA256:..." else arg for arg in argv]
        if "listen" in argv:
            listener = user.start(*argv)
            listener.wait_for("stderr", "listening as")
            assert listener.interrupt() == 0
            continue
        result = user.run(*argv, input="" if "chat" in argv else None).ok()
        if "--fetch-provider-key" in argv and "--trust" not in argv and "--json" not in argv:
            fingerprint = re.search(r"fingerprint: (\S+)", result.stdout).group(1)
        if "register" in argv:
            name = user.run("config", "NES_USERNAME", *argv[:argv.index("register")]).ok().stdout.strip()
            keyserver.emails[name] = argv[-1]
            assert keyserver.activate(name)[0] == 200
    assert fingerprint, "no example showed the key server's fingerprint"


@pytest.mark.parametrize("doc, heading, hosts, peer", [
    ("README.md", "## Using NES from a computer",
     ("https://keys.example.org", "tcp://broker.example.org:1883"), "kitchen"),
    ("docs/CLI.md", "## First steps", ("http://keys.example:5000", "tcp://broker.example:1883"), "bob"),
])
def test_the_documented_examples_run(doc, heading, hosts, peer, nes_factory, mosquitto, keyserver):
    commands = examples(doc, heading)
    assert len(commands) >= 8
    nes_factory(peer).join(mosquitto, keyserver)
    you = nes_factory("you")
    you.nes_dir.mkdir()
    (you.nes_dir / "config").write_text("NES_USERNAME = you\n")  # not the OS user's name
    services = {hosts[0]: keyserver.url, hosts[1]: mosquitto.url}
    run_examples(you, commands, services, keyserver)
