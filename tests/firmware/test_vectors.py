"""Every tests/vectors/*.vec file and every lookup vector in tests/vectors/lookup/
(docs/PROTOCOL.md §10, §12) through the firmware
under the MicroPython unix port: for `ok`, seal_with reproduces the frame
byte for byte and opening gives the fields; otherwise the last open raises
the named class. One MicroPython process runs them all (run_vectors.py)."""
import pathlib
import shutil

import pytest

from tests.firmware.mpreport import read_report
from tests.fixtures.paths import VECTORS

HERE = pathlib.Path(__file__).parent
FILES = sorted(VECTORS.glob("*.vec"))
MIN_VECTORS = 30


def run_vectors(micropython, directory):
    """{file name: "PASS" or why it failed}, and the closing line."""
    run = micropython(script=HERE / "run_vectors.py", args=(str(directory),), timeout=600)
    return read_report(run.check().stdout)


@pytest.fixture(scope="module")
def report(micropython):
    return run_vectors(micropython, VECTORS)


def test_there_are_enough_vectors():
    assert len(FILES) >= MIN_VECTORS, "only %d vector files in %s" % (len(FILES), VECTORS)


def check_every_file_was_run(report, files):
    results, closing = report
    assert sorted(results) == [p.name for p in files]
    assert closing == "%d passed, 0 failed" % len(files)


def test_every_file_was_run(report):
    check_every_file_was_run(report, FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_vector(report, path):
    assert report[0].get(path.name) == "PASS"


def test_runner_reports_a_wrong_vector(micropython, tmp_path):
    """The runner itself can fail: a changed frame and a changed outcome."""
    ok = next(p for p in FILES if p.name.startswith("ok_"))
    text = ok.read_text(encoding="utf-8")
    (tmp_path / "changed_outcome.vec").write_text(
        text.replace("expect: ok", "expect: FormatError"), encoding="utf-8")
    frame_line = next(line for line in text.splitlines() if line.startswith("frame: "))
    changed = frame_line.replace('\\"signature\\":\\"A', '\\"signature\\":\\"B')
    assert changed != frame_line
    (tmp_path / "changed_frame.vec").write_text(text.replace(frame_line, changed), encoding="utf-8")
    shutil.copy(ok, tmp_path / "unchanged.vec")
    results, closing = run_vectors(micropython, tmp_path)
    assert results["unchanged.vec"] == "PASS"
    assert results["changed_outcome.vec"] == "opened, expected FormatError"
    assert results["changed_frame.vec"] == "seal_with does not reproduce the frame"
    assert closing == "1 passed, 2 failed"


LOOKUP_FILES = sorted((VECTORS / "lookup").glob("*.vec"))


@pytest.fixture(scope="module")
def lookup_report(micropython):
    return run_vectors(micropython, VECTORS / "lookup")


def test_every_lookup_file_was_run(lookup_report):
    check_every_file_was_run(lookup_report, LOOKUP_FILES)


@pytest.mark.parametrize("path", LOOKUP_FILES, ids=lambda p: p.stem)
def test_lookup_vector(lookup_report, path):
    assert lookup_report[0].get(path.name) == "PASS"
