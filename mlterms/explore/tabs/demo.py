"""The Demo tab: the term's demo run in a worker thread, its knobs as inputs, its report drawn by
the same Rich renderers as `mlterms demo` (render.report_rich).

torch is imported by the demo's run (registry.run), in the worker thread only: the UI thread
reads the demo's knobs, which needs the demo's file but not torch. One demo runs at a time: a
second `d` while one runs is refused, and the result of a run started for a term that is no
longer open is dropped.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from rich.console import Group
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, LoadingIndicator, Static

from mlterms.demos.registry import Param, ParamError
from mlterms.demos.report import Report
from mlterms.explore.widgets import Field, background, deliver
from mlterms.render import READING_WIDTH, text

SEED_RANGE = (0, 2**32 - 1)
SEED_NOTE = "an integer from 0 to 2^32-1"
GUTTER = 3  # the report's scrollbar and a space


class KnobRow(Horizontal):
    """One knob: its name, an input holding its value, and its range (or the error of a bad value)."""

    def __init__(self, name: str, value: str, note: str, field_id: str, tip: str = "") -> None:
        super().__init__(classes="knob")
        self.knob, self.value, self.note, self.field_id, self.tip = name, value, note, field_id, tip

    def compose(self) -> ComposeResult:
        yield Static(text(self.knob), classes="knob-name")
        field = Field(value=self.value, id=self.field_id, classes="knob-value")
        field.tooltip = self.tip or None  # all of the knob's help, on hover
        yield field
        yield Static(self.range_text(), classes="knob-note")

    def range_text(self):
        """The range, then the help as far as it fits on the line (all of it is the tooltip)."""
        return text(self.note + (f" · {self.tip}" if self.tip else ""), "dim")

    def tell(self, message: str | None) -> None:
        """Show the error beside the input, or the range again when message is None."""
        note = self.query_one(".knob-note", Static)
        note.set_class(bool(message), "error")  # an error wraps; the range stays one line
        note.update(text(message, "bold red") if message else self.range_text())


def parse_seed(raw: str) -> int:
    low, high = SEED_RANGE
    try:
        seed = int(raw.strip())
    except ValueError:
        raise ParamError(f"seed must be an integer from {low} to {high}, not {raw!r}") from None
    if not low <= seed <= high:
        raise ParamError(f"seed must be an integer from {low} to {high}, not {seed}")
    return seed


class DemoTab(Vertical):
    """Run the demo (`d`, or Enter in a knob) and draw its report."""

    class Finished(Message):
        """A run ended: its report, or the one-line error of a demo that raised."""

        def __init__(self, report: Report | None, error: str | None) -> None:
            super().__init__()
            self.report, self.error = report, error

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.name_: str | None = None  # the demo of the open term
        self.params: tuple[Param, ...] = ()
        self.report: Report | None = None
        self.running = False
        self.rows: list[
            KnobRow
        ] = []  # the seed, then one per knob (widgets being removed may still match a query)
        self.run_id = 0  # which run's result is still wanted
        self.started = 0.0
        self.drawn_width = 0

    def compose(self) -> ComposeResult:
        yield Static(id="demo-head")
        yield Vertical(id="knobs")
        with Horizontal(id="demo-running"):
            yield LoadingIndicator()
            yield Static(id="demo-status")
        with VerticalScroll(id="report"):
            yield Static(id="report-body")

    def on_mount(self) -> None:
        self.query_one("#demo-running").display = False
        self.set_interval(0.2, self.tick)
        self.load(None, None)

    def load(self, term: str | None, demo: str | None) -> None:
        """Show the demo of a newly opened term (not run yet), with its knobs at their defaults."""
        from mlterms.demos import registry

        self.name_, self.report, self.run_id = demo, None, self.run_id + 1
        self.params = registry.params(demo) if demo else ()
        knobs = self.query_one("#knobs", Vertical)
        knobs.remove_children()
        self.rows = []
        if demo:
            self.rows = rows = [KnobRow("seed", "0", SEED_NOTE, "knob-seed", "same seed, same numbers")]
            rows += [
                KnobRow(p.name, str(p.default), p.describe(), f"knob-{i}", p.help)
                for i, p in enumerate(self.params)
            ]
            knobs.mount(*rows)
        self.head(self.waiting(term, demo))
        self.query_one("#report-body", Static).update("")

    def waiting(self, term: str | None, demo: str | None) -> str:
        if term is None:
            return "Open a term first: its demo shows here."
        if demo is None:
            return f"'{term}' has no demo yet."
        return f"Press d to run the demo of '{demo}'. Change a knob and press Enter to run it again."

    def head(self, line: str, style: str = "") -> None:
        self.query_one("#demo-head", Static).update(text(line, style))

    def knob_values(self) -> tuple[int, dict[str, Any]] | None:
        """The seed and the knob values typed, or None after showing each bad one's error."""
        values: dict[str, Any] = {}
        seed, ok = 0, True
        for row in self.rows:
            raw = row.query_one(Field).value
            try:
                if row.field_id == "knob-seed":
                    seed = parse_seed(raw)
                else:
                    param = self.params[int(row.field_id.removeprefix("knob-"))]
                    values[param.name] = param.parse(raw.strip())
                row.tell(None)
            except ParamError as e:
                row.tell(str(e))
                ok = False
        return (seed, values) if ok else None

    def run(self) -> bool:
        """Start the demo in a worker thread; False if it is already running or has nothing to run."""
        if self.running:
            self.app.notify("The demo is still running.", timeout=2)
            return False
        chosen = self.knob_values() if self.name_ else None
        if self.name_ is None or chosen is None:
            return False
        seed, values = chosen
        name, run_id, app = self.name_, self.run_id, self.app
        self.running, self.started = True, time.monotonic()
        self.query_one("#demo-running").display = True
        self.tick()

        def work() -> None:
            from mlterms.demos.registry import run

            report, error = None, None
            try:
                report = run(name, seed, values)
            except Exception as e:  # a broken demo is shown, as `mlterms demo` reports it
                error = f"demo '{name}' failed: {type(e).__name__}: {e}"
            deliver(app, self.finished, run_id, report, error)

        background(f"demo {name}", work)
        return True

    def tick(self) -> None:
        if not self.running:
            return
        doing = "running" if "torch" in sys.modules else "loading torch and running"
        status = f"{doing} '{self.name_}'…  {time.monotonic() - self.started:.1f} s"
        self.query_one("#demo-status", Static).update(text(status, "yellow"))

    def finished(self, run_id: int, report: Report | None, error: str | None) -> None:
        self.running = False
        if not self.is_attached:  # the app closed while the demo ran
            return
        self.query_one("#demo-running").display = False
        if run_id != self.run_id:  # another term was opened meanwhile
            return
        self.report = report
        if report is None:
            self.head(error or "the demo failed", "bold red")
        else:
            knobs = "".join(f", {name} {value}" for name, value in report.params.items())
            self.head(
                f"'{report.term}' ran with seed {report.seed}{knobs}. Enter in a knob runs it again.", "dim"
            )
            self.draw()
        self.post_message(self.Finished(report, error))

    def draw(self) -> None:
        """The report as `mlterms demo` draws it on a terminal, fitted to the tab's width."""
        from mlterms.render.report_rich import rich_parts

        if self.report is None:
            return
        width = max(20, min(READING_WIDTH, self.size.width - GUTTER))
        self.drawn_width = width
        self.query_one("#report-body", Static).update(Group(*rich_parts(self.report, width)))

    def on_resize(self) -> None:
        if self.report is not None and self.drawn_width != max(
            20, min(READING_WIDTH, self.size.width - GUTTER)
        ):
            self.draw()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.run()
