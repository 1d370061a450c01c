"""The review log: CSV export in the optimizer's schema, counting usable reviews, --optimize."""

from __future__ import annotations

import csv
import json
import random
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from mlterms.cli import app
from mlterms.quiz import reviewlog
from mlterms.quiz.state import Progress

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MLTERMS_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def synthetic(path, cards, reviews, rng, gap=timedelta(days=2)):
    """`cards` cards of `reviews` reviews each, `gap` apart: a learner who mostly remembers."""
    progress = Progress.open(path, fuzz=False, persist=False)  # in memory, then one save: fast
    for c in range(cards):
        for n in range(reviews):
            rating = 1 if rng.random() < 0.15 else 3
            progress.review(f"term{c}", f"term {c}", rating, T0 + n * gap + timedelta(minutes=c), ms=1000 + c)
    progress.persist = True
    progress.save(set(progress.cards))
    return progress


def test_the_export_replays_each_card_state_before_each_review(home, tmp_path):
    progress = Progress.open(home / "state.json", fuzz=False)
    ratings = [3, 3, 3, 1, 3]  # new -> learning -> review ... lapse -> relearning -> review
    for n, rating in enumerate(ratings):
        progress.review("relu", "relu", rating, T0 + timedelta(days=n * 5), ms=None if n == 0 else 700)
    out = tmp_path / "log.csv"
    result = CliRunner().invoke(app, ["quiz", "--export-log", str(out)])
    assert result.exit_code == 0 and "Wrote 5 reviews" in result.stdout
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["card_id", "review_time", "review_rating", "review_state", "review_duration"]
    assert [int(r["review_rating"]) for r in rows] == ratings
    times = [int(T0.timestamp() * 1000) + n * 5 * 86400 * 1000 for n in range(5)]
    assert [int(r["review_time"]) for r in rows] == times
    assert [r["review_duration"] for r in rows] == ["", "700", "700", "700", "700"]  # none made up
    # learning steps 1m, 10m: new(0) -> good -> learning(1) -> good -> review(2) -> again -> relearning(3)
    assert [int(r["review_state"]) for r in rows] == [0, 1, 2, 2, 3]
    assert {r["card_id"] for r in rows} == {str(progress.get("relu").card.card_id)}


def test_export_to_a_missing_folder_is_a_one_line_error(home, tmp_path):
    result = CliRunner().invoke(app, ["quiz", "--export-log", str(tmp_path / "nope" / "log.csv")])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "no such folder" in result.stderr


def test_usable_reviews_are_counted_as_py_fsrs_counts_them(tmp_path):
    rng = random.Random(0)
    progress = synthetic(
        tmp_path / "s.json", 2, 70, rng
    )  # 70 reviews 2 days apart: 63 usable of the first 64
    same_day = Progress.open(tmp_path / "s.json", fuzz=False)
    for n in range(3):
        same_day.review("quick", "quick", 3, T0 + timedelta(hours=n))  # hours apart: none usable
    assert reviewlog.usable(Progress.open(tmp_path / "s.json")) == 2 * 63
    assert progress is not None


def test_optimize_below_the_threshold_says_how_many_more(home):
    synthetic(home / "state.json", 3, 5, random.Random(1))
    result = CliRunner().invoke(app, ["quiz", "--optimize"])
    assert result.exit_code == 1
    assert "12 usable, 500 more needed" in result.stdout


def test_optimize_fits_saves_and_reschedules(home):
    synthetic(home / "state.json", 60, 10, random.Random(2))  # 60 x 9 = 540 usable reviews
    before = Progress.open(home / "state.json")
    result = CliRunner().invoke(app, ["quiz", "--optimize", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    saved = json.loads((home / "state.json").read_text())["scheduler"]["parameters"]
    assert data["reviews"] == 540 and saved == data["parameters"] and len(saved) == 21
    from fsrs.scheduler import DEFAULT_PARAMETERS

    assert saved != list(DEFAULT_PARAMETERS)
    after = Progress.open(home / "state.json")
    assert after.parameters == saved
    assert any(after.get(k).due != before.get(k).due for k in before.cards)  # rescheduled


def test_optimize_keeps_what_a_quiz_saves_during_the_fit(home, monkeypatch):
    from fsrs import Scheduler
    from fsrs.scheduler import DEFAULT_PARAMETERS

    synthetic(home / "state.json", 3, 5, random.Random(3))
    fitted = [w * 1.5 for w in DEFAULT_PARAMETERS[:4]] + list(DEFAULT_PARAMETERS[4:])  # first stabilities
    later = T0 + timedelta(days=30)

    def fit(logs):  # meanwhile, a quiz answers a new card and an old one
        quiz = Progress.open(home / "state.json", fuzz=False)
        quiz.review("term0", "term 0", 1, later, ms=900)
        quiz.review("dropout", "dropout", 3, later, ms=800)
        return fitted

    monkeypatch.setattr(reviewlog, "fit", fit)
    reviewlog.optimize(Progress.open(home / "state.json", fuzz=False))
    after = Progress.open(home / "state.json", fuzz=False)
    assert after.parameters == fitted
    assert after.get("dropout").reviews == 1 and after.get("term0").reviews == 6
    scheduler = Scheduler(parameters=fitted, enable_fuzzing=False)
    for key in ("dropout", "term0", "term1"):  # every card rescheduled with the fitted parameters
        record = after.get(key)
        want = scheduler.reschedule_card(record.card, reviewlog.review_logs(record))
        assert (record.card.stability, record.card.due) == (want.stability, want.due)
