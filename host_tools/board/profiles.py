"""Board profiles (boards/<name>/profile.json) and the firmware trees built
from them (tools/build_firmware.py -> build/firmware/<name>/)."""
import ast
import json
import pathlib
import subprocess
import sys

from ..errors import CommandError

ROOT = pathlib.Path(__file__).resolve().parents[2]
BOARDS = ROOT / "boards"
BUILD_TOOL = ROOT / "tools" / "build_firmware.py"


def names():
    """The boards that have a profile."""
    return sorted(p.parent.name for p in BOARDS.glob("*/profile.json"))


def profile(name):
    """The parsed profile.json of a board."""
    try:
        return json.loads((BOARDS / name / "profile.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CommandError("unknown board %r; boards are %s" % (name, ", ".join(names()))) from None
    except (OSError, ValueError) as exc:
        raise CommandError("cannot read the profile of board %s: %s" % (name, exc)) from None


def has_wifi(name):
    """HAS_WIFI of the board's profile module (boards/<name>/board.py)."""
    tree = ast.parse((BOARDS / name / "board.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "HAS_WIFI" for t in node.targets):
            return bool(ast.literal_eval(node.value))
    return False


def firmware_tree(name, given=None):
    """The directory whose files go on the board's flash: `given`, or the
    tree `make firmware` builds (brought up to date first)."""
    if given:
        tree = pathlib.Path(given)
    else:
        if not BUILD_TOOL.exists():
            raise CommandError("the firmware build tool %s is missing; pass --firmware-dir" % BUILD_TOOL)
        built = subprocess.run([sys.executable, str(BUILD_TOOL), name], capture_output=True, text=True)
        if built.returncode != 0:
            last = (built.stderr.strip().splitlines() or ["exit status %d" % built.returncode])[-1]
            raise CommandError("building the %s firmware failed: %s" % (name, last))
        tree = pathlib.Path(built.stdout.strip().splitlines()[-1])
    if not (tree / "main.py").is_file():
        raise CommandError("%s is not a firmware tree (no main.py); run `make firmware`" % tree)
    return tree
