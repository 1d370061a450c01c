"""The demo registry: one file per demo, its name known from the file name alone.

A demo lives in `mlterms/demos/<theme>/<name>.py` (`one__shot_learning.py` is the demo of
"one-shot learning": `_` is a space and `__` a hyphen; names match terms by `names.key`), and
registers its function with `@demo`.
Listing the theme folders gives every name without importing anything; running a demo imports
its one file, and the file imports torch inside the function, so torch loads only when it runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlterms.demos.catalog import HERE, REGISTERED, catalog, name_of_stem
from mlterms.names import key

if TYPE_CHECKING:
    from mlterms.demos.report import Report

DemoFn = Callable[..., None]  # (report, **knob values) -> None
# An exercise's id is the string literal that opens its `r.exercise(...)` call, so that the quiz
# knows every exercise card from the files alone (tests/demos/test_all.py holds every demo to it).
EXERCISE_ID = re.compile(r'\.exercise\(\s*"([a-z0-9-]+)"')


class ParamError(ValueError):
    """A knob value that is unknown, mistyped or out of range; the message names the valid range."""


@dataclass(frozen=True)
class Param:
    """A knob: a number the learner can change (`--set name=value`), and its valid range.

    Reference and property checks hold at every valid value; effect checks are asserted at the
    default (or where the demo says), so a learner may turn an effect off and watch it vanish.
    """

    name: str
    type: str  # "int", "float" or "choice"
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()

    def parse(self, text: str) -> Any:
        """The value of `--set name=text`, or ParamError naming the valid range."""
        try:
            value: Any = {"int": int, "float": float}.get(self.type, str)(text)
        except ValueError:
            raise ParamError(f"{self.name} must be {self.describe()}, not {text!r}") from None
        if self.type == "choice" and value not in self.choices:
            raise ParamError(f"{self.name} must be {self.describe()}, not {text!r}")
        if self.type == "float" and value != value:  # NaN
            raise ParamError(f"{self.name} must be {self.describe()}, not {text!r}")
        too_low = self.min is not None and value < self.min
        if too_low or (self.max is not None and value > self.max):
            raise ParamError(f"{self.name} must be {self.describe()}, not {text}")
        return value

    def describe(self) -> str:
        """'an integer from 1 to 64', 'a number from 0 to 0.9', 'one of: mean, sum'."""
        if self.type == "choice":
            return "one of: " + ", ".join(self.choices)
        what = "an integer" if self.type == "int" else "a number"
        return f"{what} from {self.min:g} to {self.max:g}"


@dataclass(frozen=True)
class Demo:
    name: str  # the glossary term it belongs to
    fn: DemoFn
    summary: str  # one line tying the demo to the glossary definition
    params: tuple[Param, ...] = field(default=())

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}


_DEMOS: dict[str, Demo] = REGISTERED  # one dict: catalog.names() sees registered demos too


def demo(*, summary: str, params: list[Param] | tuple[Param, ...] = ()) -> Callable[[DemoFn], DemoFn]:
    """Register fn as the demo of the term its file is named after.

    Knobs are keyword arguments of fn, declared in `params` with their defaults and ranges."""

    def decorate(fn: DemoFn) -> DemoFn:
        register(name_of_module(fn.__module__), fn, summary, tuple(params))
        return fn

    return decorate


def register(name: str, fn: DemoFn, summary: str, params: tuple[Param, ...] = ()) -> None:
    """Register a demo under an explicit name (the decorator derives it from the file)."""
    import inspect

    declared = [p.name for p in params]
    wanted = [n for n, p in inspect.signature(fn).parameters.items() if p.kind is p.KEYWORD_ONLY]
    if sorted(declared) != sorted(wanted):
        raise ValueError(f"demo {name!r}: params {declared} must match keyword-only arguments {wanted}")
    for p in params:
        p.parse(str(p.default))  # a default outside its own range is a bug in the demo
    if key(name) in {key(n) for n in _DEMOS}:
        raise ValueError(f"demo {name!r} registered twice")
    _DEMOS[name] = Demo(name, fn, summary, params)


def name_of_module(module: str) -> str:
    """'mlterms.demos.basics.one__shot_learning' -> 'one-shot learning' (catalog.name_of_stem)."""
    return name_of_stem(module.rsplit(".", 1)[-1])


def exercise_ids() -> dict[str, list[str]]:
    """Every demo name to the ids of its exercises (in the file's order, not always the run's), read
    from the demo files without importing them: a few ms for every demo, where running takes seconds."""
    found: dict[str, list[str]] = {}
    for name, module in catalog().items():
        path = Path(HERE).joinpath(*module.split(".")[2:]).with_suffix(".py")
        found[name] = EXERCISE_ID.findall(path.read_text(encoding="utf-8"))
    return found


def names() -> list[str]:
    """Every demo name, sorted, without importing any demo module."""
    return sorted({*catalog(), *_DEMOS})


def get(name: str) -> Demo:
    """The registered demo, importing its file first if need be."""
    if name not in _DEMOS:
        modules = catalog()
        if name in modules:
            import_module(modules[name])
    return _DEMOS[name]


def summary(name: str) -> str:
    """The one line that ties a demo to its glossary definition."""
    return get(name).summary


def params(name: str) -> tuple[Param, ...]:
    """The knobs a demo declares (none for most)."""
    return get(name).params


def run(name: str, seed: int = 0, values: dict[str, Any] | None = None) -> Report:
    """Run one demo under a fixed seed, with knob values (parsed already) over the defaults."""
    from mlterms.demos.report import Report

    entry = get(name)
    chosen = {**entry.defaults(), **(values or {})}
    unknown = sorted(set(chosen) - set(entry.defaults()))
    if unknown:
        raise ParamError(f"demo {name!r} has no knob {unknown[0]!r}")
    _seed_everything(seed)
    report = Report(term=name, summary=entry.summary, seed=seed, params=chosen)
    report.at_defaults = chosen == entry.defaults()
    entry.fn(report, **chosen)
    return report


def _seed_everything(seed: int) -> None:
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    # Demo tensors are tiny: a thread pool only adds contention on a busy 2-core machine, and
    # one thread keeps results bit-for-bit repeatable.
    torch.set_num_threads(1)
