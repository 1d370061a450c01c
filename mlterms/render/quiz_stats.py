"""Draw `quiz --stats`: the progress table, the hardest terms, and its JSON."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from mlterms.render import Output, plural, text
from mlterms.render.quiz import say, stamp, when

if TYPE_CHECKING:  # the quiz's classes, for annotations only: importing them loads FSRS
    from mlterms.quiz.scheduling import HardCard, Stats


def stats_rows(data: Stats, now: datetime) -> list[tuple[str, str]]:
    retention = f"{data.retention:.0%}" if data.retention is not None else "-"
    rows = [
        ("cards", f"{data.cards} ({data.seen} seen, {data.new} new)"),
        ("due now", str(data.due_now)),
        ("due in 7 days", str(data.due_soon)),
        ("reviews", str(data.reviews)),
        ("retention", retention),
    ]
    if data.next_due:
        rows.append(("next due", when(data.next_due, now)))
    if data.orphans:
        rows.append(("other glossaries", f"{plural(data.orphans, 'card')} from other glossaries (kept)"))
    rows.append(("state file", str(data.path)))
    return rows


def hard_line(card: HardCard, now: datetime) -> str:
    lapses = plural(card.lapses, "lapse")
    return f"{lapses} in {plural(card.reviews, 'review')}, due {when(card.due, now)}"


def stats(out: Output, data: Stats, now: datetime) -> None:
    if out.is_json:
        out.json(stats_json(data))
        return
    rows = stats_rows(data, now)
    hard = [(c.term, hard_line(c, now)) for c in data.hardest]
    if out.rich:
        out.print(stats_table(rows, hard))
        return
    width = max(len(name) for name, _ in rows)
    lines = [f"{name.ljust(width)}  {value}" for name, value in rows]
    if hard:
        term_width = max(len(term) for term, _ in hard)
        lines += ["hardest:", *(f"  {term.ljust(term_width)}  {line}" for term, line in hard)]
    say(out, lines)


def stats_table(rows: list[tuple[str, str]], hard: list[tuple[str, str]]):
    from rich.console import Group
    from rich.table import Table

    table = Table(show_header=False, box=None, title=text("quiz progress", "bold"), title_justify="left")
    table.add_column(style="dim")
    table.add_column()
    for name, value in rows:
        table.add_row(name, text(value))
    if not hard:
        return table
    worst = Table(title=text("hardest terms", "bold"), title_justify="left", show_header=False, box=None)
    worst.add_column(style="bold red")
    worst.add_column(style="dim")
    for term, line in hard:
        worst.add_row(text(term), line)
    return Group(table, text(""), worst)


def stats_json(data: Stats) -> dict[str, Any]:
    """What `quiz --stats --json` prints; `due_7d` counts the cards due after now, within 7 days."""
    return {
        "cards": data.cards,
        "seen": data.seen,
        "new": data.new,
        "due_now": data.due_now,
        "due_7d": data.due_soon,
        "reviews": data.reviews,
        "retention": round(data.retention, 3) if data.retention is not None else None,
        "next_due": stamp(data.next_due),
        "hardest": [
            {
                "term": c.term,
                "lapses": c.lapses,
                "reviews": c.reviews,
                "difficulty": round(c.difficulty, 2),
                "due": stamp(c.due),
            }
            for c in data.hardest
        ],
        "orphans": data.orphans,
        "path": str(data.path),
    }
