"""tools/shortnames.py: which module-private names the board build renames
(docs/FIRMWARE.md, Memory), and that renaming changes nothing else."""
import sys

from tests.fixtures.paths import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import shortnames  # noqa: E402

MODULE = '''"""_doc mentions _kept_in_doc."""
_LIMIT = const(4)
_pending = []


class _Queue:
    def _push(self, item):  # _push: a comment may name it
        _pending.append(item)
        return getattr(self, "_by_string", None), "%s" % "_in_text", self.__class__


def _kept_in_doc():
    return _Queue()._push(_LIMIT), __name__
'''


def _project(tmp_path, extra=None):
    (tmp_path / "firmware").mkdir(exist_ok=True)
    (tmp_path / "firmware" / "mod.py").write_text(MODULE)
    for rel, text in (extra or {}).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    shortnames._words_by_file.cache_clear()
    return shortnames.plan([tmp_path / "firmware" / "mod.py"], tmp_path)[tmp_path / "firmware" / "mod.py"]


def test_private_names_of_one_file_are_numbered_in_order_of_first_use(tmp_path):
    # _kept_in_doc stays: a string of its own file (the docstring) names it
    assert _project(tmp_path) == {"_LIMIT": "_0", "_pending": "_1", "_Queue": "_2", "_push": "_3"}


def test_names_another_board_file_a_string_sent_to_a_board_or_a_document_holds_stay(tmp_path):
    mapping = _project(tmp_path, {
        "boards/unix/board.py": "_pending = None\n",  # another file on the board
        "tests/test_x.py": 'board.exec("import mod; mod._Queue()")\n_push = 1\n',  # a string; a host-side name
        "docs/X.md": "`_LIMIT` is four.\n",
    })
    assert set(mapping) == {"_push"}


def test_a_name_its_own_file_uses_in_a_string_stays(tmp_path):
    mapping = _project(tmp_path)
    assert "_by_string" not in mapping and "_in_text" not in mapping
    assert shortnames.private_names("x = getattr(o, '_a')\n_a = 1\n_b = 2\n") == ["_b"]


def test_renaming_changes_only_the_name_tokens():
    out = shortnames.rename(MODULE, {"_pending": "_1", "_push": "_3"})
    assert out.splitlines()[6] == "    def _3(self, item):  # _push: a comment may name it"
    assert "_1.append(item)" in out and '"_by_string"' in out and "_Queue()._3(_LIMIT)" in out
    assert len(out.splitlines()) == len(MODULE.splitlines())


def test_the_renamed_module_runs_the_same(micropython):
    """Under MicroPython, the module and its renamed copy answer the same."""
    script = MODULE + "print(_kept_in_doc()[0][:2], len(_pending))\n"
    renamed = shortnames.rename(script, {n: "_%d" % i for i, n in enumerate(shortnames.private_names(script))})
    assert "_pending" not in renamed
    assert micropython(renamed).check().stdout == micropython(script).check().stdout == "(None, '_in_text') 1\n"
