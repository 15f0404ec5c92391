"""The transparency vectors (tests/transparency/vectors, docs/TRANSPARENCY.md
§7): the generator reproduces the files, and the client's checks give each
file's `expect`."""
import base64
import json
import pathlib

import pytest

from host_tools.protocol import tlog
from tests.transparency.vectors import generate

FILES = sorted(pathlib.Path(generate.__file__).parent.glob("*.vec"))


def _read(path):
    fields = {}
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line and not line.startswith("#"):
            name, _, value = line.partition(": ")
            fields[name] = value
    return fields


def _b64(text):
    return base64.b64decode(text, validate=True)


def _check(v):
    if v["check"] == "entry":
        entry = json.loads(v["entry"]).encode()
        decoded = tlog.decode_entry(entry)
        assert decoded == {"kind": v["kind"], "name": v["name"], "serial": int(v["serial"]),
                           "time": int(v["time"]), "public_key_message": _b64(v["public_key_message"]),
                           "public_key_sign": _b64(v["public_key_sign"])}
        assert tlog.leaf_hash(entry) == _b64(v["leaf_hash"])
        return
    origin, public = tlog.parse_verifier_key(v["vkey"])
    if v["check"] == "checkpoint":
        opened = tlog.open_checkpoint(json.loads(v["note"]), origin, public)
        assert opened == (int(v["size"]), _b64(v["root"]))
    elif v["check"] == "inclusion":
        keys = (_b64(v["public_key_message"]), _b64(v["public_key_sign"]))
        tlog.verify_log_member(json.loads(v["log"]), v["username"], keys, public, origin)
    elif v["check"] == "consistency":
        tlog.verify_consistency(int(v["size1"]), _b64(v["root1"]), int(v["size2"]), _b64(v["root2"]),
                                tlog.decode_proof(json.loads(v["proof"])))
    else:
        raise AssertionError("unknown check %r" % v["check"])


def test_the_generator_writes_the_files_as_they_are(tmp_path):
    generate.write(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in FILES]
    for path in FILES:
        assert (tmp_path / path.name).read_text() == path.read_text(), path.name


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_each_vector_gives_its_expect(path):
    vector = _read(path)
    if vector["expect"] == "ok":
        _check(vector)
    else:
        assert vector["expect"] == "LogError"
        with pytest.raises(tlog.LogError):
            _check(vector)
