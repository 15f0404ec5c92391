"""The virtual board behaves like a USB board: mpremote `resume` reaches its
REPL through the printed device path, its files live in DIR, Ctrl-C stops
the running /main.py and leaves a REPL, a MicroPython exit is a reboot
that runs /main.py again, and a deep sleep a reboot once the sleep is over."""
import re
import subprocess
import sys
import time

from tests.fixtures.paths import BOARDS, ROOT


def test_device_path_reaches_the_repl_and_files_live_in_dir(vboard_factory):
    board = vboard_factory(install=False, files={"hello.txt": "from the host"})
    out = board.exec("import os; print(sorted(os.listdir('/'))); print(open('/hello.txt').read())")
    assert "['hello.txt']" in out
    assert "from the host" in out
    board.exec("import os; os.mkdir('/nesdata'); f = open('/nesdata/x.tmp', 'w'); f.write('42'); f.close(); "
               "os.rename('/nesdata/x.tmp', '/nesdata/x')")
    assert (board.dir / "nesdata" / "x").read_text() == "42"
    assert not (board.dir / "nesdata" / "x.tmp").exists()
    # the transcript holds both directions of the serial link, the console only the board's
    text = board.transcript.read_text(errors="replace")
    assert "raw REPL; CTRL-B to exit" in text and "os.listdir('/')" in text
    assert "raw REPL; CTRL-B to exit" in board.output() and "os.listdir('/')" not in board.output()


def test_what_a_host_sends_meanwhile_does_not_split_a_printed_line(vboard_factory):
    # As mpremote's exit from the raw REPL (Ctrl-B) after `exec --no-follow`
    # reaches a board that is printing: the console the tests read keeps the line whole.
    board = vboard_factory(install=False)
    board.exec("import os, time\nprint('half', end='')\n"
               "while 'go' not in os.listdir('/'):\n    time.sleep(0.02)\nprint('-line')", follow=False)
    board.wait_for("half")
    with open(board.port, "wb", buffering=0) as device:
        device.write(b"\r\x02")
    deadline = time.monotonic() + 30
    while not re.search(rb"half(\r\x02)+$", board.transcript.read_bytes()):
        assert time.monotonic() < deadline, board.transcript.read_bytes()[-200:]
        time.sleep(0.02)
    (board.dir / "go").write_text("")
    board.wait_for("half-line")
    assert re.search(rb"half(\r\x02)+-line", board.transcript.read_bytes())


def test_mpremote_copies_files_onto_the_board(vboard, tmp_path):
    local = tmp_path / "data.bin"
    local.write_bytes(bytes(range(256)))
    subprocess.run([vboard.mpremote, "connect", vboard.port, "resume", "fs", "cp", str(local), ":data.bin"],
                   check=True, capture_output=True, timeout=60)
    assert (vboard.dir / "data.bin").read_bytes() == bytes(range(256))


def test_ctrl_c_stops_main_and_a_micropython_exit_reboots(vboard_factory):
    main = "import time\nprint('booted', len(open('/boots').read()))\nwhile True:\n    time.sleep(0.05)\n"
    board = vboard_factory(install=False, files={"main.py": main, "boots": ""})
    board.wait_for("booted 0")
    # Ctrl-C (sent by mpremote) interrupts main.py; the REPL still sees the board's state.
    out = board.exec("f = open('/boots', 'a'); f.write('x'); f.close(); print('at repl')")
    assert "at repl" in out
    assert "KeyboardInterrupt" in board.output()
    mark = board.mark()
    board.exec("import sys; sys.exit()", check=False)
    board.wait_for("booted 1", after=mark)


def test_deep_sleep_ends_the_process_and_wakes_it_when_the_sleep_is_over(vboard_factory):
    main = "import board\nprint('woke after', board.awake_ms() < 2000)\n"
    profile = (BOARDS / "unix" / "board.py").read_text()
    board = vboard_factory(install=False, files={"main.py": main, "lib/board.py": profile})
    board.wait_for("woke after True")
    mark = board.mark()
    asked = time.monotonic()
    board.exec("import board; board.deepsleep(2000)", follow=False, check=False)
    board.wait_for("woke after True", after=mark, timeout=30)
    assert time.monotonic() - asked >= 2.0  # not before the sleep is over: the harness waited it out
    assert not (board.dir / "deepsleep").exists()  # the request was taken


def test_vboard_command_line_installs_the_firmware(tmp_path, firmware_tree):
    flash = tmp_path / "flash"
    proc = subprocess.Popen([sys.executable, "-m", "host_tools.board.vboard", "--dir", str(flash), "--install",
                             "--link", str(tmp_path / "tty")],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        device = proc.stdout.readline().decode().strip()
        assert device.startswith("/dev/")
        assert (tmp_path / "tty").resolve() == __import__("pathlib").Path(device).resolve()
        assert (flash / "main.py").exists()
        assert (flash / "lib" / "nes" / "app.mpy").exists()
        assert (flash / "lib" / "umqtt" / "simple.mpy").exists()
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()
    assert not (tmp_path / "tty").exists()
