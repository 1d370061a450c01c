"""The Path tab: the reading order of `mlterms path`, each step a link to its term."""

from __future__ import annotations

from datetime import datetime, timezone

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from mlterms import links
from mlterms.explore.model import Atlas
from mlterms.explore.widgets import OpenTerm
from mlterms.render import joined, plural, text
from mlterms.render.path import Step


def step_prompt(n: int, digits: int, step: Step, last: bool):
    marks = [text(" demo", "green")] if step.demo else []
    if step.known:
        marks.append(text(" known", "dim"))
    style = "bold" if last else ("dim" if step.known else "")
    return joined(text(f"{n:>{digits}}. ", "dim"), text(step.term, style), *marks)


class PathTab(Vertical):
    """Everything the term builds on, first things first; Enter or a click opens a step."""

    def __init__(self, atlas: Atlas, **kwargs) -> None:
        super().__init__(**kwargs)
        self.atlas = atlas
        self.steps: list[Step] = []

    def compose(self) -> ComposeResult:
        yield Static(text("Open a term first: what to read before it shows here."), id="path-head")
        yield OptionList(id="path-list")

    def show(self, term: str) -> None:
        """The reading order of term, with the quiz's `known` marks from the state file."""
        from mlterms.quiz.state import Progress, ProgressError

        listed = self.query_one("#path-list", OptionList)
        try:
            self.steps = self.atlas.reading_order(term, Progress.open(), datetime.now(timezone.utc))
        except (links.CycleError, ProgressError) as e:
            self.steps = []
            listed.clear_options()
            self.query_one("#path-head", Static).update(text(str(e), "bold red"))
            return
        digits = len(str(len(self.steps)))
        last = len(self.steps)
        listed.set_options(
            Option(step_prompt(n, digits, s, n == last)) for n, s in enumerate(self.steps, start=1)
        )
        listed.highlighted = last - 1
        known = sum(s.known for s in self.steps)
        demos = sum(s.demo for s in self.steps)
        if last == 1:
            summary = f"'{term}' builds on nothing in the glossary: start here."
        else:
            summary = f"Read '{term}' after {plural(last - 1, 'term')}: {known} known, {demos} with a demo."
        self.query_one("#path-head", Static).update(text(summary + " Enter opens a step.", "dim"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        term = self.steps[event.option_index].term
        self.post_message(OpenTerm(term, term))
