"""The layering of docs/ARCHITECTURE.md, read from the source (AST): every
import, at the top of a module or inside a function, goes to the module's
own layer or to one below it, and no module reaches itself again through
its imports. Importing an enclosing package (`import nes` for nes.unload)
does not count: Python has loaded every ancestor before the module."""
import ast

import pytest

from tests.fixtures.paths import ROOT

# (top-level package, folder holding it, [(layer, rank)]): a module belongs to
# the first layer whose name is a prefix of its dotted name.
TREES = {
    "firmware": ("nes", ROOT / "firmware", [
        ("nes.crypto", 0),
        ("nes.proto", 1),
        ("nes", 2),
    ]),
    "host_tools": ("host_tools", ROOT, [
        ("host_tools.protocol", 0),
        ("host_tools.board", 2),
        ("host_tools.dev", 2),
        ("host_tools.commands", 3),
        ("host_tools.cli", 4),
        ("host_tools", 1),
    ]),
    "keyserver": ("keyserver", ROOT, [("keyserver", 0)]),
}


def modules(package, folder):
    """{dotted name: path} of every module in the package."""
    found = {}
    for path in sorted((folder / package).rglob("*.py")):
        parts = list(path.relative_to(folder).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name, source, known, is_package=False):
    """The modules of `known` that module `name` (its source text) imports,
    ancestors left out."""
    here = name.split(".") if is_package else name.split(".")[:-1]
    targets = set()
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = here[:len(here) - node.level + 1] if node.level else []
            module = ".".join(base + (node.module.split(".") if node.module else []))
            candidates = [module + "." + alias.name for alias in node.names] + [module]
        else:
            continue
        for candidate in candidates:
            while candidate and candidate not in known:
                candidate = candidate.rpartition(".")[0]
            if candidate and not (name + ".").startswith(candidate + "."):
                targets.add(candidate)
    return targets


def graph(tree):
    package, folder, _ = TREES[tree]
    known = modules(package, folder)
    return {name: imports(name, path.read_text(), known, path.name == "__init__.py")
            for name, path in known.items()}


def layer(tree, name):
    for prefix, rank in TREES[tree][2]:
        if name == prefix or name.startswith(prefix + "."):
            return prefix, rank
    raise AssertionError("%s is in no layer of %s" % (name, tree))


def cycles(edges):
    """The import circles: strongly connected groups of more than one module."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("tree", sorted(TREES))
def test_no_import_circles(tree):
    assert cycles(graph(tree)) == []


@pytest.mark.parametrize("tree", ["firmware", "host_tools"])
def test_imports_go_to_the_same_layer_or_below(tree):
    wrong = []
    for name, targets in sorted(graph(tree).items()):
        own, rank = layer(tree, name)
        for target in sorted(targets):
            other, other_rank = layer(tree, target)
            if other != own and other_rank >= rank:
                wrong.append("%s (%s) imports %s (%s)" % (name, own, target, other))
    assert wrong == []


def test_the_checker_sees_circles_and_upward_imports():
    """The checks above on a made-up package with a circle through a lazy
    import and a primitive importing the application."""
    known = {"nes", "nes.app", "nes.startup", "nes.crypto", "nes.crypto.field"}
    edges = {
        "nes.app": imports("nes.app", "import nes\ndef f():\n    from . import startup\n", known),
        "nes.startup": imports("nes.startup", "from .app import App\n", known),
        "nes.crypto.field": imports("nes.crypto.field", "from ..app import App\n", known),
    }
    assert edges["nes.app"] == {"nes.startup"}  # `import nes` (an ancestor) left out
    assert edges["nes.crypto.field"] == {"nes.app"}
    assert cycles(edges) == [["nes.app", "nes.startup"]]
    assert layer("firmware", "nes.crypto.field")[1] < layer("firmware", "nes.app")[1]
