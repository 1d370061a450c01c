"""The Quiz tab: the due cards, asked by the quiz's own loop (quiz.session.run) with the same
planner, scheduler and state file as `mlterms quiz`; each answer is saved as it is given.

The loop runs in a worker thread and talks to the tab through `Bridge`, its Conversation: what to
show is handed to the UI thread, and each `read` waits for the answer the learner gives (a button,
a key, or the answer input). Leaving the app ends the loop as the end of input would.
"""

from __future__ import annotations

import queue
import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.padding import Padding
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Static

from mlterms.explore.widgets import Field, background, deliver
from mlterms.glossary import Glossary
from mlterms.quiz.questions import Question
from mlterms.render import bullet_grid, text
from mlterms.render import quiz as draw

if TYPE_CHECKING:
    from mlterms.quiz.session import AnyQuestion, Result, Session

STOP = object()  # put in place of an answer: the app is closing
INTRO = "Press z to practise: due cards first, then new ones, saved as you answer, as `mlterms quiz` does."


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Bridge:
    """The quiz loop's Conversation (quiz.session), from its worker thread to the tab."""

    def __init__(self, tab: QuizTab) -> None:
        self.tab, self.app = tab, tab.app  # taken on the UI thread: the worker has no active app
        self.answers: queue.Queue[Any] = queue.Queue()
        self.stopped = False  # the app is closing: nothing more to show

    def call(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            self.app.call_from_thread(fn, *args)
        except RuntimeError:  # the app is gone: end the quiz as the end of input does
            raise EOFError from None

    def show(self, question: AnyQuestion, number: int, total: int) -> None:
        if not isinstance(question, Question):  # the tab plans term cards only: compute cards
            raise EOFError  # need torch, and stay in `mlterms quiz --mode compute`
        self.call(self.tab.show_question, question, number, total)

    def read(self, stage: str, options: int) -> str:
        self.call(self.tab.ask, stage, options)
        answer = self.answers.get()
        if answer is STOP:
            raise EOFError
        return answer

    def retry(self, stage: str, options: int) -> None:
        self.call(self.tab.hint, draw.retry(stage, options))

    def reveal(self, question: Question, previews: dict[int, timedelta]) -> None:
        self.call(self.tab.reveal, question, previews)

    def feedback(self, result: Result) -> None:
        self.call(self.tab.feedback, result)

    def undone(self, result: Result) -> None:
        self.call(self.tab.hint, f"undone: {result.term} (asked again)")


class QuizTab(VerticalScroll):
    """One card at a time: choice (buttons or 1-4, n for don't know), typed, or recall then grade."""

    def __init__(self, glossary: Glossary, seed: int | None = None, clock=utcnow, **kwargs) -> None:
        super().__init__(**kwargs)
        self.glossary, self.seed, self.clock = glossary, seed, clock
        self.bridge: Bridge | None = None
        self.stage: str | None = None  # what the loop waits for, or None
        self.options = 0
        self.previews: dict[int, timedelta] = {}
        self.sitting: Session | None = None
        self.question: Question | None = None  # the card asked now
        self.written = ""  # the learner's own definition of a recall card, shown beside the real one

    def compose(self) -> ComposeResult:
        yield Static(text(INTRO, "dim"), id="quiz-head")
        yield Static(id="quiz-feedback")  # the last answer's verdict, above the next question
        yield Static(id="quiz-question")
        yield Static(id="quiz-reveal")
        yield Horizontal(id="quiz-buttons")
        yield Field(id="quiz-answer")
        yield Static(id="quiz-hint")
        yield Button("Practise anyway", id="quiz-anyway")

    def on_mount(self) -> None:
        for part in ("#quiz-answer", "#quiz-anyway", "#quiz-buttons"):
            self.query_one(part).display = False
        for part in ("#quiz-feedback", "#quiz-question", "#quiz-reveal", "#quiz-hint"):
            self.put(part, None)

    def put(self, part: str, shown) -> None:
        """Show a renderable in one of the tab's parts; an empty part takes no room."""
        static = self.query_one(part, Static)
        static.update(shown if shown is not None else "")
        static.display = shown is not None

    @property
    def active(self) -> bool:
        return self.bridge is not None

    def start(self, everything: bool = False) -> None:
        """Plan a sitting and run it in a worker thread; say so when nothing is due."""
        from mlterms.quiz import cards, questions, scheduling, session
        from mlterms.quiz.options import QuizOptions
        from mlterms.quiz.state import Progress, ProgressError

        if self.active:
            return
        self.query_one("#quiz-anyway").display = False
        for part in ("#quiz-question", "#quiz-reveal", "#quiz-hint", "#quiz-feedback"):
            self.put(part, None)
        try:
            progress = Progress.open(fuzz=self.seed is None)
            now = self.clock()
            options = QuizOptions(everything=everything, seed=self.seed)
            pool = cards.quizzable(self.glossary)
            planned = questions.plan(
                self.glossary, progress, pool, options, now=now, rng=random.Random(self.seed)
            )
            if not planned:
                self.nothing_due(scheduling.stats(self.glossary, progress, now).next_due, now)
                return
            kept = progress.set_aside(now)  # a corrupt file is kept aside before the first save
        except ProgressError as e:
            self.head(str(e), "bold red")
            return
        if kept:
            self.app.notify(f"{progress.path} was corrupt; kept as {kept.name}, starting fresh", timeout=8)
        self.head("Each answer is saved as you give it.", "dim")
        self.sitting = sitting = session.Session(self.glossary, progress)
        self.bridge = bridge = Bridge(self)

        def work() -> None:
            session.run(sitting, planned, bridge, self.clock)
            if not bridge.stopped:
                deliver(bridge.app, self.done)

        background("quiz", work)

    def head(self, line: str, style: str = "") -> None:
        self.query_one("#quiz-head", Static).update(text(line, style))

    def nothing_due(self, next_due: datetime | None, now: datetime) -> None:
        line = "Nothing due" + (f"; next card {draw.in_words(next_due, now)}" if next_due else "") + "."
        self.head(line, "green")
        self.query_one("#quiz-anyway").display = True

    def show_question(self, question: Question, number: int, total: int) -> None:
        self.question = question
        self.put("#quiz-question", draw.question_panel(question, number, total))
        self.put("#quiz-reveal", None)
        self.put("#quiz-hint", None)

    def ask(self, stage: str, options: int) -> None:
        """The loop waits for an answer of this stage: show the buttons or the input it takes."""
        self.stage, self.options = stage, options
        buttons = self.query_one("#quiz-buttons", Horizontal)
        buttons.remove_children()
        answer = self.query_one("#quiz-answer", Field)
        typing = stage in ("typed", "recall")
        answer.display = typing
        buttons.display = not typing
        if typing:
            answer.placeholder = draw.prompt(stage).rstrip(": ")
            answer.value = ""
            answer.focus()
            self.call_after_refresh(self.scroll_end, animate=False)
            return
        if stage == "choice":
            made = [Button(f"{n}", name=f"{n}", classes="pick") for n in range(1, options + 1)]
            made.append(Button("don't know (n)", name="", classes="pick"))
        else:  # grade: each button says what it schedules
            made = [
                Button(f"{n} {name} {draw.interval(self.previews[n])}", name=f"{n}", classes="pick")
                for n, name in ((n, draw.RATINGS[n]) for n in range(1, 5))
            ]
        buttons.mount(*made)
        if self.screen.focused is answer or self.screen.focused is None:
            self.app.call_later(made[0].focus)
        self.call_after_refresh(self.scroll_end, animate=False)  # the buttons in view

    def give(self, line: str) -> bool:
        """Hand an answer to the loop; False if it waits for none."""
        if self.stage is None or self.bridge is None:
            return False
        self.written = line if self.stage == "recall" else ""
        self.stage = None
        self.query_one("#quiz-buttons", Horizontal).display = False
        self.query_one("#quiz-answer", Field).display = False
        self.bridge.answers.put(line)
        return True

    def key(self, key: str) -> bool:
        """A one-key answer: 1-4 picks an option or grades, n is "don't know" in a choice."""
        if self.stage == "choice" and (key == "n" or (key.isdigit() and 1 <= int(key) <= self.options)):
            return self.give("" if key == "n" else key)
        if self.stage == "grade" and key in "1234":
            return self.give(key)
        return False

    def hint(self, message: str) -> None:
        self.put("#quiz-hint", text(message, "yellow"))

    def reveal(self, question: Question, previews: dict[int, timedelta]) -> None:
        self.previews = previews
        entry = question.entry
        mine = [text(f"you wrote: {self.written}", "dim")] if self.written.strip() else []
        shown = Group(*mine, text(entry.term, "bold cyan"), bullet_grid(entry.definition))
        self.put("#quiz-reveal", shown)

    def feedback(self, result: Result) -> None:
        """Right or wrong, the term with its first bullet, and when the card comes back."""
        word, colour = draw.verdict(result)
        if not isinstance(result.question, Question):  # never planned here (see Bridge.show)
            return
        entry = result.question.entry
        mark = "✓ " if result.correct else "✗ "
        lines = [text(mark + word, f"bold {colour}") + text(" · ", "dim") + text(entry.term, "bold")]
        if entry.definition and result.question.mode != "recall":
            lines.append(Padding(text(entry.definition[0]), (0, 0, 0, 2)))
        lines.append(Padding(text(f"next review {draw.when(result.due, self.clock())}", "dim"), (0, 0, 0, 2)))
        self.put("#quiz-feedback", Group(*lines))

    def done(self) -> None:
        """The sitting is over: the first-try score, relearned terms, and what to review."""
        sitting, self.bridge, self.stage = self.sitting, None, None
        if not self.is_attached:
            return
        self.put("#quiz-question", None)
        self.put("#quiz-reveal", None)
        if sitting is None:
            return
        now = self.clock()
        lines = [
            text(f"Done: {sitting.correct} of {sitting.asked} right. Press z for another round.", "bold")
        ]
        relearned = draw.relearn_line(sitting.relearned())
        lines += [text(relearned, "yellow")] if relearned else []
        lines += [text(f"  {r.term}: {draw.when(r.due, now)}", "red") for r in sitting.to_review()]
        self.put("#quiz-feedback", Group(*lines))

    def stop(self) -> None:
        """End the loop as the end of input would (the app is closing)."""
        if self.bridge is not None:
            self.bridge.stopped = True
            self.bridge.answers.put(STOP)

    def on_unmount(self) -> None:
        self.stop()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.give(event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "quiz-anyway":
            self.start(everything=True)
        elif event.button.has_class("pick"):
            self.give(event.button.name or "")  # a choice's option, a grade, or "" for don't know
