"""HTTP load on loopback with wrk (Debian package `wrk`): a bounded run of
fixed duration and connection count, its rate and latency percentiles."""
import json
import os
import pathlib
import subprocess

from .section import tool

SCRIPT = pathlib.Path(__file__).parent / "wrk.lua"


def run(url, seconds, connections, users=None, path=None, workload=None):
    """{"rps", "p50_ms", "p99_ms", "requests", "errors"} of one wrk run against
    `url`: /users/<name> among `users` names, or the fixed `path`. `workload`
    adds wrk.lua's BENCH_* settings (hot set, cold share, warm-up pass),
    without the prefix: {"HOT": 10000}."""
    env = dict(os.environ)
    if path:
        env["BENCH_PATH"] = path
    else:
        env["BENCH_USERS"] = str(users)
    env.update({"BENCH_" + k: str(v) for k, v in (workload or {}).items()})
    cmd = [tool("wrk"), "-t1", "-c%d" % connections, "-d%ds" % max(1, round(seconds)),
           "--timeout", "10s", "-s", str(SCRIPT), url]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=seconds + 60)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("BENCH-JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError("wrk failed (%d): %s" % (proc.returncode, (proc.stderr or proc.stdout)[-800:]))
    data = json.loads(line[len("BENCH-JSON "):])
    errors = sum(data["errors"].values())
    return {
        "connections": connections,
        "requests": data["requests"],
        "rps": data["requests"] / (data["duration_us"] / 1e6),
        "p50_ms": data["p50_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000,
        "errors": errors,
        "error_detail": data["errors"] if errors else None,
    }
