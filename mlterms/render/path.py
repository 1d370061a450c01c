"""Draw a reading order (`mlterms path`): numbered with marks on a terminal, a term a line when
piped, or JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from mlterms.names import key
from mlterms.render import Output, clean, joined, text

if TYPE_CHECKING:
    from mlterms.quiz.state import Progress


@dataclass(frozen=True)
class Step:
    """One term of a reading order."""

    term: str
    demo: bool  # has a demo
    known: bool  # the quiz has seen its card and it is not due
    builds_on: list[str]  # its prerequisites that the order lists before it


def steps(
    order: list[str], builds_on: dict[str, list[str]], with_demo: set[str], progress: Progress, now: datetime
) -> list[Step]:
    """The terms of a reading order (links.reading_order) with their marks; `with_demo` holds the
    terms that have a demo (Glossary.demo_key), `builds_on` is links.Links.builds_on."""
    found = []
    for term in order:
        card = progress.get(key(term))
        known = card is not None and card.due > now
        found.append(Step(term, term in with_demo, known, builds_on.get(term, [])))
    return found


def reading_order(out: Output, steps: list[Step]) -> None:
    if out.is_json:
        out.json(
            [{"term": s.term, "demo": s.demo, "known": s.known, "builds_on": s.builds_on} for s in steps]
        )
        return
    if not out.rich:
        for step in steps:  # one term a line, for xargs and loops
            out.line(clean(step.term))
        return
    digits = len(str(len(steps)))
    for n, step in enumerate(steps, start=1):
        marks = [text(" demo", "green")] if step.demo else []
        if step.known:
            marks.append(text(" known", "dim"))
        style = "bold" if n == len(steps) else ("dim" if step.known else "")
        out.print(joined(text(f"{n:>{digits}}. ", "dim"), text(step.term, style), *marks))
    known = sum(s.known for s in steps)
    demos = sum(s.demo for s in steps)
    terms = "1 term" if len(steps) == 1 else f"{len(steps)} terms"
    out.print(text(f"{terms} to read, {known} known, {demos} with a demo", "dim"))
