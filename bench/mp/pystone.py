"""Run pystone (pystone_lowmem, given by path) under MicroPython; print the median
pystones per second of REPS runs of LOOPS passes as `BENCH-JSON {...}`.

    micropython pystone.py PATH LOOPS REPS"""
import json
import sys
import time


def main(path, loops, reps):
    scope = {"__name__": "pystone"}
    with open(path) as f:
        exec(f.read(), scope)
    rates = []
    for _ in range(reps):
        t0 = time.ticks_us()
        scope["pystones"](loops)
        rates.append(loops * 1e6 / time.ticks_diff(time.ticks_us(), t0))
    rates.sort()
    print("BENCH-JSON " + json.dumps({"pystones_per_s": rates[len(rates) // 2], "runs": rates}))


main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
