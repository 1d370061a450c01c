"""Helpers for the demo tests: run a demo once per (name, seed, knobs), and find its items."""

from __future__ import annotations

import functools
import json

from mlterms.demos import registry
from mlterms.demos.report import Report, Scalar, Table, Tensor


@functools.cache
def _run(name: str, seed: int, values: str) -> Report:
    return registry.run(name, seed, json.loads(values))


def run(name: str, seed: int = 0, **values) -> Report:
    """registry.run, shared between tests (reports are only read)."""
    return _run(name, seed, json.dumps(values, sort_keys=True))


def failures(report: Report) -> list[str]:
    return [f"{c.name}: {c.detail}" for c in report.checks if c.passed is False]


def items(report: Report, cls: type) -> list:
    return [it for s in report.sections for it in s.items if isinstance(it, cls)]


def tensor(report: Report, name: str) -> Tensor:
    found = [t for t in items(report, Tensor) if t.name == name]
    assert len(found) == 1, f"no single tensor {name!r}"
    return found[0]


def scalar(report: Report, name: str) -> float | int | str:
    found = [s for s in items(report, Scalar) if s.name == name]
    assert len(found) == 1, f"no single scalar {name!r}"
    return found[0].value


def table(report: Report, column: str) -> Table:
    """The first table with the given column."""
    found = [t for t in items(report, Table) if column in t.columns]
    assert found, f"no table with column {column!r}"
    return found[0]


def column(t: Table, name: str) -> list:
    j = t.columns.index(name)
    return [row[j] for row in t.rows]


def row(t: Table, first: str) -> list:
    """The row whose first cell is `first`."""
    found = [r for r in t.rows if r[0] == first]
    assert len(found) == 1, f"no single row {first!r}"
    return found[0]


def exercise(report: Report, id: str):
    found = [e for e in report.exercises if e.id == id]
    assert len(found) == 1, f"no single exercise {id!r}"
    return found[0]
