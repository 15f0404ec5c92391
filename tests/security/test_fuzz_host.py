"""Fuzzing the host's open_frame: 5,000 hypothesis-made hostile frames (seeded,
so CI sees the same ones), each of which must end in a documented
ProtocolError subclass (or open to the very message it was made from). The
same frames are then opened once more under tracemalloc (which would slow
hypothesis itself tenfold) to show that nothing they allocate stays alive."""
import gc
import tracemalloc
from collections import Counter

from hypothesis import HealthCheck, Phase, given, settings

from tests.security.fuzzcases import check_outcome, frame_cases, open_host

CASES = 5_000
SAMPLE_EVERY = 1_000
MEMORY_SLACK = 64 * 1024  # bytes; a leak of even 8 bytes a case would show as 80 kB


def _held_since_start():
    """Bytes allocated since tracemalloc.start() and still alive after a full gc."""
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def test_host_open_frame_survives_hostile_frames():
    outcomes = Counter()
    failures = Counter()
    examples = {}
    memory = []

    @settings(max_examples=CASES, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=frame_cases())
    def run(case):
        try:
            outcome, message = open_host(case.frame)
        except Exception as exc:  # anything but a ProtocolError is the bug we hunt
            outcome, message = "crash:%s" % type(exc).__name__, None
        outcomes[(case.kind.split("-")[0], outcome)] += 1
        problem = check_outcome(case, outcome, message)
        if problem:
            failures[(case.kind, problem)] += 1
            examples.setdefault((case.kind, problem), case.frame[:300])
        frames.append(case.frame)

    frames = []
    run()
    tracemalloc.start()
    try:
        for i, frame in enumerate(frames, 1):
            open_host(frame)
            if i % SAMPLE_EVERY == 0:
                memory.append(_held_since_start())
    finally:
        tracemalloc.stop()

    total = sum(outcomes.values())
    by_outcome = Counter()
    for (_, outcome), n in outcomes.items():
        by_outcome[outcome] += n
    print("\nhost fuzz: %d hostile frames; outcomes %s" % (total, dict(by_outcome.most_common())))
    print("  by family:", ", ".join("%s/%s=%d" % (k, o, n) for (k, o), n in sorted(outcomes.items())))
    print("  bytes still allocated after gc, every %d cases: %s" % (SAMPLE_EVERY, memory))
    reached_mac = total - by_outcome["FormatError"]
    print("  reached the MAC check or beyond: %d (%.0f%%)" % (reached_mac, 100 * reached_mac / total))
    assert total >= CASES
    assert not failures, "broken rules: %s\nfirst examples: %s" % (dict(failures), examples)
    assert reached_mac >= total // 5, "the mutations hardly get past the format checks"
    assert max(memory[len(memory) // 2:]) - memory[0] < MEMORY_SLACK, memory
