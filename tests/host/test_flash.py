"""`nes flash`: the plan for each board profile (`--dry-run`), the Pico W copy
to a UF2 drive, esptool's failure as a one-line error, and the argument checks.
Flashing a real ESP32 is a hardware test (`pytest --port ...`)."""
import json
import os
import sys

import pytest

from tests.fixtures.paths import BOARDS


@pytest.fixture
def images(tmp_path):
    bin_image = tmp_path / "ESP32_GENERIC-v1.24.1.bin"
    uf2_image = tmp_path / "RPI_PICO_W-v1.24.1.uf2"
    bin_image.write_bytes(b"\xe9" + os.urandom(255))
    uf2_image.write_bytes(b"UF2\n" + os.urandom(508))
    return bin_image, uf2_image


def test_every_board_profile_has_a_dry_run(nes, images):
    bin_image, uf2_image = images
    boards = sorted(p.name for p in BOARDS.iterdir() if (p / "profile.json").exists())
    assert boards == ["esp32", "esp32c3", "esp32s3", "pico_w", "unix"]
    for board in boards:
        fmt = json.loads((BOARDS / board / "profile.json").read_text())["firmware"]["format"]
        image = {"bin": bin_image, "uf2": uf2_image}.get(fmt)
        args = ["flash", "--board", board, "--port", "/dev/ttyUSB9", "--dry-run"]
        out = nes.run(*args, *(["--firmware", image] if image else [])).ok().stdout
        assert out.strip(), board


def test_esp32_dry_run_erases_then_writes_at_the_profile_offset(nes, images):
    bin_image, _ = images
    out = nes.run("flash", "--board", "esp32", "--port", "/dev/ttyUSB9", "--firmware", bin_image,
                  "--dry-run").ok().stdout.splitlines()
    esptool = "%s -m esptool --chip esp32 --port /dev/ttyUSB9" % sys.executable
    assert out == [
        "would run: %s erase-flash" % esptool,
        "would run: %s --baud 460800 write-flash -z 0x1000 %s" % (esptool, bin_image),
    ]
    s3 = nes.run("flash", "--board", "esp32", "--port", "/dev/ttyUSB9", "--firmware", bin_image,
                 "--chip", "esp32s3", "--offset", "0x0", "--baud", "921600", "--dry-run").ok().stdout
    assert "--chip esp32s3" in s3 and "--baud 921600 write-flash -z 0x0 " in s3


def test_pico_w_dry_run_and_copy_to_the_uf2_drive(nes, images, tmp_path):
    _, uf2_image = images
    out = nes.run("flash", "--board", "pico_w", "--firmware", uf2_image, "--dry-run").ok().stdout
    assert out.startswith("would copy: %s -> " % uf2_image) and "RPI-RP2" in out
    drive = tmp_path / "RPI-RP2"
    drive.mkdir()
    out = nes.run("flash", "--board", "pico_w", "--firmware", uf2_image, "--drive", drive,
                  "--dry-run").ok().stdout
    assert "would copy: %s -> %s" % (uf2_image, drive / uf2_image.name) in out
    assert not list(drive.iterdir())  # a dry run changes nothing
    done = nes.run("flash", "--board", "pico_w", "--firmware", uf2_image, "--drive", drive).ok().stdout
    assert (drive / uf2_image.name).read_bytes() == uf2_image.read_bytes()
    assert "nes provision --board pico_w" in done


def test_unix_board_has_nothing_to_flash(nes):
    for extra in ([], ["--dry-run"]):
        out = nes.run("flash", "--board", "unix", *extra).ok().stdout
        assert out.startswith("unix: nothing to flash") and "nes vboard" in out


@pytest.mark.parametrize("args, message", [
    (["--board", "esp32", "--port", "/dev/ttyUSB9"], "--firmware FILE.bin is needed"),
    (["--board", "esp32", "--firmware", "{uf2}"], "takes a .bin image"),
    (["--board", "esp32", "--firmware", "{bin}"], "--port is needed"),
    (["--board", "esp32", "--port", "/dev/x", "--firmware", "{missing}"], "no firmware image at"),
    (["--board", "pico_w", "--firmware", "{bin}"], "takes a .uf2 image"),
    (["--board", "pico_w", "--firmware", "{uf2}", "--drive", "{missing}"], "is not a mounted drive"),
])
def test_flash_argument_errors_are_one_line(nes, images, tmp_path, args, message):
    bin_image, uf2_image = images
    names = {"bin": bin_image, "uf2": uf2_image, "missing": tmp_path / "missing.bin"}
    args = [a.format(**names) for a in args]
    assert message in nes.run("flash", *args).failed()


def test_esptool_failure_is_reported(nes, images, tmp_path):
    bin_image, _ = images
    result = nes.run("flash", "--board", "esp32", "--port", tmp_path / "no-such-port", "--firmware", bin_image)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("nes: esptool failed")
    assert result.stdout.startswith("run: ")


def test_unknown_board_is_a_usage_error(nes):
    result = nes.run("flash", "--board", "esp8266")
    assert result.returncode == 2 and "invalid choice" in result.stderr


@pytest.mark.hardware
def test_flashing_a_real_esp32(nes, board_port):
    """`pytest --port /dev/ttyUSB0 -k real_esp32` with NES_TEST_FIRMWARE=path/to/ESP32_GENERIC.bin."""
    image = os.environ.get("NES_TEST_FIRMWARE")
    if not image:
        pytest.skip("set NES_TEST_FIRMWARE to a MicroPython .bin for the board")
    nes.run("flash", "--board", "esp32", "--port", board_port, "--firmware", image, timeout=900).ok()
