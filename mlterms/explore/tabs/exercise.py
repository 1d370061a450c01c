"""The Exercise tab: predict, then see. The demo's exercises are asked here before its report is
shown; answers are graded by demos.answers, as `mlterms demo --exercise` grades them.

Opening the tab runs the demo (its answers are computed at run time) without showing the report:
the report is revealed when the learner asks for it (the button, or `d`).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Static

from mlterms.demos.answers import Graded, grade
from mlterms.demos.report import Exercise, Report
from mlterms.explore.widgets import Field
from mlterms.render import text
from mlterms.render.exercise import HINT, given_lines, score_line, verdict_line


class ExerciseTab(VerticalScroll):
    """One input per exercise; Enter grades it. After the last one, the score and the reveal button."""

    class Reveal(Message):
        """The learner asks to see the report."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.exercises: list[Exercise] = []
        self.graded: dict[int, Graded] = {}
        self.fields: list[Field] = []  # one per exercise (widgets being removed may still match a query)
        self.verdicts: list[Static] = []
        self.questions: list[Static] = []
        self.drawn_width = 0
        self.term: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="ex-head")
        yield Vertical(id="ex-list")
        yield Static(id="ex-score")
        yield Button("Show the report (d)", id="reveal", variant="primary")

    def on_mount(self) -> None:
        self.reset(None, None)

    def reset(self, term: str | None, demo: str | None) -> None:
        """A newly opened term: nothing asked yet."""
        self.term, self.exercises, self.graded = term, [], {}
        self.fields, self.verdicts, self.questions = [], [], []
        self.query_one("#ex-list", Vertical).remove_children()
        self.query_one("#ex-score", Static).update("")
        self.query_one("#reveal").display = False
        if term is None:
            self.head("Open a term first: its demo's exercises show here.")
        elif demo is None:
            self.head(f"'{term}' has no demo, so no exercises.")
        else:
            self.head("Opening this tab runs the demo to compute its exercises; the report stays hidden.")

    def head(self, line: str, style: str = "") -> None:
        self.query_one("#ex-head", Static).update(text(line, style))

    def computing(self) -> None:
        self.head("Running the demo to compute its exercises…", "yellow")

    def load(self, report: Report) -> None:
        """Ask the report's exercises (the report itself is not shown here)."""
        self.exercises, self.graded = list(report.exercises), {}
        self.fields = [Field(placeholder="your answer", classes="ex-answer") for _ in self.exercises]
        self.verdicts = [Static(classes="ex-verdict") for _ in self.exercises]
        listed = self.query_one("#ex-list", Vertical)
        listed.remove_children()
        self.query_one("#ex-score", Static).update("")
        if not self.exercises:
            self.head(f"'{report.term}' has no exercises yet.")
            self.query_one("#reveal").display = True
            return
        self.head(f"Predict, then see: answer before you look at the report of '{report.term}'.", "bold")
        self.questions = [Static(classes="ex-question") for _ in self.exercises]
        for n in range(len(self.exercises)):
            listed.mount(self.questions[n], Horizontal(self.fields[n], self.verdicts[n], classes="ex-row"))
        self.describe()
        self.query_one("#reveal").display = False

    def describe(self) -> None:
        """Each question with its inputs (`given`), wrapped to the tab's width."""
        self.drawn_width = width = max(20, self.size.width - 6)
        for n, (e, shown) in enumerate(zip(self.exercises, self.questions, strict=True)):
            about = [f"{n + 1}. {e.question}"]
            about += [
                "   " + line for name, value in e.given.items() for line in given_lines(name, value, width)
            ]
            if e.tolerance:
                about.append(f"   (within {e.tolerance:.2g})")
            shown.update(text("\n".join(about)))

    def on_resize(self) -> None:
        if self.questions and self.drawn_width != max(20, self.size.width - 6):
            self.describe()

    @property
    def pending(self) -> bool:
        """Some exercise is still to answer."""
        return len(self.graded) < len(self.exercises)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input not in self.fields:
            return
        n = self.fields.index(event.input)
        verdict = self.verdicts[n]
        graded = grade(self.exercises[n], event.value)
        if graded is None:  # not a number or a list of numbers: say what is
            verdict.update(text(HINT, "yellow"))
            return
        self.graded[n] = graded
        verdict.update(text(*verdict_line(graded)))
        event.input.disabled = True
        self.next_question()

    def next_question(self) -> None:
        """Focus the next unanswered exercise; after the last, show the score and the reveal button."""
        if not self.exercises:
            return
        for n in range(len(self.exercises)):
            if n not in self.graded:
                self.fields[n].focus()
                return
        graded = [self.graded[n] for n in sorted(self.graded)]
        right = all(g.right for g in graded)
        self.query_one("#ex-score", Static).update(
            text(score_line(graded), "bold green" if right else "bold yellow")
        )
        reveal = self.query_one("#reveal", Button)
        reveal.display = True
        reveal.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "reveal":
            event.stop()
            self.post_message(self.Reveal())
