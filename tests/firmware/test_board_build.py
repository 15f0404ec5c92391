"""`make firmware`: tools/build_firmware.py builds build/firmware/<board>/ with
the code compiled to .mpy by mpy-cross for each board's architecture, and
umqtt.simple fetched from PyPI by tools/fetch_umqtt.py (never kept in the
repository)."""
import os
import subprocess
import sys

import pytest

from tests.fixtures.paths import FIRMWARE, ROOT

ARCH = {"esp32": 10, "esp32s3": 10, "esp32c3": 11, "pico_w": 4, "unix": 2}  # MicroPython's native-architecture numbers


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "build_firmware.py"), "--out", str(out)],
                         capture_output=True, text=True, check=True)
    return out, run.stdout


def _header(path):
    data = path.read_bytes()[:4]
    return data[0:1], data[1], data[2] >> 2  # magic, mpy version, native architecture


@pytest.mark.parametrize("board", sorted(ARCH))
def test_each_board_tree_holds_the_flash_layout(built, board):
    tree = built[0] / board
    modules = sorted(p.relative_to(FIRMWARE).with_suffix("").as_posix() for p in (FIRMWARE / "nes").rglob("*.py"))
    lib = tree / "lib"
    assert sorted(p.relative_to(lib).with_suffix("").as_posix() for p in (lib / "nes").rglob("*.mpy")) == modules
    assert (tree / "main.py").read_bytes() == (FIRMWARE / "main.py").read_bytes()
    assert (tree / "lib" / "board.mpy").exists()
    assert (tree / "lib" / "umqtt" / "simple.mpy").exists()
    assert [p.name for p in tree.rglob("*.py")] == ["main.py"]  # the only source file
    for mpy in tree.rglob("*.mpy"):
        magic, version, arch = _header(mpy)
        assert (magic, version) == (b"M", 6), mpy
        assert arch in (0, ARCH[board]), mpy  # native code, where there is any, for this board


def test_a_second_build_compiles_nothing_and_drops_stale_files(built):
    out, _ = built
    stale = out / "unix" / "lib" / "nes" / "gone.mpy"
    stale.write_bytes(b"M")
    stamps = {p: p.stat().st_mtime_ns for p in (out / "unix").rglob("*.mpy") if p != stale}
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_firmware.py"), "unix", "--out", str(out)],
                   capture_output=True, check=True)
    assert not stale.exists()
    assert {p: p.stat().st_mtime_ns for p in (out / "unix").rglob("*.mpy")} == stamps


def test_umqtt_comes_from_pypi_and_is_not_in_the_repository(tmp_path):
    fetched = ROOT / "build" / "lib" / "umqtt" / "simple.py"
    assert fetched.exists()  # fetched by the build fixture above
    assert "class MQTTClient" in fetched.read_text()
    before = fetched.stat().st_mtime_ns
    subprocess.run([sys.executable, str(ROOT / "tools" / "fetch_umqtt.py")], capture_output=True, check=True)
    assert fetched.stat().st_mtime_ns == before  # idempotent: no second download
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert not [p for p in tracked if "umqtt" in p and not p.startswith(("tools/", "tests/", "docs/"))]
    for top in ("firmware", "boards", "host_tools"):
        assert not list((ROOT / top).rglob("umqtt")), "umqtt must not be vendored under %s" % top


def test_the_build_rejects_an_unknown_board(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "build_firmware.py"), "esp8266",
                          "--out", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode != 0 and "unknown board 'esp8266'" in run.stderr
    assert not os.listdir(tmp_path)


def test_the_compilation_cache_answers_by_source_and_arguments(tmp_path, monkeypatch):
    """build/.mpy-cache gives back a compilation only for the same text and
    arguments: each output equals what mpy-cross makes of it uncached."""
    sys.path.insert(0, str(ROOT / "tools"))
    import build_firmware

    monkeypatch.setattr(build_firmware, "CACHE", tmp_path / "cache")
    mpy_cross = build_firmware._mpy_cross()
    sources = {"a": "def f():\n    return 1\n", "b": "def f():\n    return 2\n"}
    variants = [(text, arch) for text in sources.values() for arch in ("x64", "armv6m")]

    def fresh(text, arch):
        src = tmp_path / "fresh.py"
        src.write_text(text)
        out = tmp_path / "fresh.mpy"
        subprocess.run([mpy_cross, "-march=" + arch, "-s", "m", "-o", str(out), str(src)], check=True)
        return out.read_bytes()

    for rounds in range(2):  # the second round is served from the cache
        for i, (text, arch) in enumerate(variants):
            target = tmp_path / ("out%d.mpy" % i)
            build_firmware._compile(mpy_cross, ["-march=" + arch, "-s", "m"], text, target)
            assert target.read_bytes() == fresh(text, arch), (rounds, text, arch)
    assert len(list((tmp_path / "cache").glob("*.mpy"))) == len(variants)
