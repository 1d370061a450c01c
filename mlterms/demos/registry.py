"""The demo registry: one decorator per demo, names known without importing torch.

Demo modules import torch inside their functions, so importing them (to learn the names)
costs almost nothing; torch loads only when a demo runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlterms.demos.report import Report

DemoFn = Callable[["Report"], None]


@dataclass(frozen=True)
class Demo:
    name: str  # the glossary term it belongs to
    fn: DemoFn
    summary: str  # one line tying the demo to the glossary definition


_DEMOS: dict[str, Demo] = {}


def demo(*names: str, summary: str) -> Callable[[DemoFn], DemoFn]:
    """Register fn as the demo of each glossary term in names."""

    def register(fn: DemoFn) -> DemoFn:
        for name in names:
            if name in _DEMOS:
                raise ValueError(f"demo {name!r} registered twice")
            _DEMOS[name] = Demo(name, fn, summary)
        return fn

    return register


def names() -> list[str]:
    """Every demo name, without importing any demo module."""
    from mlterms.demos import CATALOG

    return sorted({*CATALOG, *_DEMOS})


def has_demo(name: str) -> bool:
    from mlterms.demos import CATALOG

    return name in CATALOG or name in _DEMOS


def summary(name: str) -> str:
    """The one line that ties a demo to its glossary definition."""
    return _load(name).summary


def run(name: str, seed: int = 0) -> Report:
    """Run one demo under a fixed seed and return its report."""
    from mlterms.demos.report import Report

    entry = _load(name)
    _seed_everything(seed)
    report = Report(term=name, summary=entry.summary)
    entry.fn(report)
    return report


def registered() -> dict[str, str]:
    """Each demo the theme modules register, with the theme that holds it (imports them all)."""
    from mlterms.demos import THEMES

    for theme in THEMES:
        import_module(f"mlterms.demos.{theme}")
    return {name: d.fn.__module__.rsplit(".", 1)[-1] for name, d in _DEMOS.items()}


def _load(name: str) -> Demo:
    """The registered demo, importing its theme module first if need be."""
    from mlterms.demos import CATALOG

    if name not in _DEMOS and name in CATALOG:
        import_module(f"mlterms.demos.{CATALOG[name]}")
    return _DEMOS[name]


def _seed_everything(seed: int) -> None:
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    # Demo tensors are tiny: a thread pool only adds contention (10-40 ms per op on a busy
    # 2-core machine), and one thread keeps results bit-for-bit repeatable.
    torch.set_num_threads(1)
