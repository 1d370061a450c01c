"""Compute cards: the demos' exercises as quiz cards (--mode compute), through the library and CliRunner.

Expected values come from the demos themselves: the test runs the demo under the seed the quiz
uses and reads the exercise's answer, as a learner could with `mlterms demo NAME --seed S`.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlterms.cli import app
from mlterms.demos import registry
from mlterms.glossary import bundled_path, load, parse
from mlterms.names import key
from mlterms.quiz import compute
from mlterms.quiz.cards import exercise_key
from mlterms.quiz.options import Mode, QuizOptions
from mlterms.quiz.state import Progress
from mlterms.render.exercise import answer_text

DEMO = "l1 loss"  # two exercises whose inputs change with the seed; a fast demo


@pytest.fixture
def state_path(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MLTERMS_HOME", str(home))
    return home / "state.json"


@pytest.fixture
def bundled():
    return load(bundled_path())


def invoke(*args, input=None, glossary: Path | None = None):
    head = ["--glossary", str(glossary)] if glossary else []
    return CliRunner().invoke(app, [*head, "quiz", "--mode", "compute", *args], input=input)


def exercise_of(card: compute.ExerciseCard, seed: int):
    """The exercise as the demo computes it under this seed."""
    return next(e for e in registry.run(card.demo, seed).exercises if e.id == card.id)


def planned(glossary, state_path, seed: int, **kw) -> list[compute.ComputeQuestion]:
    """The compute questions the command will ask with --seed, worked out through the library."""
    terms = kw.pop("terms", ())
    cards = compute.catalog(glossary)
    entries = [e for e in glossary.entries if any(key(n) in {key(t) for t in terms} for n in e.names)]
    pool = compute.of_entries(cards, entries) if terms else cards
    options = QuizOptions(mode=Mode.compute, seed=seed, terms=tuple(terms), **kw)
    progress = Progress.open(state_path, fuzz=False)
    return compute.plan(pool, progress, options, now=datetime.now(timezone.utc), rng=random.Random(seed))


def wrong(answer) -> str:
    """A typed answer far from the right one, whatever its tolerance."""
    values = answer if isinstance(answer, list) else [answer]
    return " ".join(str(v + 1000) for v in values)


# --- the catalog -----------------------------------------------------------------------------


def test_the_catalog_has_one_card_per_exercise_of_every_demo(bundled):
    cards = compute.catalog(bundled)
    ids = registry.exercise_ids()
    assert [(c.demo, c.id) for c in cards] == [(d, i) for d in sorted(ids) for i in ids[d]]
    assert len({c.key for c in cards}) == len(cards)
    assert all(c.key == f"exercise:{key(c.demo)}:{c.id}" for c in cards)
    terms = {e.term for e in bundled.entries}
    assert all(c.term in terms for c in cards)  # every bundled demo belongs to an entry


def test_a_demo_belongs_to_the_entry_that_has_its_name_as_an_alias():
    glossary = parse("### what is a softmax function\n- aka: softmax\n- scores to probabilities\n")
    cards = compute.catalog(glossary)
    mine = [c for c in cards if c.demo == "softmax"]
    assert mine and {c.term for c in mine} == {"softmax function"}
    assert compute.of_entries(cards, glossary.entries) == mine
    assert {c.term for c in cards if c.demo == "relu"} == {"relu"}  # not in these notes: its own name


def test_a_repeat_asks_new_numbers():
    card = compute.ExerciseCard(DEMO, "mae", "l1 loss")
    first = compute.ComputeQuestion(card, 7)
    again = first.again()
    assert (again.seed, again.relearn, again.key) == (8, True, exercise_key(DEMO, "mae"))
    assert again.exercise.given != first.exercise.given
    assert first.exercise.answer == exercise_of(card, 7).answer


def test_a_failing_demo_is_one_error(monkeypatch):
    def broken(name, seed=0, values=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(registry, "run", broken)
    compute.report.cache_clear()
    question = compute.ComputeQuestion(compute.ExerciseCard(DEMO, "mae", "l1 loss"), 12345)
    with pytest.raises(compute.DemoFailed, match="demo 'l1 loss' failed: RuntimeError: boom"):
        question.exercise  # noqa: B018
    compute.report.cache_clear()


# --- the command -----------------------------------------------------------------------------


def test_cli_right_then_wrong_then_relearned(bundled, state_path):
    first, second = planned(bundled, state_path, seed=5, terms=[DEMO])
    right = answer_text(exercise_of(first.card, 5).answer)
    repeat = exercise_of(second.card, 6)  # the repeat of a miss runs the demo at the next seed
    answers = f"{right}\n{wrong(exercise_of(second.card, 5).answer)}\n{answer_text(repeat.answer)}\n"
    result = invoke("-t", DEMO, "--seed", "5", "--json", input=answers)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["asked"], data["correct"]) == (2, 1)
    assert data["relearned"] == {f"l1 loss/{second.card.id}": 1}
    one, two, three = data["results"]
    assert [(r["exercise"], r["correct"], r["relearn"], r["seed"]) for r in data["results"]] == [
        (first.card.id, True, False, 5),
        (second.card.id, False, False, 5),
        (second.card.id, True, True, 6),
    ]
    assert (one["mode"], one["term"], one["rating"], two["rating"]) == ("compute", "l1 loss", "good", "again")
    assert three["expected"] == repeat.answer and three["given"] == repeat.given
    assert three["question"]["prompt"][0] == repeat.question and three["question"]["options"] == []
    assert any(line.startswith(next(iter(repeat.given))) for line in three["question"]["prompt"][1:])
    # a wrong answer shows the value and the demo run that computed it
    value = answer_text(exercise_of(second.card, 5).answer)
    assert f"wrong: the answer is {value} (you said" in result.stderr
    assert "computed by: mlterms demo 'l1 loss' --seed 5" in result.stderr
    records = Progress.open(state_path).cards
    assert sorted(records) == sorted(c.key for c in (first.card, second.card))
    assert [x.rating for x in records[second.key].log] == [1, 3]


def test_cli_the_seed_fixes_the_numbers_and_another_gives_others(state_path):
    def given(seed: int) -> list:
        result = invoke("-t", DEMO, "--seed", str(seed), "--no-save", "--json", input="\n1\n1\n1\n")
        return [(r["exercise"], r["given"], r["expected"]) for r in json.loads(result.stdout)["results"]]

    card = compute.ExerciseCard(DEMO, "mae", "l1 loss")
    assert given(3) == given(3)
    assert given(3) != given(4)
    [(_, shown, expected)] = [g for g in given(4) if g[0] == "mae"][:1]
    assert (shown, expected) == (exercise_of(card, 4).given, exercise_of(card, 4).answer)
    assert not state_path.parent.exists()  # --no-save: nothing written


def test_cli_dont_know_unclear_answers_and_undo(bundled, state_path):
    first, _ = planned(bundled, state_path, seed=2, terms=[DEMO])
    right = answer_text(exercise_of(first.card, 2).answer)
    result = invoke("-t", DEMO, "--seed", "2", input=f"what?\n\n:u\n{right}\n")
    assert result.exit_code == 0
    assert result.stdout.count("Type a number, or numbers separated by spaces or commas") == 1
    assert f"don't know: the answer is {right}" in result.stdout
    assert f"undone: l1 loss/{first.card.id} (asked again)" in result.stdout
    assert f"right: {right}" in result.stdout
    assert [x.rating for x in Progress.open(state_path).get(first.key).log] == [3]  # the miss is undone


def test_cli_compute_cards_are_asked_only_in_compute_mode(tmp_path, state_path):
    notes = tmp_path / "notes.md"
    notes.write_text(
        "### relu\n- max(0, x)\n\n### gelu\n- x times the normal CDF\n\n### softmax\n- probabilities\n"
    )
    progress = Progress.open(state_path, fuzz=False)
    long_ago = datetime.now(timezone.utc) - timedelta(days=30)
    for card in compute.catalog(parse(notes.read_text()))[:5]:
        progress.review(card.key, card.term, 3, long_ago)  # due now
    result = CliRunner().invoke(app, ["-g", str(notes), "quiz", "--new", "0"])
    assert result.exit_code == 1 and "Nothing due" in result.stdout  # not counted in other modes
    result = CliRunner().invoke(
        app, ["-g", str(notes), "quiz", "--count", "3", "--json", "--no-save"], input="1\n" * 40
    )
    data = json.loads(result.stdout)
    assert {r["mode"] for r in data["results"]} <= {"choice", "recall", "typed"}  # mixed: never compute
    assert data["asked"] == 3  # the due exercises take no place among the 3 (nor among --new)
    result = invoke("--new", "0", "--no-save", input="", glossary=notes)
    assert "Question 1/5 (compute)" in result.stdout  # the due ones, in compute mode


def test_cli_a_term_without_exercises_and_nothing_due(tmp_path, state_path):
    notes = tmp_path / "notes.md"
    notes.write_text("### zebra crossing\n- a road marking\n\n### relu\n- max(0, x)\n")
    result = invoke("-t", "zebra crossing", glossary=notes)
    assert result.exit_code == 1
    assert result.stderr == (
        "mlterms: 'zebra crossing' has no exercises to compute. Demos with exercises: mlterms demo --list\n"
    )
    result = invoke("--new", "0", glossary=notes)
    assert result.exit_code == 1
    assert "Nothing due. Practise anyway with: mlterms quiz --mode compute --all" in result.stdout


def test_cli_stats_count_exercise_cards_apart(bundled, state_path):
    first, _ = planned(bundled, state_path, seed=1, terms=[DEMO])
    invoke("-t", DEMO, "--seed", "1", input=f"{answer_text(exercise_of(first.card, 1).answer)}\n")
    total = sum(len(ids) for ids in registry.exercise_ids().values())
    result = CliRunner().invoke(app, ["quiz", "--stats"])
    assert (
        f"compute        1 of {total} exercises seen, 0 due now, 100% right (--mode compute)" in result.stdout
    )
    data = json.loads(CliRunner().invoke(app, ["quiz", "--stats", "--json"]).stdout)
    assert (data["seen"], data["reviews"], data["orphans"]) == (0, 0, 0)  # term cards only
    assert data["compute"] | {"next_due": None} == {
        "cards": total, "seen": 1, "new": total - 1, "due_now": 0, "reviews": 1, "retention": 1.0,
        "next_due": None,
    }  # fmt: skip
    assert data["compute"]["next_due"] == Progress.open(state_path).get(first.key).due.isoformat(
        timespec="seconds"
    )
