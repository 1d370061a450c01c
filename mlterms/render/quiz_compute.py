"""Draw the quiz's compute questions (a demo's exercise as a card), their feedback and JSON parts.

A question reads as `mlterms demo NAME --exercise` asks it (render/exercise.py): the exercise,
then its given inputs. A wrong answer shows the value and the demo run that computed it, with
its seed, so that `mlterms demo NAME --seed S` shows the same numbers worked out.
"""

from __future__ import annotations

import shlex
import textwrap
from typing import TYPE_CHECKING, Any

from mlterms.demos.answers import grade
from mlterms.render import Output, clean, text
from mlterms.render.exercise import given_block, verdict_line
from mlterms.render.numbers import json_safe

if TYPE_CHECKING:
    from mlterms.quiz.compute import ComputeQuestion
    from mlterms.quiz.session import Result

PANEL = 4  # a panel's borders and padding take this many columns


def command(q: ComputeQuestion) -> str:
    """The demo run that computed the question: 'mlterms demo softmax --seed 17'."""
    return f"mlterms demo {shlex.quote(q.card.demo)} --seed {q.seed}"


def question(out: Output, q: ComputeQuestion, number: int, total: int) -> None:
    """The exercise, its given inputs and the tolerance; runs the demo if it has not run yet."""
    e = q.exercise
    if not out.rich:
        head = f"Again (compute): {q.term}" if q.relearn else f"Question {number}/{total} (compute): {q.term}"
        asked = textwrap.wrap(clean(e.question), out.width - 2)
        out.say(["", head, *(f"  {line}" for line in asked), *given_block(e, out.width)])
        return
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    number_part = "Again" if q.relearn else f"Question {number}/{total}"
    title = Text.assemble((number_part, "bold"), (" · compute", "dim"))
    lines = given_block(e, out.width - PANEL)
    body = [Text.assemble((clean(q.term), "bold cyan"), (": ", "dim"), clean(e.question))]
    body += [
        text(line.removeprefix("  "), "dim" if line.startswith("  (within") else "cyan") for line in lines
    ]
    out.print()
    out.print(Panel(Group(*body), title=title, title_align="left"))


def feedback_lines(q: ComputeQuestion, result: Result) -> tuple[str, str, list[str]]:
    """The verdict, its colour, and the lines under it: the demo run to look at, if wrong."""
    graded = grade(q.exercise, result.answer)
    assert graded is not None  # the answer was read as numbers before it was graded
    line, style = verdict_line(graded)
    if graded.typed is None:
        line = f"don't know: {line}"
    notes = [] if graded.right else [f"computed by: {command(q)}"]
    return line, style, notes


def feedback(out: Output, q: ComputeQuestion, result: Result, due: str) -> None:
    """Right or wrong with the value, the demo run that computed it, and when the card comes back."""
    line, style, notes = feedback_lines(q, result)
    if not out.rich:
        out.say([line, *(f"  {note}" for note in [*notes, due])])
        return
    from rich.padding import Padding

    out.print(text(("✓ " if result.correct else "✗ ") + line, style))
    for note in notes:
        out.print(Padding(text(note), (0, 0, 0, 2), expand=False))
    out.print(Padding(text(due, "dim"), (0, 0, 0, 2), expand=False))


def shown(q: ComputeQuestion) -> dict[str, Any]:
    """The question as it was shown: the exercise and its given inputs, one line each; no options."""
    e = q.exercise
    return {
        "prompt": [e.question, *(line.removeprefix("  ") for line in given_block(e, 10**6))],
        "options": [],
    }


def extra_json(q: ComputeQuestion) -> dict[str, Any]:
    """What a compute result adds to the JSON: the value expected, and the demo run that gave it."""
    e = q.exercise
    return {
        "exercise": q.card.id,
        "expected": json_safe(e.answer),
        "given": json_safe(e.given),
        "demo": q.card.demo,
        "seed": q.seed,
    }
