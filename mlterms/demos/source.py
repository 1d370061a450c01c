"""The code that computed a demo: its function, the helpers of its file it calls, and the by-hand
helpers of `mlterms/demos/hand/` it calls, each with its file and first line.

Calls are found by name: the global names a function's code uses (in nested functions too) that
resolve to a function of the demo's own module or of a `hand` module, followed transitively.
A name used through a module (`losses.l1_loss` after `from mlterms.demos.hand import losses`)
counts too. Nothing is executed; no torch is imported unless the demo's module does at import.
"""

from __future__ import annotations

import inspect
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from mlterms.demos import registry

HAND = "mlterms.demos.hand."
ROOT = Path(__file__).resolve().parent.parent.parent  # the folder that holds the mlterms package


@dataclass(frozen=True)
class Piece:
    """One function's source, where it lives."""

    path: str  # relative to the project, e.g. 'mlterms/demos/hand/losses.py'
    line: int  # first line (its decorator, if any)
    code: str


def pieces(name: str) -> list[Piece]:
    """The demo function first, then the helpers of its file, then the by-hand helpers, in file order."""
    fn = cast(types.FunctionType, registry.get(name).fn)
    found = called(fn)
    own = sorted((f for f in found if f.__module__ == fn.__module__ and f is not fn), key=first_line)
    hand = sorted(
        (f for f in found if f.__module__.startswith(HAND)), key=lambda f: (f.__module__, first_line(f))
    )
    return [piece(f) for f in [fn, *own, *hand]]


def called(fn: types.FunctionType) -> list[types.FunctionType]:
    """fn and every function of its module or of a hand module that it reaches by name."""
    home = fn.__module__
    seen: dict[int, types.FunctionType] = {}
    todo = [fn]
    while todo:
        f = todo.pop()
        if id(f) in seen:
            continue
        seen[id(f)] = f
        todo += [g for g in referenced(f) if g.__module__ == home or g.__module__.startswith(HAND)]
    return list(seen.values())


def referenced(fn: types.FunctionType) -> list[types.FunctionType]:
    """The plain functions named by fn's code: globals, and attributes of the hand modules it uses."""
    names = code_names(fn.__code__)
    found = []
    for n in names:
        value = fn.__globals__.get(n)
        if isinstance(value, types.ModuleType) and value.__name__.startswith(HAND):
            found += [getattr(value, a) for a in names if inspect.isfunction(getattr(value, a, None))]
        elif inspect.isfunction(value):
            found.append(value)
    return found


def code_names(code: types.CodeType) -> set[str]:
    """Every global or attribute name used in code, nested functions and comprehensions included."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= code_names(const)
    return names


def first_line(fn: types.FunctionType) -> int:
    return inspect.getsourcelines(fn)[1]


def piece(fn: types.FunctionType) -> Piece:
    lines, start = inspect.getsourcelines(fn)
    file = Path(inspect.getsourcefile(fn) or sys.modules[fn.__module__].__file__ or "")
    try:
        path = file.resolve().relative_to(ROOT).as_posix()
    except ValueError:  # a demo defined outside the package (a test's fake demo)
        path = file.name
    return Piece(path, start, "".join(lines))
