"""Every file in tests/vectors/ through the host implementation (docs/PROTOCOL.md §12),
and the files are exactly what tests/vectors/generate.py writes."""
import json
import subprocess
import sys

import pytest

from host_tools.protocol import directory, envelope, errors, vectorfile
from host_tools.protocol.replay import ReplayCache
from tests.fixtures.paths import ROOT, VECTORS

FILES = sorted(VECTORS.glob("*.vec"))
MIN_VECTORS = 30


def load(path):
    return vectorfile.parse(path.read_text(encoding="utf-8"))


def open_once(v, replay):
    return envelope.open_frame(v["frame"], v["receiver"], v["recipient_message_secret"],
                               v["directory"].get, v["now"], replay)


def check_message(message, v):
    assert message == envelope.Message(v["sender"], v["recipient"], v["timestamp"], v["message"])


def test_there_are_enough_vectors():
    assert len(FILES) >= MIN_VECTORS, "only %d vector files in %s" % (len(FILES), VECTORS)


def test_every_outcome_has_vectors():
    expected = {load(path)["expect"] for path in FILES}
    assert expected == {"ok"} | set(errors.ERROR_CLASSES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_vector(path):
    v = load(path)
    if "ephemeral" in v:
        sealed = envelope.seal_with(v["sender"], v["sender_sign_seed"], v["recipient"],
                                    v["recipient_message_public"], v["message"], v["timestamp"],
                                    v["ephemeral"], v["file_key"], v["iv"])
        assert sealed == v["frame"]
    replay = ReplayCache()
    for _ in range(v["opens"] - 1):
        check_message(open_once(v, replay), v)
    if v["expect"] == "ok":
        check_message(open_once(v, replay), v)
        return
    with pytest.raises(errors.ProtocolError) as failure:
        open_once(v, replay)
    assert type(failure.value).__name__ == v["expect"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_vector_file_is_written_back_unchanged(path):
    text = path.read_text(encoding="utf-8")
    assert vectorfile.dumps(vectorfile.parse(text)) == text


def test_generator_reproduces_the_committed_vectors(tmp_path):
    subprocess.run([sys.executable, str(VECTORS / "generate.py"), str(tmp_path)],
                   cwd=ROOT, check=True, capture_output=True)
    fresh = {p.name: p.read_bytes() for p in tmp_path.glob("*.vec")}
    committed = {p.name: p.read_bytes() for p in FILES}
    assert sorted(fresh) == sorted(committed)
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert not changed, "run tests/vectors/generate.py: %s differ" % changed


# -- key-server answers: tests/vectors/lookup/ (docs/PROTOCOL.md §10, §12) ---------------

LOOKUP_FILES = sorted((VECTORS / "lookup").glob("*.vec"))
LOOKUP_OUTCOMES = {"keys", "absent"} | set(errors.DIRECTORY_ERROR_CLASSES)


def read_lookup(v):
    return directory.read_answer(v["status"], json.loads(v["body"]), v["username"],
                                 v["server_sign_public"], v["now"], v["seen_serial"])


def test_every_lookup_outcome_has_vectors():
    assert {vectorfile.parse_lookup(p.read_text(encoding="utf-8"))["expect"]
            for p in LOOKUP_FILES} == LOOKUP_OUTCOMES


@pytest.mark.parametrize("path", LOOKUP_FILES, ids=lambda p: p.stem)
def test_lookup_vector(path):
    text = path.read_text(encoding="utf-8")
    v = vectorfile.parse_lookup(text)
    assert vectorfile.dumps_lookup(v) == text
    if v["expect"] in ("keys", "absent"):
        keys = (v["public_key_message"], v["public_key_sign"]) if v["expect"] == "keys" else None
        assert read_lookup(v) == directory.Answer(v["username"], keys, v["serial"],
                                                  v["issued_at"], v["expires_at"])
        return
    with pytest.raises(errors.DirectoryError) as failure:
        read_lookup(v)
    assert type(failure.value).__name__ == v["expect"]


def test_generator_reproduces_the_committed_lookup_vectors(tmp_path):
    subprocess.run([sys.executable, str(VECTORS / "generate.py"), str(tmp_path)],
                   cwd=ROOT, check=True, capture_output=True)
    fresh = {p.name: p.read_bytes() for p in (tmp_path / "lookup").glob("*.vec")}
    assert fresh == {p.name: p.read_bytes() for p in LOOKUP_FILES}
