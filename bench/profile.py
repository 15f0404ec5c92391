"""How much work each part does: the default run (a few minutes on 2 cores)
and the smoke run the test uses (seconds; figures only show the bench works)."""
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Profile:
    name: str
    crypto_reps: int          # timed runs per firmware op; the median is reported
    host_seconds: float       # sampling time per host/native op
    heap_search: bool         # find each op's peak heap (binary search with ballast)
    pystone_loops: int
    http_seconds: float       # per load-generator run
    http_connections: int
    populations: tuple        # registered users for the lookup runs
    e2e_messages: int         # board -> host latency samples
    listen_messages: int      # frames for the host `listen` throughput run
    tlog_appends: int         # transparency-log appends timed per store
    # Heap of the timing runs: about what a Pico W leaves MicroPython. The
    # modules load from source here, so less is left than on a board with .mpy.
    firmware_heap: str = "192k"


FULL = Profile(
    name="full", crypto_reps=9, host_seconds=1.0, heap_search=True, pystone_loops=20000,
    http_seconds=5.0, http_connections=64, populations=(10**3, 10**6),
    e2e_messages=40, listen_messages=1000, tlog_appends=1000,
)

SMOKE = replace(
    FULL, name="smoke", crypto_reps=1, host_seconds=0.02, heap_search=False, pystone_loops=500,
    http_seconds=1.0, http_connections=8, populations=(20,), e2e_messages=2, listen_messages=5,
    tlog_appends=20,
)

PROFILES = {p.name: p for p in (FULL, SMOKE)}
