"""Running one part of the bench: a part that cannot run here raises
Unavailable and is recorded as "not available: <why>", never as a number."""
import time
import traceback

import pytest

from tests.fixtures import paths


class Unavailable(Exception):
    """This measurement cannot be made here; the message says why."""


def run(name, fn, *args, log=print):
    """fn(*args) -> dict, with "available" and "seconds" added."""
    log("bench: %s ..." % name, flush=True)
    started = time.monotonic()
    try:
        result = fn(*args)
    except Unavailable as exc:
        result = {"available": False, "reason": str(exc)}
    except Exception as exc:  # a broken part must not hide the others' figures
        traceback.print_exc()
        result = {"available": False, "reason": "error: %s: %s" % (type(exc).__name__, exc)}
    result.setdefault("available", True)
    result["seconds"] = round(time.monotonic() - started, 1)
    if not result["available"]:
        log("bench: %s not available: %s" % (name, result["reason"]), flush=True)
    return result


def tool(name, env_var=None):
    """Path of a program the bench drives, or Unavailable saying it is missing."""
    try:
        return paths.find_tool(name, env_var=env_var)
    except pytest.fail.Exception as exc:
        raise Unavailable("%s not found (`make bench` installs it)" % name) from exc
