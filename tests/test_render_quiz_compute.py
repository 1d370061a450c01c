"""Compute questions of the quiz drawn: the demo command to run, the prompt as JSON has it, feedback."""

from __future__ import annotations

from datetime import datetime, timezone

from mlterms.demos.report import Exercise
from mlterms.quiz.compute import ComputeQuestion, ExerciseCard
from mlterms.quiz.session import Result
from mlterms.render.quiz_compute import command, extra_json, feedback_lines, shown


def question(demo: str = "l1 loss", seed: int = 3) -> ComputeQuestion:
    """A compute question whose exercise is given, so that no demo runs."""
    q = ComputeQuestion(ExerciseCard(demo, "mae", demo), seed)
    q.__dict__["exercise"] = Exercise(
        "mae", "What is the L1 loss?", 0.25, {"pred": [1.0, 2.0], "w": [[1, 2], [3, 4]]}, 0.001
    )
    return q


def result(q: ComputeQuestion, answer: str, correct: bool) -> Result:
    return Result(q, answer, correct, 3 if correct else 1, datetime(2026, 1, 1, tzinfo=timezone.utc))


def test_the_command_reruns_the_demo_at_the_question_seed_and_quotes_names_with_spaces():
    assert command(question("l1 loss", 17)) == "mlterms demo 'l1 loss' --seed 17"
    assert command(question("softmax", 0)) == "mlterms demo softmax --seed 0"


def test_json_has_the_prompt_as_shown_no_options_and_the_value():
    q = question()
    lines = [
        "What is the L1 loss?",
        "pred = [1.0, 2.0]",
        "w (2, 2) =",
        "  [1, 2]",
        "  [3, 4]",
        "(within 0.001)",
    ]
    assert shown(q) == {"prompt": lines, "options": []}
    extra = extra_json(q)
    assert (extra["expected"], extra["exercise"], extra["demo"], extra["seed"]) == (0.25, "mae", "l1 loss", 3)


def test_only_a_miss_shows_the_demo_run():
    q = question()
    assert feedback_lines(q, result(q, "0.2502", True)) == ("right: 0.25", "bold green", [])
    line, _, notes = feedback_lines(q, result(q, "0.3", False))
    assert (line, notes) == ("wrong: the answer is 0.25 (you said 0.3)", [f"computed by: {command(q)}"])
    line, _, notes = feedback_lines(q, result(q, "", False))
    assert (line, notes) == ("don't know: the answer is 0.25", [f"computed by: {command(q)}"])
