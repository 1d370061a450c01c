"""Draw `quiz --stats`: the progress table, a heatmap of reviews per day, the due forecast, the
hardest and weakest terms, and its JSON.

The heatmap is drawn as GitHub and Anki's review-heatmap draw it: a column per week (the last
20), a row per weekday, darker for more reviews; days are local, as everywhere in the stats.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mlterms.render import Output, plural, text
from mlterms.render.quiz import say, stamp, when

if TYPE_CHECKING:  # the quiz's classes, for annotations only: importing them loads FSRS
    from mlterms.quiz.compute import ComputeStats
    from mlterms.quiz.scheduling import HardCard, Stats


def stats_rows(data: Stats, exercises: ComputeStats, now: datetime) -> list[tuple[str, str]]:
    retention = f"{data.retention:.0%}" if data.retention is not None else "-"
    rows = [
        ("cards", f"{data.cards} ({data.seen} seen, {data.new} new)"),
        ("due now", str(data.due_now)),
        ("due in 7 days", str(data.due_soon)),
        ("reviews", str(data.reviews)),
        ("retention", retention),
        ("mature cards", mature(data)),
        ("streak", plural(data.streak_days, "day")),
    ]
    if data.seconds_per_answer is not None:
        rows.append(("answer time", f"{data.seconds_per_answer:.1f} s on average"))
    if data.next_due:
        rows.append(("next due", when(data.next_due, now)))
    if data.orphans:
        rows.append(("other", f"{plural(data.orphans, 'card')} from other glossaries (kept)"))
    rows.append(("compute", compute_line(exercises)))
    rows.append(("state file", str(data.path)))
    return rows


def compute_line(data: ComputeStats) -> str:
    """The exercise cards: '3 of 269 exercises seen, 1 due now, 67% right (--mode compute)'."""
    line = f"{data.seen} of {plural(data.cards, 'exercise')} seen, {data.due_now} due now"
    if data.retention is not None:
        line += f", {percent(data.retention)} right"
    return line + " (--mode compute)"


def mature(data: Stats) -> str:
    """Observed retention on mature cards against the target: '92% right (target 90%)'."""
    target = f"target {percent(data.retention_target)}"
    if data.retention_observed is None:
        return f"none reviewed yet ({target})"
    return f"{percent(data.retention_observed)} right ({target})"


def percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"


LEVELS = "·░▒▓█"  # no review, then more and more
WEEKS = 20
WEEKDAYS = ["Mon", "", "Wed", "", "Fri", "", "Sun"]


def level(count: int) -> int:
    """0 for none, then 1, 2-3, 4-7, 8 or more."""
    return 0 if count <= 0 else min(4, count.bit_length())


def heatmap(days: dict[date, int], today: date, weeks: int = WEEKS) -> list[list[int | None]]:
    """Seven rows (Monday first) of `weeks` levels, oldest week first; None for days to come."""
    start = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    grid: list[list[int | None]] = [[None] * weeks for _ in range(7)]
    for week in range(weeks):
        for weekday in range(7):
            day = start + timedelta(weeks=week, days=weekday)
            grid[weekday][week] = level(days.get(day, 0)) if day <= today else None
    return grid


def heatmap_lines(grid: list[list[int | None]]) -> list[str]:
    lines = [
        f"{label:<4}" + " ".join(" " if x is None else LEVELS[x] for x in row)
        for label, row in zip(WEEKDAYS, grid, strict=True)
    ]
    return [*lines, f"    less {LEVELS} more"]


def forecast_lines(counts: list[int], today: date) -> list[str]:
    """Two lines: the weekdays of the next 14 days, and the cards due on each."""
    names = [(today + timedelta(days=i)).strftime("%a")[:2] for i in range(len(counts))]
    return [" ".join(f"{n:>3}" for n in names), " ".join(f"{c:>3}" for c in counts)]


def history_lines(data: Stats, now: datetime) -> list[str]:
    """The heatmap, the due forecast and the weakest terms, as plain lines."""
    today = now.astimezone().date()
    lines = [f"reviews per day, last {WEEKS} weeks:", *heatmap_lines(heatmap(data.reviews_by_day, today))]
    lines += ["due in the next 14 days:", *forecast_lines(data.due_forecast, today)]
    if data.weakest:
        width = max(len(w.term) for w in data.weakest)
        lines.append("weakest (chance of recall now):")
        lines += [f"  {w.term.ljust(width)}  {w.retrievability:.0%}" for w in data.weakest]
    return lines


def hard_line(card: HardCard, now: datetime) -> str:
    lapses = plural(card.lapses, "lapse")
    return f"{lapses} in {plural(card.reviews, 'review')}, due {when(card.due, now)}"


def stats(out: Output, data: Stats, exercises: ComputeStats, now: datetime) -> None:
    """The term cards' progress and history, and the exercise cards' line."""
    if out.is_json:
        out.json(stats_json(data, exercises))
        return
    rows = stats_rows(data, exercises, now)
    hard = [(c.term, hard_line(c, now)) for c in data.hardest]
    if out.rich:
        out.print(stats_table(rows, hard))
        out.print(text(""))
        for line in history_lines(data, now):
            out.print(text(line, "bold" if line.endswith(":") else "green"))
        return
    width = max(len(name) for name, _ in rows)
    lines = [f"{name.ljust(width)}  {value}" for name, value in rows]
    if hard:
        term_width = max(len(term) for term, _ in hard)
        lines += ["hardest:", *(f"  {term.ljust(term_width)}  {line}" for term, line in hard)]
    say(out, [*lines, *history_lines(data, now)])


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


def stats_json(data: Stats, exercises: ComputeStats) -> dict[str, Any]:
    """What `quiz --stats --json` prints; `due_7d` counts the cards due after now, within 7 days.
    The exercise cards (--mode compute) are counted apart, in `compute`."""
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
        "reviews_by_day": {day.isoformat(): n for day, n in data.reviews_by_day.items()},
        "streak_days": data.streak_days,
        "due_forecast": data.due_forecast,
        "retention_observed": rounded(data.retention_observed),
        "retention_target": data.retention_target,
        "weakest": [{"term": w.term, "retrievability": round(w.retrievability, 3)} for w in data.weakest],
        "seconds_per_answer": rounded(data.seconds_per_answer),
        "compute": {
            "cards": exercises.cards,
            "seen": exercises.seen,
            "new": exercises.new,
            "due_now": exercises.due_now,
            "reviews": exercises.reviews,
            "retention": rounded(exercises.retention),
            "next_due": stamp(exercises.next_due),
        },
    }


def rounded(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None
