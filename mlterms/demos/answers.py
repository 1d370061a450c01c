"""Grading a typed answer to a demo exercise: parse what the learner typed, compare with tolerance.

An answer is a number, or a shape or tuple of numbers. It is typed as numbers separated by
spaces or commas, with or without brackets: `0.25`, `1 16 5 5`, `(1, 16, 5, 5)`, `[2,3]`.
A nested answer (a small matrix) is compared flattened, in row-major order. Nothing here
prints, reads input or imports torch: the demo command and the quiz both call it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from mlterms.demos.report import Exercise

SEPARATORS = re.compile(r"[\s,;]+")
BRACKETS = "()[]{}"
SLACK = 1e-9  # float noise: 0.1 typed for 0.1 computed as 0.1000000000000001 is right


@dataclass(frozen=True)
class Graded:
    """The outcome of one answer: what was typed (parsed), and whether it is right."""

    exercise: Exercise
    typed: list[float] | None  # None: no answer given (Enter, or end of input)
    right: bool


def parse(text: str) -> list[float] | None:
    """The numbers in `text`, or None when it is not a list of numbers; [] for a blank answer."""
    stripped = text.strip().translate({ord(c): " " for c in BRACKETS})
    words = [w for w in SEPARATORS.split(stripped) if w]
    try:
        values = [float(w.replace("_", "")) for w in words]
    except ValueError:
        return None
    return None if any(math.isnan(v) for v in values) else values


def flat(answer: Any) -> list[float]:
    """The expected answer as a flat list of numbers (a number is a list of one)."""
    if isinstance(answer, (list, tuple)):
        return [v for item in answer for v in flat(item)]
    return [float(answer)]


def is_right(typed: list[float], exercise: Exercise) -> bool:
    """As many numbers as the answer has, each within the exercise's tolerance."""
    want = flat(exercise.answer)
    if len(typed) != len(want):
        return False
    return all(
        abs(t - w) <= exercise.tolerance + SLACK * max(1.0, abs(w)) for t, w in zip(typed, want, strict=True)
    )


def grade(exercise: Exercise, text: str | None) -> Graded | None:
    """Grade a typed line: None when it cannot be read as numbers (ask again), else the verdict.

    A blank line or None (end of input) means no answer: wrong, and the answer is shown."""
    values = [] if text is None else parse(text)
    if values is None:
        return None
    if not values:
        return Graded(exercise, None, False)
    return Graded(exercise, values, is_right(values, exercise))
