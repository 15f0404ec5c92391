"""Reading the reports the MicroPython check scripts print: one line per
check, `PASS <name>` or `FAIL <name>: <why>`, then `N passed, M failed`."""


def read_report(stdout):
    """({name: "PASS" or why it failed}, the closing line)."""
    lines = stdout.splitlines()
    results = {}
    for line in lines:
        if line.startswith("PASS "):
            results[line[5:]] = "PASS"
        elif line.startswith("FAIL "):
            name, _, why = line[5:].partition(": ")
            results[name] = why or "failed"
    return results, lines[-1] if lines else ""
