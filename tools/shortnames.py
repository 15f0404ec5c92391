"""Module-private names renamed for the board build (docs/FIRMWARE.md, Memory).

MicroPython interns every name a `.mpy` file uses when the file loads and
never gives one back; the interned names live in pools that double in size
(20, 40, ... 640 names), each one block of the heap. On a 96 KiB board the
pool after the fifth cannot be had. A name that starts with one underscore
and appears in exactly one firmware file, and nowhere else in the project
(no test, no host tool, no doc reaches it through the REPL), is private to
that file: the build renames it to `_0`, `_1`, ... in order of first use, so
the private names of all modules share one small set of interned names.

"Elsewhere" means any other file that runs on a board or under the unix
port (firmware/, boards/, bench/mp/) and any document; in the other Python
files (host tools, tests), which never see a `.mpy`, only their strings:
the code they send to a board. A name is also left alone when its own file
uses it outside a name token (a string: getattr(obj, "_x")), or when it is
a dunder.
The source is changed token by token, so lines, strings and comments stay
where they were."""
import collections
import functools
import io
import json
import keyword
import os
import pathlib
import re
import tokenize

_PRIVATE = re.compile(r"_(?!_)\w*\Z")
_WORD = re.compile(r"\b_\w+")
_SEARCHED = (".py", ".md", ".txt", ".json", ".toml", ".cfg", ".lua", ".sh", ".html", ".js")
_SKIPPED = {".git", ".venv", "build", "node_modules", "__pycache__"}
_CACHE = ".shortnames-words.json"
_ON_BOARD = (("firmware",), ("boards",), ("bench", "mp"))


def _tokens(source):
    return list(tokenize.generate_tokens(io.StringIO(source).readline))


def _text_seen_by_boards(path, rel):
    """What of a file can reach a board's names: all of it, or for host-side
    Python only its strings (code sent to a board)."""
    text = path.read_text()
    if path.suffix != ".py" or any(rel.parts[:len(top)] == top for top in _ON_BOARD):
        return text
    try:
        return " ".join(t.string for t in _tokens(text) if t.type not in (tokenize.NAME, tokenize.COMMENT))
    except (SyntaxError, tokenize.TokenError):
        return text  # not Python after all: all of it counts


def _load_cache(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


@functools.lru_cache(maxsize=4)  # one build asks once per board
def _words_by_file(root):
    """{word starting with "_": set of files (relative) under `root` holding it}.
    Each file's words are kept in build/ with its size and time of change,
    so later builds tokenize only what changed."""
    cache_path = root / "build" / _CACHE
    cached, fresh = _load_cache(cache_path), {}
    where = {}
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if d not in _SKIPPED]
        for name in files:
            path = pathlib.Path(folder, name)
            if path.suffix not in _SEARCHED:
                continue
            rel = path.relative_to(root)
            stat = path.stat()
            stamp = [stat.st_size, stat.st_mtime_ns]
            entry = cached.get(str(rel))
            if entry is None or entry[0] != stamp:
                try:
                    words = sorted(set(_WORD.findall(_text_seen_by_boards(path, rel))))
                except UnicodeDecodeError:
                    words = []
                entry = [stamp, words]
            fresh[str(rel)] = entry
            for word in entry[1]:
                where.setdefault(word, set()).add(rel)
    if fresh != cached and cache_path.parent.is_dir():
        tmp = cache_path.with_name("%s.%d" % (_CACHE, os.getpid()))
        with open(tmp, "w") as f:
            json.dump(fresh, f)
        os.replace(tmp, cache_path)  # whole or not at all, whoever else builds meanwhile
    return where


def private_names(source):
    """The names of `source` that may be renamed as far as the file itself
    says: single-underscore names used only as name tokens."""
    tokens = _tokens(source)
    named = collections.Counter(t.string for t in tokens if t.type == tokenize.NAME
                                and _PRIVATE.match(t.string) and not keyword.iskeyword(t.string))
    # Comments may name it too: uses that need no renaming.
    comments = "".join(t.string for t in tokens if t.type == tokenize.COMMENT)
    words = collections.Counter(_WORD.findall(source)) - collections.Counter(_WORD.findall(comments))
    return [name for name in named if words[name] == named[name]]


def plan(files, root):
    """{file: {old name: new name}} for the firmware `files` (paths under
    `root`), each file's private names numbered in order of first use."""
    where = _words_by_file(root)
    plans = {}
    for path in files:
        rel = pathlib.Path(path).resolve().relative_to(root)
        mapping = {}
        for name in private_names(pathlib.Path(path).read_text()):
            if where.get(name) == {rel}:
                mapping[name] = "_%d" % len(mapping)
        plans[path] = mapping
    return plans


def rename(source, mapping):
    """`source` with its name tokens renamed by `mapping`."""
    lines = source.splitlines(keepends=True)
    for tok in reversed(_tokens(source)):
        if tok.type == tokenize.NAME and tok.string in mapping:
            (row, start), (_, end) = tok.start, tok.end
            line = lines[row - 1]
            lines[row - 1] = line[:start] + mapping[tok.string] + line[end:]
    return "".join(lines)
