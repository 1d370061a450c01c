"""The quiz's side of the conversation: reading an answer, and the loop's Conversation on a terminal
or a pipe (mlterms.quiz.session.Conversation). `mlterms demo --exercise` reads its answers here too.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import IO, TYPE_CHECKING

from mlterms.render import Output
from mlterms.render import quiz as draw

if TYPE_CHECKING:
    from mlterms.quiz.questions import Question
    from mlterms.quiz.session import AnyQuestion, Result, Stage


def utcnow() -> datetime:
    """The quiz's clock: the library takes the time as an argument."""
    return datetime.now(timezone.utc)


def read_line(prompt: str, stream: IO[str] | None = None) -> str:
    """One answer. On a terminal: line editing, prompt on `stream`. In a pipe: the next line,
    echoed after the prompt so the transcript reads well. EOFError at the end of input."""
    stream = stream or sys.stdout
    if sys.stdin is None:  # started with stdin closed (`mlterms quiz <&-`)
        raise EOFError
    with contextlib.suppress(AttributeError, ValueError):
        # a stray byte in an answer is no reason for a traceback
        sys.stdin.reconfigure(errors="replace")  # type: ignore[union-attr]
    if sys.stdin.isatty() and stream is sys.stdout and stream.isatty():
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (arrow keys and history for input(); loaded only on a terminal)
        return input(prompt)
    stream.write(prompt)
    stream.flush()
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    if not sys.stdin.isatty():
        stream.write(line if line.endswith("\n") else line + "\n")
    return line.rstrip("\r\n")


class Terminal:
    """The quiz loop's Conversation on stdin and the Output: prompts, questions, feedback."""

    def __init__(self, out: Output, clock: Callable[[], datetime]):
        self.out, self.clock = out, clock
        self.previews: dict[int, timedelta] = {}  # what each grade schedules, for the grade prompt

    def show(self, question: AnyQuestion, number: int, total: int) -> None:
        draw.question(self.out, question, number, total)

    def read(self, stage: Stage, options: int) -> str:
        previews = self.previews if stage == "grade" else None
        return read_line(draw.prompt(stage, options, previews), draw.stream(self.out))

    def retry(self, stage: Stage, options: int) -> None:
        draw.hint(self.out, draw.retry(stage, options))

    def reveal(self, question: Question, previews: dict[int, timedelta]) -> None:
        self.previews = previews
        draw.reveal(self.out, question)

    def feedback(self, result: Result) -> None:
        draw.feedback(self.out, result, self.clock())

    def undone(self, result: Result) -> None:
        draw.undone(self.out, result)
