"""What a quiz is asked to be. Light: the CLI imports it at start-up, before any FSRS code."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

Kind = Literal["choice", "recall", "typed"]  # the kind of one question
KINDS: tuple[Kind, ...] = ("choice", "recall", "typed")


class Mode(str, Enum):
    """The kind of question asked: one kind, or a random kind per card (mixed, never compute).
    compute asks the demos' exercises, cards of their own (mlterms.quiz.compute)."""

    choice = "choice"
    recall = "recall"
    typed = "typed"
    mixed = "mixed"
    compute = "compute"


KIND_OF: dict[Mode, Kind] = {Mode.choice: "choice", Mode.recall: "recall", Mode.typed: "typed"}


@dataclass(frozen=True)
class QuizOptions:
    """One quiz: `count` cards at most, of which at most `new` never seen; `everything` ignores the
    schedule; `terms` (names as typed) limits the quiz to those and practises them due or not;
    `seed` fixes the order, the kinds and the options."""

    mode: Mode = Mode.mixed
    count: int = 10
    new: int = 10
    everything: bool = False
    terms: tuple[str, ...] = ()
    seed: int | None = None
