"""`nes vboard`: the virtual board behind the `nes` command (host_tools.board.vboard
owns its options) answers mpremote on the device path it prints."""
import subprocess

from tests.fixtures.paths import find_tool


def test_nes_vboard_serves_a_board_until_interrupted(nes, tmp_path):
    flash = tmp_path / "flash"
    board = nes.start("vboard", "--dir", flash, "--transcript", tmp_path / "link.log")
    device = board.wait_for("stdout", "/dev/")
    out = subprocess.run([find_tool("mpremote"), "connect", device, "resume", "exec", "print(6 * 7)"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "42", out
    assert "print(6 * 7)" in (tmp_path / "link.log").read_text(errors="replace")
    assert board.interrupt() == 0
    assert flash.is_dir()


def test_nes_vboard_help_is_the_virtual_boards(nes):
    out = nes.run("vboard", "--help").ok().stdout
    assert "usage: nes vboard" in out and "--dir" in out and "--transcript" in out
