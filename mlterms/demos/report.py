"""The structured result of a demo: sections of tables, tensors, plots and notes, plus checks.

Demos build a Report and never print; mlterms.render.report draws it as Rich, plain text or JSON.
Nothing here imports torch: tensors are recognised by duck typing (`.tolist()`, `.shape`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def to_list(x: Any) -> Any:
    """A tensor or array as nested Python lists; a plain number or list unchanged."""
    if hasattr(x, "detach"):
        x = x.detach()
    return x.tolist() if hasattr(x, "tolist") else x


def shape_of(x: Any) -> list[int]:
    """The shape of a tensor, an array or a nested list, as a list of ints."""
    if hasattr(x, "shape"):
        return [int(n) for n in x.shape]
    shape: list[int] = []
    while isinstance(x, (list, tuple)):
        shape.append(len(x))
        x = x[0] if x else None
    return shape


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]]
    title: str = ""
    kind: str = "table"


@dataclass
class Tensor:
    name: str
    values: Any  # nested lists
    shape: list[int]
    kind: str = "tensor"


@dataclass
class Scalar:
    name: str
    value: float | int | str
    kind: str = "scalar"


@dataclass
class Note:
    text: str
    kind: str = "note"


@dataclass
class Plot:
    """One or more curves y(x) sharing an x axis, e.g. a loss curve or an activation."""

    title: str
    x: list[float]
    series: dict[str, list[float]]
    kind: str = "plot"


@dataclass
class Heatmap:
    """A 2-D grid of numbers drawn as shaded cells, e.g. attention weights."""

    title: str
    values: list[list[float]]
    row_labels: list[str]
    col_labels: list[str]
    kind: str = "heatmap"


Item = Table | Tensor | Scalar | Note | Plot | Heatmap


@dataclass
class Check:
    name: str
    passed: bool
    detail: str = ""


@dataclass
class Section:
    title: str
    items: list[Item] = field(default_factory=list)

    def note(self, text: str) -> Section:
        self.items.append(Note(text))
        return self

    def tensor(self, name: str, x: Any) -> Section:
        self.items.append(Tensor(name, to_list(x), shape_of(x)))
        return self

    def scalar(self, name: str, value: Any) -> Section:
        value = value.item() if hasattr(value, "item") else value
        self.items.append(Scalar(name, value))
        return self

    def table(self, columns: list[str], rows: list[list[Any]], title: str = "") -> Section:
        rows = [[to_list(cell) for cell in row] for row in rows]
        self.items.append(Table(list(columns), rows, title))
        return self

    def plot(self, title: str, x: Any, **series: Any) -> Section:
        curves = {name: [float(v) for v in to_list(y)] for name, y in series.items()}
        self.items.append(Plot(title, [float(v) for v in to_list(x)], curves))
        return self

    def heatmap(self, title: str, values: Any, rows: list[str], cols: list[str]) -> Section:
        self.items.append(Heatmap(title, to_list(values), list(rows), list(cols)))
        return self


@dataclass
class Report:
    term: str
    summary: str = ""  # one line tying the demo to the glossary definition
    sections: list[Section] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def section(self, title: str) -> Section:
        self.sections.append(Section(title))
        return self.sections[-1]

    def check(self, name: str, passed: bool, detail: str = "") -> bool:
        self.checks.append(Check(name, bool(passed), detail))
        return bool(passed)

    def check_close(self, name: str, got: Any, want: Any, atol: float = 1e-5) -> bool:
        """Record that two tensors (or arrays, or numbers) agree within atol, with max|diff|."""
        got, want = (x.detach() if hasattr(x, "detach") else x for x in (got, want))
        diff = abs(got - want)
        if not hasattr(diff, "max"):
            worst = float(diff)
        else:  # an empty tensor has no max: nothing differs
            size = diff.numel() if hasattr(diff, "numel") else diff.size
            worst = float(diff.max()) if size else 0.0
        same_shape = shape_of(got) == shape_of(want)
        detail = f"max|diff| {worst:.1e}" + ("" if same_shape else " (shapes differ)")
        return self.check(name, same_shape and worst <= atol, detail)

    def check_equal(self, name: str, got: Any, want: Any) -> bool:
        """Record that two plain values (ints, shapes, strings) are equal."""
        return self.check(
            name, got == want, f"{got!r} == {want!r}" if got == want else f"{got!r} != {want!r}"
        )
