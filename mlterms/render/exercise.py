"""Draw demo exercises before the report: the question, its `given` inputs compactly, the verdict.

The conversation goes to stdout, or to stderr with --json (stdout is then the JSON report), as
plain text or Rich. A given value is one line when it is a number or a short row of numbers,
and one line per row when it is a matrix; long rows wrap under their name.
"""

from __future__ import annotations

import textwrap
from typing import Any

from mlterms.demos.answers import Graded, flat
from mlterms.demos.report import Exercise, Report, shape_of
from mlterms.render import Output, clean, plural
from mlterms.render.numbers import flatten, formatter, number

PROMPT = "your answer: "
HINT = "Type a number, or numbers separated by spaces or commas (Enter if you don't know)."


def stream(out: Output):
    """Where the conversation goes: stderr when stdout is reserved for JSON."""
    return out.stream


def width(out: Output) -> int:
    return out.width


def given_lines(name: str, value: Any, width: int) -> list[str]:
    """'name = 1.5', 'name = [0.1, 0.2]', or 'name (2, 3) =' and one '  [...]' line per row."""
    name = clean(name)
    if not isinstance(value, (list, tuple)):
        return [f"{name} = {number(value)}"]
    shape = shape_of(value)
    fmt = formatter(flatten(value))
    if len(shape) <= 1:
        row = "[" + ", ".join(fmt(v) for v in value) + "]"
        return textwrap.wrap(row, width, initial_indent=f"{name} = ", subsequent_indent=" " * (len(name) + 4))
    head = f"{name} {tuple(shape)} ="
    lines = [head]
    for index, values in rows(value):
        label = "" if len(shape) == 2 else f"[{', '.join(map(str, index))}] "
        shown = "[" + ", ".join(fmt(v) for v in values) + "]"
        lines += textwrap.wrap(shown, width, initial_indent=f"  {label}", subsequent_indent="   ")
    return lines


def rows(value: Any, index: tuple[int, ...] = ()) -> list[tuple[tuple[int, ...], list]]:
    """The innermost rows of a nested list, each with the indices that lead to it."""
    if value and isinstance(value[0], (list, tuple)):
        return [found for i, v in enumerate(value) for found in rows(v, (*index, i))]
    return [(index, list(value))]


def answer_text(answer: Any) -> str:
    """An answer as the learner would type it: '0.2541', '(1, 16, 5, 5)'."""
    values = flat(answer)
    shown = [number(int(v)) if float(v).is_integer() and abs(v) < 1e15 else number(v) for v in values]
    return shown[0] if not isinstance(answer, (list, tuple)) else "(" + ", ".join(shown) + ")"


def ask(out: Output, r: Report, e: Exercise, n: int, total: int) -> None:
    """The question and what it is about, before the prompt."""
    head = f"Exercise {n}/{total} ({r.term}): {e.question}"
    lines = ["", *textwrap.wrap(clean(head), width(out)), *given_block(e, width(out))]
    if out.rich:
        from rich.text import Text

        out.print(Text(lines[1], style="bold"))
        for line in lines[2:]:
            out.print(Text(line, style="cyan"))
    else:
        say(out, lines)


def verdict_line(g: Graded) -> tuple[str, str]:
    """'right: 0.2541', or 'wrong: the answer is 0.2541 (you said 0.3)', and its Rich style."""
    want = answer_text(g.exercise.answer)
    if g.right:
        return f"right: {want}", "bold green"
    if g.typed is None:
        return f"the answer is {want}", "bold yellow"
    typed = answer_text(g.typed if len(g.typed) != 1 else g.typed[0])
    return f"wrong: the answer is {want} (you said {typed})", "bold red"


def score_line(graded: list[Graded]) -> str:
    """'exercises: 1 of 2 answers right'."""
    return f"exercises: {sum(g.right for g in graded)} of {plural(len(graded), 'answer')} right"


def given_block(e: Exercise, width: int) -> list[str]:
    """What the question is about: its given inputs, two spaces in, and the tolerance."""
    lines = []
    for name, value in e.given.items():
        lines += ["  " + line for line in given_lines(name, value, width - 2)]
    if e.tolerance:
        lines.append(f"  (within {e.tolerance:.2g})")
    return lines


def verdict(out: Output, g: Graded) -> None:
    """The verdict of one answer (see verdict_line)."""
    line, style = verdict_line(g)
    if out.rich:
        from rich.text import Text

        out.print(Text(line, style=style))
    else:
        say(out, [line])


def hint(out: Output) -> None:
    if out.rich:
        from rich.text import Text

        out.print(Text(HINT, style="yellow"))
    else:
        say(out, [HINT])


def none_to_ask(out: Output, r: Report) -> None:
    out.error(f"'{r.term}' has no exercises yet")


def score(out: Output, graded: list[Graded]) -> None:
    """The closing line: how many answers were right."""
    right = sum(g.right for g in graded)
    line = score_line(graded)
    if out.rich:
        from rich.text import Text

        out.print(Text(line, style="bold green" if right == len(graded) else "bold yellow"))
        out.print(Text(""))
    else:
        say(out, [line, ""])


def say(out: Output, lines: list[str]) -> None:
    target = stream(out)
    target.write("".join(clean(line) + "\n" for line in lines))
    target.flush()
