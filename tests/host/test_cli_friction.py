"""What a new user tripped over (issue 19), each checked on the real `nes`
command: --version, --json outputs, the help, one-line usage errors, shell
completion, reading the message from stdin, provision's --user and
NES_USERNAME, --trust with the key `make serve` prints, `nes flash -b` and
--dry-run, the Makefile's demo dependencies, the virtual board's transcript."""
import json
import re
import subprocess

import pytest

from host_tools import __version__
from host_tools.board.vboard import Transcript
from tests.fixtures.paths import ROOT


def test_version_flag_and_json(nes):
    assert nes.run("--version").ok().stdout == "nes %s (protocol nes/1)\n" % __version__
    assert json.loads(nes.run("version", "--json").ok().stdout) == {"version": __version__,
                                                                   "protocol": "nes/1"}


def test_settings_flags_are_listed_once_and_still_taken_after_the_command(nes):
    top = nes.run("--help").ok().stdout
    assert top.count("--private_message") == 1 and "settings (flag > environment" in top
    for command in ("send", "listen", "config", "generate", "register", "chat", "keys", "provision"):
        sub = nes.run(command, "--help").ok().stdout
        # the settings flag --broker, not a command's own flag that begins alike (--broker-admin)
        assert "--private_message" not in sub and not re.search(r"--broker\b(?!-)", sub), command
        assert "`nes --help` lists them" in sub
    assert nes.run("config", "MQTT_BROKER_ADDRESS", "-b", "tcp://after.example").ok().stdout == \
        "tcp://after.example\n"


@pytest.mark.parametrize("argv", [["bogus"], ["send", "--nope"], ["keys", "--accept"], [],
                                  ["listen", "extra"], ["vboard", "--bogus"]])
def test_usage_errors_are_one_line(nes, argv):
    result = nes.run(*argv)
    assert result.returncode == 2
    assert "--help` shows the usage" in result.failed()


def test_shell_completion_answers_through_argcomplete(nes, tmp_path):
    answer = tmp_path / "completion"
    nes.run(env={"_ARGCOMPLETE": "1", "_ARGCOMPLETE_IFS": " ", "COMP_LINE": "nes se", "COMP_POINT": "6",
                 "_ARGCOMPLETE_STDOUT_FILENAME": str(answer)}).ok()
    assert answer.read_text().split() == ["send"]
    assert (ROOT / ".venv" / "bin" / "register-python-argcomplete").is_file()


def test_send_without_text_says_it_reads_stdin(nes, ptys):
    assert "USER is needed" in nes.run("send").failed()
    terminal = ptys(nes, ["send", "bob"])
    terminal.expect("reading the message from stdin")


def test_provision_takes_its_user_from_the_flag_or_the_environment_only(nes):
    usage = nes.run("provision", "--help").ok().stdout
    assert "-u NAME, --user NAME" in usage and "NES_USERNAME" in usage
    base = ["provision", "--port", "/nonexistent/tty", "--board", "unix", "--email", "a@example.org",
            "-b", "tcp://127.0.0.1:9", "-P", "A" * 43 + "="]
    assert "--user NAME is needed" in nes.run(*base).failed()
    nes.run("config", "NES_USERNAME", "hostuser").ok()
    assert "--user NAME is needed" in nes.run(*base).failed()  # the config file names the host user
    for extra, env in ((["-u", "board1"], None), ([], {"NES_USERNAME": "board1"})):
        message = nes.run(*base, *extra, env=env).failed()
        assert "--user" not in message and "/nonexistent/tty" in message  # past the name


def test_keys_json(nes_factory, mosquitto, keyserver):
    alice = nes_factory("alice").join(mosquitto, keyserver)
    bob = nes_factory("bob").join(mosquitto, keyserver)
    assert json.loads(alice.run("keys", "--json").ok().stdout) == {"pins": []}
    alice.run("send", "bob", "hi").ok()
    pins = json.loads(alice.run("keys", "--json").ok().stdout)["pins"]
    assert [pin["user"] for pin in pins] == ["bob"]
    assert pins[0]["signing_key"].startswith("SHA256:") and pins[0]["pinned"]
    accepted = json.loads(alice.run("keys", "--accept", "bob", "--json").ok().stdout)
    fingerprints = {k: pins[0][k] for k in ("message_key", "signing_key")}
    assert accepted["accepted"] == accepted["previous"] == fingerprints
    assert json.loads(alice.run("keys", "--forget", "Bob", "--json").ok().stdout) == {"user": "bob",
                                                                                      "forgotten": True}
    assert bob.run("keys", "--json").ok().stdout.strip() == '{"pins": []}'


def test_trust_takes_the_base64_key_make_serve_prints(nes, keyserver):
    wrong = nes.run("-p", keyserver.url, "config", "--fetch-provider-key", "--trust", "A" * 43 + "=")
    assert "nothing saved" in wrong.failed()
    nes.run("-p", keyserver.url, "config", "--fetch-provider-key", "--trust", keyserver.public_key_b64).ok()
    assert (nes.nes_dir / "keyserver.pub").read_text().strip() == keyserver.public_key_b64


def test_flash_b_is_the_esptool_baud_and_dry_run_needs_no_image(nes):
    base = ["flash", "--board", "esp32", "--port", "/dev/ttyUSB0",
            "--firmware", "ESP32_GENERIC-20241129-v1.24.1.bin", "--dry-run"]
    planned = nes.run(*base, "-b", "115200").ok().stdout
    assert "would run:" in planned and "--baud 115200" in planned
    assert "ESP32_GENERIC-20241129-v1.24.1.bin" in planned
    refused = nes.run(*base, "-b", "tcp://broker.example").failed()
    assert "invalid int value: 'tcp://broker.example'" in refused
    uf2 = nes.run("flash", "--board", "pico_w", "--firmware", "RPI_PICO_W-20241129-v1.24.1.uf2",
                  "--dry-run").ok().stdout
    assert "would copy: RPI_PICO_W-20241129-v1.24.1.uf2" in uf2
    assert "no firmware image at" in nes.run(*base[:-1]).failed()  # a real run still needs it


def test_make_demo_installs_only_mosquitto():
    def recipe(target):
        return subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout

    assert "mosquitto" in recipe("demo") and "postgresql" not in recipe("demo")
    assert "postgresql" not in recipe("demo-shell")
    assert "postgresql" in recipe("system-deps")


def test_a_transcript_is_capped_and_keeps_the_previous_part(tmp_path):
    path = tmp_path / "serial.log"
    transcript = Transcript(path, limit=100)
    for i in range(30):
        transcript.write(b"line %02d\n" % i)
    transcript.close()
    assert path.stat().st_size <= 100
    previous = (tmp_path / "serial.log.1").read_bytes()
    assert len(previous) <= 100
    assert (previous + path.read_bytes()).endswith(b"line 28\nline 29\n")
