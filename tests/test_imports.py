"""The modules of mlterms import each other without a cycle.

Every import counts: at the top of a module, inside a function, and `import_module("mlterms...")`
calls (a literal name, or an f-string whose literal start names the modules it may load). Imports
under `if TYPE_CHECKING:` don't count: they never run. Importing `a.b.c` counts as an edge to
`a.b.c` only, not to its parent packages (Python runs those first, but a parent importing its
submodules is how packages work).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def modules(root: Path, package: str) -> dict[str, Path]:
    """Module name -> file, for every .py file of the package below root."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def nodes_that_run(tree: ast.AST):
    """Every node of the tree except what is under `if TYPE_CHECKING:` (its else branch runs)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and is_type_checking(node.test):
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))


def literal_start(arg: ast.expr) -> tuple[str, bool] | None:
    """(the name, True) of a str literal; (its literal start, False) of an f-string; else None."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value, True
    if isinstance(arg, ast.JoinedStr):
        start = ""
        for part in arg.values:
            if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
                break
            start += part.value
        return start, False
    return None


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of `known` that module `name` (in file `path`) imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def module_of(dotted: str) -> set[str]:  # the longest known prefix: 'a.b.func' -> 'a.b'
        while dotted and dotted not in known:
            dotted = dotted.rpartition(".")[0]
        return {dotted} if dotted else set()

    found: set[str] = set()
    for node in nodes_that_run(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found |= module_of(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found |= {submodule} if submodule in known else module_of(base)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            start = literal_start(node.args[0]) if called in ("import_module", "__import__") else None
            if start is not None and start[1]:
                found |= module_of(start[0])
            elif start is not None and start[0]:
                found |= {m for m in known if m.startswith(start[0])}
    found.discard(name)
    return found


def graph(root: Path, package: str) -> dict[str, set[str]]:
    known = modules(root, package)
    return {name: imported(name, path, known) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (a -> ... -> a) through each group of modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def connect(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return [path_around(group, edges) for group in groups]


def path_around(group: list[str], edges: dict[str, set[str]]) -> list[str]:
    """The shortest cycle from the group's first module back to it, inside the group."""
    start, inside = group[0], set(group)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(edges[node] & inside):
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if nxt not in came_from:
                    came_from[nxt] = node
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"no cycle in {group}")


def shown(found: list[list[str]]) -> str:
    return "; ".join(" -> ".join(cycle) for cycle in found)


# ----------------------------------------------------------------------------- the walker itself


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_walker_sees_every_kind_of_import(tmp_path):
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg.b import thing\n",
            "pkg/b.py": "def f():\n    from . import c\n",
            "pkg/c.py": "import importlib\nimportlib.import_module('pkg.sub.d')\n",
            "pkg/sub/__init__.py": "from .. import a\n",
            "pkg/sub/d.py": "from importlib import import_module\nimport_module(f'pkg.sub.{x}')\n",
            "pkg/sub/e.py": "import pkg.c\n",
        },
    )
    assert graph(tmp_path, "pkg") == {
        "pkg": set(),
        "pkg.a": {"pkg.b"},
        "pkg.b": {"pkg.c"},
        "pkg.c": {"pkg.sub.d"},
        "pkg.sub": {"pkg.a"},
        "pkg.sub.d": {"pkg.sub.e"},  # an f-string: every module its start names (not pkg.sub)
        "pkg.sub.e": {"pkg.c"},
    }
    assert shown(cycles(graph(tmp_path, "pkg"))) == "pkg.c -> pkg.sub.d -> pkg.sub.e -> pkg.c"


def test_walker_skips_type_checking_imports_but_not_their_else(tmp_path):
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "import pkg.b\n",
            "pkg/b.py": "import typing\nif typing.TYPE_CHECKING:\n    import pkg.a\n",
            "pkg/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    pass\nelse:\n    import pkg.a\n",
        },
    )
    edges = graph(tmp_path, "pkg")
    assert edges["pkg.b"] == set() and edges["pkg.c"] == {"pkg.a"}
    assert cycles(edges) == []


def test_cycles_are_found_and_shown_shortest():
    edges = {"a": {"b"}, "b": {"c", "a"}, "c": {"a"}, "d": {"d2"}, "d2": {"d"}, "e": set()}
    assert shown(cycles(edges)) == "a -> b -> a; d -> d2 -> d"


# ----------------------------------------------------------------------------- mlterms


def test_mlterms_has_no_import_cycle():
    edges = graph(ROOT, "mlterms")
    assert "mlterms.search.query" in edges["mlterms.search"]  # the walk found the modules
    found = cycles(edges)
    assert not found, f"import cycles: {shown(found)}"


@pytest.mark.parametrize("module", ["mlterms.search.snippet", "mlterms.search.index", "mlterms.search.query"])
def test_search_modules_never_import_their_package(module):
    """A submodule importing mlterms.search would run the package's __init__ half done."""
    assert "mlterms.search" not in graph(ROOT, "mlterms")[module]
