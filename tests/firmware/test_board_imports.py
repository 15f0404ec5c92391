"""The firmware imports only modules the MicroPython esp32 and rp2 ports
ship (MicroPython v1.24 images, `help("modules")` on both; umqtt.simple goes
on every board with the firmware), checked over the source: every import in
firmware/ and the board modules, lazy ones inside functions included. An
import in an `except ImportError:` block is a fallback for CPython (the
firmware also imports there) and is exempt; the import it stands in for is not."""
import ast

import pytest

from tests.fixtures.paths import BOARDS, FIRMWARE

BOTH_PORTS = {
    "array", "binascii", "collections", "cryptolib", "errno", "gc", "hashlib", "io", "json", "machine",
    "math", "micropython", "neopixel", "network", "os", "random", "select", "socket", "ssl", "struct",
    "sys", "time",
    "dht", "ds18x20", "onewire",  # frozen into both ports' images (their manifests require them)
}
OURS = {"nes", "board", "umqtt.simple"}
PORT_ONLY = {"esp32": {"esp32"}, "esp32s3": {"esp32"}, "esp32c3": {"esp32"}, "pico_w": {"rp2"}}


def _fallback(node, parents):
    """Whether `node` sits in an `except ImportError:` block."""
    return any(isinstance(p, ast.ExceptHandler) and isinstance(p.type, ast.Name) and p.type.id == "ImportError"
               for p in parents.get(node, ()))


def imports(path):
    """{top-level-ish module name} imported by `path`, fallbacks excepted."""
    tree = ast.parse(path.read_text())
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = parents.get(node, ()) + (node,)
    found = set()
    for node in ast.walk(tree):
        if _fallback(node, parents):
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module)
    return {name if name in OURS else name.split(".")[0] for name in found}


def _allowed(name, extra=()):
    return name in BOTH_PORTS or name in extra or name in OURS or name.startswith("nes.")


def test_the_firmware_imports_only_what_both_ports_ship():
    sources = sorted(FIRMWARE.rglob("*.py"))
    assert len(sources) > 30
    bad = {str(p.relative_to(FIRMWARE)): sorted(n for n in imports(p) if not _allowed(n)) for p in sources}
    assert {p: n for p, n in bad.items() if n} == {}


@pytest.mark.parametrize("board", sorted(PORT_ONLY))
def test_each_board_module_imports_only_what_its_port_ships(board):
    found = imports(BOARDS / board / "board.py")
    assert [n for n in found if not _allowed(n, PORT_ONLY[board])] == []


def test_the_check_sees_what_a_port_lacks(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import asyncio.x\ntry:\n    import cryptolib\nexcept ImportError:\n    import Crypto\n"
                     "def f():\n    import termios\n")
    assert imports(probe) == {"asyncio", "cryptolib", "termios"}
