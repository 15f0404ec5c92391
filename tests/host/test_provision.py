"""`nes provision` on virtual boards, end to end: the firmware tree copied
through mpremote's transport, the config written, keys made on the board and
only their public halves read back (checked on the serial transcript), the
registration at the key server, activation, and then messages both ways.
A hardware variant runs against a real board given with `pytest --port`."""
import base64
import json
import os

import pytest

from tests.fixtures.nes_cli import WAIT


@pytest.fixture
def host(nes_factory, mosquitto, keyserver):
    """A registered host user, alice, whose settings provisioning reuses."""
    return nes_factory("alice").join(mosquitto, keyserver)


def provision(user, board, *extra, name="board1", email="board1@example.org"):
    return user.run("provision", "--port", board.port, "--board", "unix", "--user", name,
                    "--email", email, *extra, timeout=600)


def flash_keys(board):
    """The board's private keys as they sit on its flash."""
    data = board.dir / "nesdata"
    return [(data / name).read_bytes() for name in ("message.key", "sign.key")]


def wait_until_running(board):
    """The application's start after provisioning reset the board (the copied firmware
    itself, which crossed the link earlier, holds the same words)."""
    board.wait_for("nes: running", after=board.output().rindex("NES-PUBLIC"))


def assert_no_private_key_crossed(board):
    transcript = board.transcript.read_bytes()
    for secret in flash_keys(board):
        assert len(secret) == 32
        for form in (secret, base64.b64encode(secret), secret.hex().encode(), repr(secret).encode()):
            assert form not in transcript
        # nor any 8-byte window of it, in any of those forms
        for i in range(0, 25, 8):
            assert secret[i:i + 8] not in transcript and secret[i:i + 8].hex().encode() not in transcript


def test_provisioning_a_virtual_board_end_to_end(host, vboard_factory, keyserver, mosquitto):
    board = vboard_factory(install=False)
    result = provision(host, board).ok()

    # firmware, board profile and umqtt.simple are on the flash
    for path in ("main.py", "lib/board.mpy", "lib/umqtt/simple.mpy", "lib/nes/proto/envelope.mpy"):
        assert (board.dir / path).is_file(), path
    assert "files copied" in result.stdout and "0 already up to date" in result.stdout
    assert "/lib/nes/proto/envelope.mpy" in result.stderr  # progress, a line per file off a terminal
    config = json.loads((board.dir / "nesdata" / "config.json").read_text())
    assert config["user"] == "board1"
    assert config["broker"]["host"] == mosquitto.host and config["broker"]["port"] == mosquitto.port
    assert config["keyserver"] == {"url": keyserver.url, "public_key": keyserver.public_key_b64}

    # the board made its keys; only the public ones crossed the link
    public = (board.dir / "nesdata" / "sign.pub").read_bytes()
    assert base64.b64encode(public).decode() in board.transcript.read_text(errors="replace")
    assert_no_private_key_crossed(board)

    # registered, pending until the mailed link is followed
    assert "activation link" in result.stdout and "board1@example.org" in result.stdout
    assert keyserver.lookup("board1")[0] == 404
    keyserver.emails["board1"] = "board1@example.org"
    assert keyserver.activate("board1")[0] == 200
    answer = keyserver.lookup("board1")[1]["response"]
    assert base64.b64decode(answer["public_key_sign"]) == public

    # the board restarted into the application; messages flow both ways
    wait_until_running(board)
    mark = board.mark()
    host.run("send", "board1", "hello board").ok()
    board.wait_for("hello board", after=mark)
    listener = host.listen()
    board.exec("import nes; nes.send('alice', 'hello host')")
    assert listener.wait_for("stdout", "board1:").endswith("hello host")
    listener.interrupt()


def test_provisioning_again_updates_and_keeps_the_keys(host, vboard_factory, keyserver):
    board = vboard_factory(install=False)
    provision(host, board).ok()
    keys = flash_keys(board)
    keyserver.emails["board1"] = "board1@example.org"
    keyserver.activate("board1")
    wait_until_running(board)

    # Modules of an older firmware: one in a layer's folder, one where the
    # flat layout kept its protocol code.
    stale = [board.dir / "lib" / "nes" / "proto" / "stale.py", board.dir / "lib" / "nes" / "envelope.mpy"]
    for path in stale:
        path.write_text("raise ImportError('old firmware')\n")
    again = provision(host, board, "--json").ok()
    assert "0 files copied" in again.stderr  # nothing changed
    assert [path for path in stale if path.exists()] == []
    assert flash_keys(board) == keys
    assert "registered and active" in again.stderr
    identity = json.loads(again.stdout)  # stdout is the board's identity alone
    assert identity["user"] == "board1" and identity["port"] == board.port
    public = [(board.dir / "nesdata" / name).read_bytes() for name in ("message.pub", "sign.pub")]
    assert [base64.b64decode(identity[k]) for k in ("message_key", "signing_key")] == public
    assert_no_private_key_crossed(board)

    renewed = provision(host, board, "--new-keys")
    assert flash_keys(board) != keys
    assert "other keys for board1" in renewed.failed()
    assert_no_private_key_crossed(board)


def test_wifi_password_prompt_progress_bar_and_kept_settings(host, vboard_factory, ptys, firmware_tree):
    board = vboard_factory(install=False)
    term = ptys(host, ["provision", "--port", board.port, "--board", "unix", "--user", "board1",
                       "--email", "board1@example.org", "--wifi-ssid", "home net"])
    term.expect("Wi-Fi password for home net")
    term.type("s3cret pass\r")
    done = term.expect("The board restarted")
    assert term.proc.wait(WAIT) == 0
    shown = term.text()[:done]
    assert "s3cret" not in shown  # not echoed
    assert "] 100%" in shown and "[" + "#" * 30 + "]" in shown  # the progress bar, on a terminal
    config = board.dir / "nesdata" / "config.json"
    wifi = json.loads(config.read_text())["wifi"]
    assert wifi == {"ssid": "home net", "password": "s3cret pass"}

    # a later run without Wi-Fi options keeps them; a prebuilt tree can be given
    kept = provision(host, board, "--firmware-dir", firmware_tree).ok()
    assert "0 files copied" in kept.stdout  # the same build as the one copied
    assert json.loads(config.read_text())["wifi"] == wifi
    provision(host, board, "--wifi-ssid", "office", "--wifi-password", "pw2",
              "--post-to", "alice,Bob", "--interval", "30").ok()
    written = json.loads(config.read_text())
    assert written["wifi"] == {"ssid": "office", "password": "pw2"}
    assert written["sensor"] == {"recipients": ["alice", "bob"], "interval": 30}
    provision(host, board, "--interval", "0").ok()
    assert json.loads(config.read_text())["sensor"] == {"recipients": ["alice", "bob"], "interval": 0}
    # --sleep: the battery duty cycle; the restarted board wakes, posts, and deep-sleeps
    mark = board.mark()
    provision(host, board, "--sleep", "2").ok()
    assert json.loads(config.read_text())["power"] == {"sleep_s": 2}
    board.wait_for("duty: awake", after=mark, count=2)


def test_provisioning_errors_are_one_line(host, vboard_factory, tmp_path):
    assert "cannot open the board's port" in host.run(
        "provision", "--port", tmp_path / "no-such-port", "--board", "unix", "--user", "board1",
        "--email", "b@example.org").failed()
    board = vboard_factory(install=False)
    common = ["provision", "--port", board.port, "--email", "b@example.org"]
    assert "--user NAME is needed" in host.run(*common, "--board", "unix").failed()  # not the config's user
    assert "'x' is not a valid username" in host.run(*common, "--board", "unix", env={"NES_USERNAME": "x"}).failed()
    assert "not a valid username" in host.run(*common, "--board", "unix", "--user", "B 1").failed()
    assert "is the board itself" in host.run(*common, "--board", "esp32", "--user", "board1").failed()
    assert "--wifi-ssid is needed" in host.run(*common, "--board", "esp32", "--user", "board1",
                                               "-b", "tcp://192.0.2.1:1883", "-p", "http://192.0.2.1:5000").failed()
    assert "give the CA certificate (PEM) with --ca-file" in host.run(
        *common, "--board", "pico_w", "--user", "board1", "-b", "ssl://192.0.2.1", "-p", "http://192.0.2.1").failed()
    assert "--sleep must be from 0 to 604800 seconds" in host.run(
        *common, "--board", "unix", "--user", "board1", "--sleep", "-1").failed()
    assert "not a firmware tree" in host.run(*common, "--board", "unix", "--user", "board1",
                                             "--firmware-dir", tmp_path).failed()


@pytest.mark.hardware
def test_provisioning_a_real_board(nes, board_port):
    """`pytest --port /dev/ttyUSB0 -k real_board` with NES_TEST_BOARD (esp32 or pico_w),
    NES_TEST_BROKER and NES_TEST_KEYSERVER (addresses the board can reach, not 127.0.0.1),
    NES_TEST_KEYSERVER_KEY (its public key, base64), NES_TEST_WIFI_SSID and
    NES_TEST_WIFI_PASSWORD."""
    need = ["NES_TEST_BOARD", "NES_TEST_BROKER", "NES_TEST_KEYSERVER", "NES_TEST_KEYSERVER_KEY",
            "NES_TEST_WIFI_SSID", "NES_TEST_WIFI_PASSWORD"]
    missing = [name for name in need if name not in os.environ]
    if missing:
        pytest.skip("set %s" % ", ".join(missing))
    env = os.environ
    name = "hw%s" % os.urandom(3).hex()
    result = nes.run("-b", env["NES_TEST_BROKER"], "-p", env["NES_TEST_KEYSERVER"],
                     "-P", env["NES_TEST_KEYSERVER_KEY"], "provision", "--port", board_port,
                     "--board", env["NES_TEST_BOARD"], "--user", name, "--email", name + "@example.org",
                     "--wifi-ssid", env["NES_TEST_WIFI_SSID"], "--wifi-password", env["NES_TEST_WIFI_PASSWORD"],
                     timeout=1800).ok()
    assert "Registered %s" % name in result.stdout and "made on the board" in result.stdout


def test_provisioning_sets_the_clock_ntp_server_and_command_allow_list(host, vboard_factory, ntp_server):
    board = vboard_factory(install=False, files={"rtc_offset": str(-31 * 365 * 86_400_000)})  # ~1995
    ntp_server.answering = False
    provision(host, board, "--ntp-host", ntp_server.address, "--allow", "alice,Bob").ok()
    assert abs(int((board.dir / "rtc_offset").read_text())) < 60_000  # set from the host's clock
    config = json.loads((board.dir / "nesdata" / "config.json").read_text())
    assert config["ntp"] == {"host": ntp_server.address}
    assert config["commands"] == {"allow": ["alice", "bob"]}
    # a starting point only: the board still waits for NTP before it seals anything
    out = board.wait_for("(not synchronised)", after=board.output().rindex("NES-PUBLIC"))
    assert "time: NTP %s attempt 2 of 2 failed" % ntp_server.address in out
