"""Draw the quiz: questions, feedback, the summary and the stats, as Rich, plain text or JSON.

With --json only the final result goes to stdout; questions and feedback go to stderr as plain
text, so `mlterms quiz --json | jq` still shows the user what to answer.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import IO, TYPE_CHECKING, Any

from mlterms.quiz.cards import RATINGS
from mlterms.render import Output, bullet_grid, clean, plural, text

if TYPE_CHECKING:  # the quiz's classes, for annotations only: importing them loads FSRS
    from mlterms.quiz.questions import Question
    from mlterms.quiz.session import AnyQuestion, Result, Session

# Compute questions are drawn by render/quiz_compute.py, imported only when one is asked: it
# loads the demos' answer grading, which no other quiz needs.

HINTS = {
    "choice": "answer [1-4 or a term; Enter if you don't know]: ",
    "typed": "term (Enter if you don't know): ",
    "recall": "your definition (Enter to reveal): ",
    "compute": "your answer (Enter if you don't know): ",
    "grade": "grade [1 again, 2 hard, 3 good, 4 easy]: ",
}
RETRY = {
    "choice": "Type a number 1-4 or one of the terms above (Enter if you don't know).",
    "grade": "Grade with 1 (again), 2 (hard), 3 (good) or 4 (easy).",
    "undo": "Nothing to undo yet.",
}


def prompt(stage: str, options: int = 4, previews: dict[int, timedelta] | None = None) -> str:
    """The prompt of a stage; the grade prompt shows what each grade schedules, when known."""
    if stage == "grade" and previews:
        grades = " · ".join(f"{n} {RATINGS[n]} {interval(previews[n])}" for n in sorted(previews))
        return f"grade [{grades}]: "
    return HINTS[stage].replace("1-4", f"1-{options}")


def interval(span: timedelta) -> str:
    """An interval as Anki shows it over its buttons: '<1m', '6m', '3h', '4d', '2.5mo', '1.2y'."""
    seconds = span.total_seconds()
    if seconds < 60:
        return "<1m"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    value, unit = (days / 30, "mo") if days < 365 else (days / 365, "y")
    return f"{value:.1f}".removesuffix(".0") + unit


def retry(stage: str, options: int = 4) -> str:
    """What to type after an answer that made no sense at this stage."""
    if stage == "compute":
        from mlterms.render.exercise import HINT

        return HINT
    return RETRY[stage].replace("1-4", f"1-{options}")


def asked(q: Question) -> str:
    """The recall question, with the heading's article: 'an encoder', 'dropout'."""
    return f"{q.entry.article} {q.entry.term}" if q.entry.article else q.entry.term


def stream(out: Output) -> IO[str]:
    """Where the conversation goes: stderr when stdout is reserved for JSON."""
    return out.stream


def say(out: Output, lines: list[str]) -> None:
    """Plain lines to the conversation stream, wrapped at words on a terminal."""
    out.say(lines)


def styled(*parts: tuple[str, str]):
    """One Rich line from (text, style) pieces; the text is literal, never markup."""
    from rich.text import Text

    return Text.assemble(*((clean(part), style) for part, style in parts))


def when(due: datetime, now: datetime) -> str:
    """'now', 'in 10 minutes', 'in 5 hours', 'in 3 days (2026-11-28)'."""
    seconds = (due - now).total_seconds()
    if round(seconds / 60) < 1:
        return "now"
    if round(seconds / 60) < 60:
        return f"in {plural(round(seconds / 60), 'minute')}"
    if round(seconds / 3600) < 24:
        return f"in {plural(round(seconds / 3600), 'hour')}"
    return f"in {plural(round(seconds / 86400), 'day')} ({due.astimezone():%Y-%m-%d})"


def in_words(due: datetime, now: datetime) -> str:
    """When, as one says it, in local time: 'in 25 minutes', 'today at 18:40', 'tomorrow at 09:10',
    'on Friday at 09:10', 'on 2026-12-24'."""
    minutes = round((due - now).total_seconds() / 60)
    if minutes < 1:
        return "now"
    if minutes < 60:
        return f"in {plural(minutes, 'minute')}"
    local = due.astimezone()
    days = (local.date() - now.astimezone().date()).days
    if days >= 7:
        return f"on {local:%Y-%m-%d}"
    day = "today" if days == 0 else "tomorrow" if days == 1 else f"on {local:%A}"
    return f"{day} at {local:%H:%M}"


# --- one question ----------------------------------------------------------------------------


def question(out: Output, q: AnyQuestion, number: int, total: int) -> None:
    if q.mode == "compute":
        from mlterms.render import quiz_compute

        quiz_compute.question(out, q, number, total)
        return
    head = f"Again ({q.mode}): " if q.relearn else f"Question {number}/{total} ({q.mode}): "
    head += f"what is {asked(q)}?" if q.mode == "recall" else "which term is this?"
    if not out.rich:
        lines = [head, *(f"  - {b}" for b in q.clue)]
        lines += [f"  {i}) {o.term}" for i, o in enumerate(q.options, 1)]
        say(out, ["", *lines])
        return
    out.print()
    out.print(question_panel(q, number, total))


def question_panel(q: Question, number: int, total: int):
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table

    title = styled(("Again" if q.relearn else f"Question {number}/{total}", "bold"), (f" · {q.mode}", "dim"))
    if q.mode == "recall":
        article = f"{q.entry.article} " if q.entry.article else ""
        body = styled(("what is " + article, "dim"), (q.entry.term, "bold cyan"), ("?", "dim"))
        return Panel(body, title=title, title_align="left")
    parts = [text("which term is this?", "dim"), bullet_grid(q.clue)]
    if q.options:
        options = Table.grid(padding=(0, 1))
        options.add_column(style="bold yellow", justify="right")
        options.add_column()
        for i, option in enumerate(q.options, 1):
            options.add_row(f"{i}", text(option.term, "bold"))
        parts += [text(""), options]
    return Panel(Group(*parts), title=title, title_align="left")


def hint(out: Output, message: str) -> None:
    if out.rich:
        out.print(text(message, "yellow"))
    else:
        say(out, [message])


def reveal(out: Output, q: Question) -> None:
    """The real definition of a recall card."""
    if not out.rich:
        say(out, [f"{q.entry.term}:", *(f"  - {b}" for b in q.entry.definition)])
        return
    out.print(text(q.entry.term, "bold cyan"))
    out.print(bullet_grid(q.entry.definition))


def verdict(result: Result) -> tuple[str, str]:
    """The first words of the feedback and their colour (not for compute questions)."""
    if result.question.mode == "recall":
        return f"graded {RATINGS[result.rating]}", "green" if result.correct else "red"
    if result.typo:
        return f"accepted (you wrote '{result.answer}')", "green"
    if result.correct:
        return "right", "green"
    if not result.answer:
        return "don't know" if result.question.mode == "choice" else "no answer", "red"
    verb = "picked" if result.question.mode == "choice" else "wrote"
    return f"wrong (you {verb} '{result.answer}')", "red"


def feedback(out: Output, result: Result, now: datetime) -> None:
    """Right or wrong, the correct term with its first bullet, and when the card comes back."""
    due = f"next review {when(result.due, now)}"
    q = result.question
    if q.mode == "compute":
        from mlterms.render import quiz_compute

        quiz_compute.feedback(out, q, result, due)
        return
    word, colour = verdict(result)
    entry = q.entry
    first = entry.definition[0] if entry.definition and q.mode != "recall" else None
    if not out.rich:
        say(out, [f"{word}: {entry.term}", *([f"  {first}"] if first else []), f"  {due}"])
        return
    mark = "✓ " if result.correct else "✗ "
    out.print(styled((mark + word, f"bold {colour}"), (" · ", "dim"), (entry.term, "bold")))
    from rich.padding import Padding

    if first:
        out.print(Padding(text(first), (0, 0, 0, 2), expand=False))
    out.print(Padding(text(due, "dim"), (0, 0, 0, 2), expand=False))


def undone(out: Output, result: Result) -> None:
    """The answer just taken back; its card is asked again."""
    line = f"undone: {result.label} (asked again)"
    if out.rich:
        out.print(text(line, "yellow"))
    else:
        say(out, [line])


# --- the end of a quiz -----------------------------------------------------------------------


def summary(out: Output, session: Session, now: datetime) -> None:
    """Asked, correct, and the terms to review with their next due dates; JSON with --json."""
    if out.is_json:
        out.json(session_json(session))
        return
    score = f"{session.correct} of {session.asked} right" if session.asked else "no answers recorded"
    review = [(r.label, when(r.due, now)) for r in session.to_review()]
    relearned = relearn_line(session.relearned())
    if not out.rich:
        lines = ["", f"Done: {score}.", *([relearned] if relearned else [])]
        if review:
            width = max(len(term) for term, _ in review)
            lines += ["To review:", *(f"  {term.ljust(width)}  {due}" for term, due in review)]
        say(out, lines)
        return
    out.print()
    out.print(styled(("Done: ", "bold"), (score, "bold green" if not review else "bold")))
    if relearned:
        out.print(text(relearned, "yellow"))
    if review:
        out.print(review_table(review))


def relearn_line(tries: dict[str, int]) -> str:
    """'Relearned: dropout (1 repeat), relu (2 repeats).', or '' when none was missed."""
    if not tries:
        return ""
    return "Relearned: " + ", ".join(f"{term} ({plural(n, 'repeat')})" for term, n in tries.items()) + "."


def review_table(review: list[tuple[str, str]]):
    from rich.table import Table

    table = Table(title=text("to review", "dim"), title_justify="left", show_header=False, box=None)
    table.add_column(style="bold red")
    table.add_column(style="dim")
    for term, due in review:
        table.add_row(text(term), due)
    return table


def nothing_due(
    out: Output, next_due: datetime | None, now: datetime, anyway: str = "mlterms quiz --all"
) -> None:
    """No card to ask: when the next one is due, and how to practise anyway."""
    if out.is_json:
        out.json({"asked": 0, "correct": 0, "relearned": {}, "results": []})
    line = "Nothing due"
    if next_due:
        line += f"; next card {in_words(next_due, now)}"
    line += f". Practise anyway with: {anyway}"
    if out.rich:
        out.print(text(line, "green"))
    else:
        say(out, [line])


# --- JSON ------------------------------------------------------------------------------------


def stamp(when: datetime | None) -> str | None:
    """A date as JSON has it: ISO 8601 to the second, with its offset."""
    return when.isoformat(timespec="seconds") if when else None


def shown(q: AnyQuestion) -> dict[str, Any]:
    """The question as it was shown: its prompt lines and its options' names."""
    if q.mode == "compute":
        from mlterms.render import quiz_compute

        return quiz_compute.shown(q)
    prompt = [f"what is {asked(q)}?"] if q.mode == "recall" else list(q.clue)
    return {"prompt": prompt, "options": [o.term for o in q.options]}


def result_json(result: Result) -> dict[str, Any]:
    """One answer; a compute one adds `expected` (the value), `given`, `demo` and `seed`."""
    q = result.question
    data = {
        "term": result.term,
        "mode": q.mode,
        "answer": result.answer,
        "correct": result.correct,
        "rating": RATINGS[result.rating],
        "due": stamp(result.due),
        "relearn": result.relearn,
        "question": shown(q),
    }
    if q.mode == "compute":
        from mlterms.render import quiz_compute

        data |= quiz_compute.extra_json(q)
    return data


def session_json(session: Session) -> dict[str, Any]:
    """`{"asked", "correct", "relearned", "results"}`: what `quiz --json` prints at the end.
    `asked` and `correct` count first tries; relearning repeats are results with `relearn`."""
    return {
        "asked": session.asked,
        "correct": session.correct,
        "relearned": session.relearned(),
        "results": [result_json(r) for r in session.results],
    }
