"""The demo registry: one decorator per demo, names known without importing torch.

Demo modules import torch inside their functions, so importing them (to learn the names)
costs almost nothing; torch loads only when a demo runs.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from mlterms.demos.report import Report

DemoFn = Callable[[Report], None]


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
    _load_all()
    return sorted(_DEMOS)


def summary(name: str) -> str:
    """The one line that ties a demo to its glossary definition."""
    _load_all()
    return _DEMOS[name].summary


def has_demo(name: str) -> bool:
    _load_all()
    return name in _DEMOS


def run(name: str, seed: int = 0) -> Report:
    """Run one demo under a fixed seed and return its report."""
    _load_all()
    entry = _DEMOS[name]
    _seed_everything(seed)
    report = Report(term=name, summary=entry.summary)
    entry.fn(report)
    return report


def _seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    # Demo tensors are tiny: a thread pool only adds contention (10-40 ms per op on a busy
    # 2-core machine), and one thread keeps results bit-for-bit repeatable.
    torch.set_num_threads(1)


def _load_all() -> None:
    from mlterms.demos import THEMES  # noqa: F401  (importing the themes registers their demos)
