"""Entry point of `make bench` (see bench/__init__.py)."""
import argparse
import datetime
import json
import os
import pathlib
import platform
import sys
import time

from . import __doc__ as BENCH_DOC
from . import boards, duty, e2e, firmware, host_crypto, keyserver_bench, listen_profile, report, section, tlog_bench
from .profile import PROFILES

HERE = pathlib.Path(__file__).parent
SECTIONS = ("firmware", "host", "native", "boards", "keyserver", "e2e", "transparency", "listen_profile", "duty")


def _machine():
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            model = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return "%s, %d cores" % (model, os.cpu_count() or 0)


def _parser():
    parser = argparse.ArgumentParser(prog="python -m bench", description=BENCH_DOC,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="full",
                        help="full (default, a few minutes) or smoke (seconds, tiny counts)")
    parser.add_argument("--smoke", dest="profile", action="store_const", const="smoke",
                        help="same as --profile smoke")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help="comma-separated sections to run (default all): %s" % ",".join(SECTIONS))
    parser.add_argument("--out", default=str(HERE / "results.json"), help="JSON results file")
    parser.add_argument("--markdown", default=str(HERE / "RESULTS.md"), help="Markdown table file")
    return parser


def run(profile, only):
    started = time.monotonic()
    results = {"meta": {
        "profile": profile.name,
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": _machine(),
        "python": "Python %s" % platform.python_version(),
        "crypto_reps": profile.crypto_reps,
        "sections": list(only),
        "load_start": os.getloadavg()[0],
    }}
    steps = {
        "firmware": lambda: firmware.run(profile),
        "host": lambda: host_crypto.run_host(profile),
        "native": lambda: host_crypto.run_native(profile),
        "boards": lambda: boards.run(profile, firmware.micropython()),
        "keyserver": lambda: keyserver_bench.run(profile),
        "e2e": lambda: e2e.run(profile),
        "transparency": lambda: tlog_bench.run(profile),
        "listen_profile": lambda: listen_profile.run(profile),
        "duty": lambda: duty.run(profile),
    }
    for name in SECTIONS:
        if name in only:
            results[name] = section.run(name, steps[name])
    results["derived"] = report.derive(results)
    results["meta"]["seconds"] = round(time.monotonic() - started, 1)
    results["meta"]["load_end"] = os.getloadavg()[0]
    return results


def main(argv=None):
    args = _parser().parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        sys.exit("bench: unknown section(s) %s; sections are %s" % (", ".join(sorted(unknown)), ", ".join(SECTIONS)))
    results = run(PROFILES[args.profile], only)
    pathlib.Path(args.out).write_text(json.dumps(results, indent=1, sort_keys=False) + "\n")
    pathlib.Path(args.markdown).write_text(report.render(results, markdown=True))
    print(report.render(results))
    print("bench: wrote %s and %s (%.0f s)" % (args.out, args.markdown, results["meta"]["seconds"]))


if __name__ == "__main__":
    main()
