"""The C2SP formats as written and read: tlog-tiles index paths, signed
notes with other signers' lines, verifier keys."""
import pytest

from host_tools.protocol import signing, tlog


@pytest.mark.parametrize("level,n,width,path", [
    (0, 0, 256, "tile/0/000"),
    (0, 1234067, 256, "tile/0/x001/x234/067"),
    (1, 1000, 256, "tile/1/x001/000"),
    ("entries", 5, 7, "tile/entries/005.p/7"),
    (3, 1234067, 255, "tile/3/x001/x234/067.p/255"),
])
def test_tile_paths_use_the_c2sp_index_encoding(level, n, width, path):
    assert tlog.tile_path(level, n, width) == path
    assert tlog.parse_tile_path(path[len("tile/"):]) == (level, n, width)


@pytest.mark.parametrize("rest", [
    "0/x000/001", "0/1", "0/0001", "0/x1/000", "0/001/002", "00/000", "-1/000", "0/000.p/",
    "0/000.p/256", "0/000.p/0", "0/000.p/01", "entry/000", "0/000.q/5", "0/",
])
def test_malformed_tile_paths_are_refused(rest):
    assert tlog.parse_tile_path(rest) is None


def test_a_note_is_opened_by_its_key_among_other_signers():
    seed, other = b"\x01" * 32, b"\x02" * 32
    text = tlog.checkpoint_text("example.org/log", 5, b"\x00" * 32)
    note = tlog.sign_note(text, "example.org/log", seed)
    cosigned = tlog.sign_note(text, "witness.example", other, note.split("\n\n", 1)[1].splitlines(True))
    for each in (note, cosigned):
        assert tlog.open_note(each, "example.org/log", signing.public_key(seed)) == text
    assert tlog.open_note(cosigned, "witness.example", signing.public_key(other)) == text
    with pytest.raises(tlog.LogError):
        tlog.open_note(note, "witness.example", signing.public_key(other))
    with pytest.raises(tlog.LogError):
        tlog.open_note(note.replace("\n5\n", "\n6\n"), "example.org/log", signing.public_key(seed))


def test_verifier_keys_round_trip_and_check_their_key_id():
    public = signing.public_key(b"\x03" * 32)
    vkey = tlog.verifier_key("example.org/log", public)
    assert tlog.parse_verifier_key(vkey) == ("example.org/log", public)
    name, kid, key = vkey.split("+", 2)
    with pytest.raises(tlog.LogError):
        tlog.parse_verifier_key("%s+%s+%s" % (name, "00000000", key))
