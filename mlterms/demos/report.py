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
    points: bool = False  # a scatter plot: marks at the points, no lines between them


@dataclass
class Heatmap:
    """A 2-D grid of numbers drawn as shaded cells, e.g. attention weights."""

    title: str
    values: list[list[float]]
    row_labels: list[str]
    col_labels: list[str]
    kind: str = "heatmap"


Item = Table | Tensor | Scalar | Note | Plot | Heatmap


KINDS = ("reference", "property", "effect")
NOT_ASSERTED = "not asserted at these settings"


@dataclass
class Check:
    """One piece of evidence. `kind` says which: a hand computation against an independent
    implementation (reference), an invariant the concept guarantees (property), or the concept
    doing what the glossary claims, on held-out data or against a baseline (effect).

    `passed` is None for an effect check outside the settings where it is asserted: it is shown
    as information, since turning a knob until the effect vanishes is a lesson, not a failure.
    """

    name: str
    passed: bool | None
    detail: str = ""
    kind: str = "reference"


@dataclass
class Exercise:
    """A number, or a shape or tuple of numbers, the learner predicts before seeing the report.

    `id` is a stable slug (quiz cards keep their history when exercises are reordered); `given`
    holds the inputs the question is about, so it can be answered without the report.
    """

    id: str
    question: str
    answer: float | int | list
    given: dict[str, Any] = field(default_factory=dict)
    tolerance: float = 0.0


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

    def scatter(self, title: str, **groups: Any) -> Section:
        """A scatter plot of 2-D points, one mark per group: groups name (x, y) pairs of sequences.

        Stored as a Plot on the union of the x values, each series NaN where a point is not its own."""
        pairs = {
            name: ([float(v) for v in to_list(x)], [float(v) for v in to_list(y)])
            for name, (x, y) in groups.items()
        }
        xs = [x for x_group, _ in pairs.values() for x in x_group]
        series: dict[str, list[float]] = {}
        start = 0
        for name, (x_group, y_group) in pairs.items():
            pad = [float("nan")] * len(xs)
            pad[start : start + len(y_group)] = y_group
            series[name] = pad
            start += len(x_group)
        self.items.append(Plot(title, xs, series, points=True))
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
    exercises: list[Exercise] = field(default_factory=list)
    seed: int = 0
    params: dict[str, Any] = field(default_factory=dict)  # the knob values it ran with
    at_defaults: bool = True  # every knob at its default: effect checks are asserted

    @property
    def passed(self) -> bool:
        """No check failed (an effect shown as information does not count either way)."""
        return all(c.passed is not False for c in self.checks)

    def section(self, title: str) -> Section:
        self.sections.append(Section(title))
        return self.sections[-1]

    def check(self, name: str, passed: bool, detail: str = "", *, kind: str) -> bool:
        """Record a reference or property check (for effects, see `effect`)."""
        if kind not in KINDS:
            raise ValueError(f"check kind must be one of {KINDS}, not {kind!r}")
        self.checks.append(Check(name, bool(passed), detail, kind))
        return bool(passed)

    def effect(self, name: str, passed: bool, detail: str = "", *, asserted: bool | None = None) -> bool:
        """Record an effect check. It is asserted at the default knob values, or where the demo
        says (`asserted=`: e.g. `p >= 0.2`); elsewhere it is information, with passed None."""
        if asserted is None:
            asserted = self.at_defaults
        if asserted:
            self.checks.append(Check(name, bool(passed), detail, "effect"))
        else:
            shown = f"{detail}; {NOT_ASSERTED}" if detail else NOT_ASSERTED
            self.checks.append(Check(name, None, shown, "effect"))
        return bool(passed)

    def exercise(
        self,
        id: str,
        question: str,
        answer: Any,
        *,
        given: dict[str, Any] | None = None,
        tolerance: float = 0.0,
    ) -> None:
        """Declare an exercise: `answer` is computed by the demo, under the current seed and knobs."""
        if hasattr(answer, "item") and getattr(answer, "ndim", 1) == 0:
            answer = answer.item()
        answer = list(answer) if isinstance(answer, tuple) else to_list(answer)
        cleaned = {k: to_list(v) for k, v in (given or {}).items()}
        self.exercises.append(Exercise(id, question, answer, cleaned, tolerance))

    def check_close(
        self, name: str, got: Any, want: Any, atol: float = 1e-5, *, kind: str = "reference"
    ) -> bool:
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
        return self.check(name, same_shape and worst <= atol, detail, kind=kind)

    def check_equal(self, name: str, got: Any, want: Any, *, kind: str) -> bool:
        """Record that two plain values (ints, shapes, strings) are equal."""
        detail = f"{got!r} == {want!r}" if got == want else f"{got!r} != {want!r}"
        return self.check(name, got == want, detail, kind=kind)
