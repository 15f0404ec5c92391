"""Fuzzing the firmware's open_frame under the MicroPython unix port.

Hypothesis (in CPython, seeded) makes 2,000 hostile frames from the same
families as the host fuzz; one MicroPython process with a board-sized heap
opens them all and prints one outcome a frame plus gc.mem_alloc() samples.
Every outcome must be a documented ProtocolError subclass (or a frame that
opens to the message it was made from), the firmware must agree with the host
on every frame, and the heap in use must not grow across the run."""
from collections import Counter

from hypothesis import HealthCheck, Phase, given, settings

from tests.security.firmware_open import HEAP, digest, open_on_firmware
from tests.security.fuzzcases import BOB, DIRECTORY, ME, NOW, check_outcome, frame_cases, open_host

CASES = 2_000  # the host fuzz opens 5,000; the firmware run is the suite's longest test, kept lean
SAMPLE_EVERY = 125
HEAP_SLACK = 8 * 1024  # bytes; the run keeps no state between frames, a leak grows without bound


def _hostile_cases():
    cases = []

    @settings(max_examples=CASES, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=frame_cases())
    def collect(case):
        cases.append(case)

    collect()
    return cases


def test_firmware_open_frame_survives_hostile_frames(micropython, tmp_path):
    cases = _hostile_cases()
    outcomes, memory = open_on_firmware(micropython, tmp_path, [c.frame for c in cases], ME,
                                        BOB.message_secret, DIRECTORY, NOW, every=SAMPLE_EVERY)

    seen = Counter()
    families = Counter()
    broken = Counter()
    disagree = Counter()
    examples = {}
    for case, line in zip(cases, outcomes):
        outcome, _, printed = line.partition(" ")
        host, host_message = open_host(case.frame)
        seen[outcome] += 1
        families[(case.kind.split("-")[0], outcome)] += 1
        if outcome == "ok":
            problem = check_outcome(case._replace(base=None), "ok", None)
            expected = case.base or host_message
            if problem is None and expected is not None and printed != digest(expected):
                problem = "opened to a different message"
        else:
            problem = check_outcome(case, line if outcome == "crash" else outcome, None)
        if problem:
            broken[(case.kind, problem)] += 1
            examples.setdefault((case.kind, problem), case.frame[:300])
        if outcome != host:
            disagree[(case.kind, "firmware %s, host %s" % (outcome, host))] += 1
            examples.setdefault((case.kind, "disagree"), case.frame[:300])

    reached_mac = len(cases) - seen["FormatError"]
    print("\nfirmware fuzz (unix port, heap %s): %d hostile frames; outcomes %s" % (
        HEAP, len(cases), dict(seen.most_common())))
    print("  by family:", ", ".join("%s/%s=%d" % (k, o, n) for (k, o), n in sorted(families.items())))
    print("  reached the MAC check or beyond: %d (%.0f%%)" % (reached_mac, 100 * reached_mac / len(cases)))
    print("  gc.mem_alloc() after gc.collect(), every %d frames (bytes): first %s, last %s, max %d, min %d" % (
        SAMPLE_EVERY, memory[:3], memory[-3:], max(memory), min(memory)))
    print("  disagreements with the host: %s" % (dict(disagree) or "none"))
    assert not broken, "broken rules: %s\nexamples: %s" % (dict(broken), examples)
    assert not disagree, "firmware and host disagree: %s\nexamples: %s" % (dict(disagree), examples)
    assert reached_mac >= len(cases) // 5
    assert len(memory) >= CASES // SAMPLE_EVERY
    assert max(memory[len(memory) // 2:]) - memory[0] < HEAP_SLACK, memory
