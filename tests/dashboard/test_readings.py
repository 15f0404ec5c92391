"""The structured reading convention (PROTOCOL.md §14): the host's strict
parser (host_tools/readings.py), the boards' writer (firmware/nes/readings.py)
under CPython and under the MicroPython unix port, and both against each other."""
import ast
import importlib.util
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from host_tools.readings import parse, summary
from tests.fixtures.paths import FIRMWARE


def _load_writer():
    """firmware/nes/readings.py as CPython runs it (it imports nothing)."""
    spec = importlib.util.spec_from_file_location("nes_readings_writer", FIRMWARE / "nes" / "readings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


writer = _load_writer()

EXAMPLE = "nes-reading/1\ntemperature=21.4 C\nhumidity=40 %\nrssi=-67 dBm"


def test_the_documented_example_parses():
    found = parse(EXAMPLE)
    assert [(r.name, r.value, r.unit) for r in found] == [
        ("temperature", 21.4, "C"), ("humidity", 40.0, "%"), ("rssi", -67.0, "dBm")]
    assert [r.json() for r in found][1] == {"name": "humidity", "value": 40, "unit": "%"}
    assert summary(found) == "temperature 21.4 C, humidity 40 %, rssi -67 dBm"
    assert parse("nes-reading/1\nadc34=0.125")[0].unit == ""
    assert parse("nes-reading/1\nds18b20.t-1_x=-0.5 \u00b0C")[0].value == -0.5


@pytest.mark.parametrize("text", [
    "temperature 21.4 C from unix",
    "nes-reading/1",                                  # no quantity
    "nes-reading/1\n",                                # a blank line
    EXAMPLE + "\n",                                   # trailing LF
    EXAMPLE.replace("\n", "\r\n"),                    # CRLF
    "NES-READING/1\nt=1",
    "nes-reading/2\nt=1",
    " nes-reading/1\nt=1",
    "nes-reading/1\nt=1\nt=2",                        # a name twice
    "nes-reading/1\nTemp=1",
    "nes-reading/1\n1t=1",
    "nes-reading/1\nt=1e5",
    "nes-reading/1\nt=+1",
    "nes-reading/1\nt=01",
    "nes-reading/1\nt=1.",
    "nes-reading/1\nt=.5",
    "nes-reading/1\nt=nan",
    "nes-reading/1\nt=inf",
    "nes-reading/1\nt=",
    "nes-reading/1\nt",
    "nes-reading/1\n=1",
    "nes-reading/1\nt=1 ",                            # a space and no unit
    "nes-reading/1\nt=1  C",
    "nes-reading/1\nt=1 C x",
    "nes-reading/1\nt=1 " + "C" * 17,
    "nes-reading/1\nt=1234567890123456",              # 16 integer digits
    "nes-reading/1\nt=\u0661",                        # a non-ASCII digit
    "nes-reading/1\nt=1 \u202eC",
    "nes-reading/1\n" + "x" * 33 + "=1",
    "nes-reading/1\n" + "\n".join("t%d=1" % i for i in range(33)),
    None, b"nes-reading/1\nt=1",
])
def test_anything_else_is_not_a_reading(text):
    assert parse(text) is None


def test_thirty_two_quantities_are_the_most():
    assert len(parse("nes-reading/1\n" + "\n".join("t%d=1" % i for i in range(32)))) == 32


@given(st.text(max_size=300))
def test_any_text_parses_or_is_refused_without_an_exception(text):
    for candidate in (text, "nes-reading/1\n" + text):
        found = parse(candidate)
        assert found is None or all(summary([r]) for r in found)


@given(st.text(alphabet="nes-radig/1\n=.0123456789 Ct%-", max_size=80))
def test_texts_that_look_like_readings_never_raise(text):
    found = parse(text)
    assert found is None or all(math.isfinite(r.value) for r in found)


NAMES = st.from_regex(r"[a-z][a-z0-9_.-]{0,31}", fullmatch=True)
UNITS = st.one_of(st.just(""), st.from_regex(r"[A-Za-z0-9%/\u00b0\u00b5._^-]{1,16}", fullmatch=True))
VALUES = st.one_of(st.integers(-10**14, 10**14),
                   st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False))


@given(st.lists(st.tuples(NAMES, VALUES, UNITS), min_size=1, max_size=32, unique_by=lambda t: t[0]))
def test_what_the_boards_write_the_host_reads(triples):
    found = parse(writer.format(triples))
    assert [(r.name, r.unit) for r in found] == [(n, u) for n, _, u in triples]
    for reading, (_, value, _) in zip(found, triples):
        assert reading.value == pytest.approx(value, abs=0.0006)


@pytest.mark.parametrize("triples", [
    [], [("t", float("nan"), "C")], [("t", float("inf"), "C")], [("t", 1e16, "")],
    [("T", 1, "")], [("t", 1, "")] * 2, [("t", 1, "two words")], [("t", "1", "")],
    [("t", True, "")], [("t%d" % i, 1, "") for i in range(33)],
])
def test_the_writer_refuses_what_would_not_parse(triples):
    with pytest.raises(ValueError):
        writer.format(triples)


WRITER_CASES = [
    [("temperature", 21.4, "C"), ("humidity", 40, "%")],
    [("adc34", 0.1234567, "V"), ("rssi", -67, "dBm"), ("t", -0.0001, "\u00b0C")],
    [("big", 123456789012345, ""), ("small", 2.5e-9, "")],
]


def test_the_writer_gives_the_same_text_on_micropython(micropython):
    code = "from nes import readings\nfor case in %r:\n    print(repr(readings.format(case)))\n" % (WRITER_CASES,)
    code += "for bad in ([('t', float('nan'), '')], [('t', 1, 'a b')]):\n"
    code += "    try:\n        readings.format(bad)\n    except ValueError as exc:\n        print('refused')\n"
    lines = micropython(code).check().stdout.splitlines()
    expected = [writer.format(case) for case in WRITER_CASES]
    assert [ast.literal_eval(line) for line in lines[:3]] == expected
    assert lines[3:] == ["refused", "refused"]
    assert parse(expected[1])[2].text == "0" and parse(expected[2])[1].text == "0"
