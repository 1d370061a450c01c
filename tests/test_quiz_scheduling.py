"""Scheduling: which cards are asked, and the statistics."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest

from mlterms.glossary import parse
from mlterms.quiz import scheduling as s
from mlterms.quiz.cards import AGAIN, EASY, GOOD, HARD, card_key
from mlterms.quiz.session import Session
from mlterms.quiz.state import Progress

from .quizdata import NOTES, T0, ask_plan


def test_due_cards_come_first_then_at_most_new_new_ones(glossary, progress):
    progress.review("softmax", "softmax", AGAIN, T0)  # due again in a minute
    progress.review("relu", "relu", AGAIN, T0 - timedelta(minutes=5))  # due earlier
    progress.review("gelu", "gelu", EASY, T0)  # due in days: not asked
    later = T0 + timedelta(minutes=30)
    asked = [x.entry.term for x in ask_plan(glossary, progress, now=later, new=2)]
    assert asked[:2] == ["relu", "softmax"] and len(asked) == 4 and "gelu" not in asked
    assert [x.entry.term for x in ask_plan(glossary, progress, now=later, count=1)] == ["relu"]
    assert ask_plan(glossary, progress, now=T0 - timedelta(minutes=30), new=0) == []


def test_with_nothing_due_cards_due_within_20_minutes_are_learned_ahead(glossary, progress):
    progress.review("relu", "relu", AGAIN, T0)  # due at T0 + 1 minute
    progress.review("softmax", "softmax", GOOD, T0)  # due at T0 + 10 minutes
    progress.review("gelu", "gelu", EASY, T0)  # due in days
    early = T0 - timedelta(minutes=15)  # relu due in 16 minutes, softmax in 25
    assert [x.entry.term for x in ask_plan(glossary, progress, now=early, new=0)] == ["relu"]
    assert ask_plan(glossary, progress, now=T0 - timedelta(minutes=20), new=0) == []
    fresh = [x.entry.term for x in ask_plan(glossary, progress, now=early, new=1)]
    assert len(fresh) == 1 and fresh[0] not in (
        "relu",
        "softmax",
        "gelu",
    )  # a new card: nothing learned ahead


def test_all_ignores_the_schedule(glossary, progress):
    for term in ("softmax", "relu", "gelu"):
        progress.review(term, term, EASY, T0)
    assert len(ask_plan(glossary, progress, new=0, everything=True)) == 7


def test_stats(glossary, progress):
    progress.review("dropout", "dropout", AGAIN, T0)
    progress.review("softmax", "softmax", GOOD, T0)
    progress.review("relu", "relu", EASY, T0)
    progress.review("gelu", "gelu", HARD, T0)
    now = T0 + timedelta(minutes=5)
    data = s.stats(glossary, progress, now)
    dues = {k: r.due for k, r in progress.cards.items()}
    assert (data.cards, data.seen, data.new, data.reviews, data.orphans) == (7, 4, 3, 4, 0)
    assert data.due_now == sum(d <= now for d in dues.values()) == 1  # dropout
    soon = sum(now < d <= now + timedelta(days=7) for d in dues.values())
    assert data.due_soon == soon == 2  # softmax and gelu; relu, 'easy', is due in over a week
    assert data.retention == pytest.approx(3 / 4)
    assert [h.term for h in data.hardest] == ["dropout", "gelu"]  # a lapse first, then 'hard'
    assert data.next_due == min(d for d in dues.values() if d > now)
    assert data.path == progress.path


def test_due_in_7_days_does_not_count_the_cards_due_now(glossary, progress):
    progress.review("dropout", "dropout", AGAIN, T0)
    data = s.stats(glossary, progress, T0 + timedelta(hours=1))
    assert (data.due_now, data.due_soon) == (1, 0)


def test_stats_before_any_answer(glossary, progress):
    data = s.stats(glossary, progress, T0)
    assert (data.seen, data.retention, data.next_due, data.hardest) == (0, None, None, [])


def test_a_changed_glossary_keeps_orphans_and_never_asks_them(glossary, progress):
    progress.review("dropout", "dropout", GOOD, T0)
    progress.review("softmax", "softmax", AGAIN, T0)
    renamed = parse(
        NOTES.replace("### what is softmax", "### what is soft-arg-max").replace("dropout", "Dropout")
    )
    later = T0 + timedelta(days=30)
    asked = ask_plan(renamed, progress, now=later, count=50, everything=True)
    assert "soft-arg-max" in [x.entry.term for x in asked]
    assert progress.get("dropout").term == "dropout"  # case changed: same card
    assert s.stats(renamed, progress, later).orphans == 1
    Session(renamed, progress).typed(next(x for x in asked if x.entry.term == "Dropout"), "dropout", later)
    kept = Progress.open(progress.path).cards
    assert set(kept) == {"dropout", "softmax"} and kept["dropout"].reviews == 2


def test_new_cards_come_after_the_new_cards_they_build_on():
    from mlterms.links import of

    text = "".join(
        f"### what is {t}\n- {t} things\n" + (f"- builds on: {', '.join(b)}\n" if b else "")
        for t, b in [
            ("transformer", ["attention", "softmax"]),
            ("attention", ["softmax"]),
            ("softmax", []),
            ("x", []),
        ]
    )
    glossary = parse(text)
    prereqs = of(glossary).builds_on
    for seed in range(30):
        chosen = s.select(
            glossary.entries,
            Progress(Path("/nonexistent")),
            key=card_key,
            count=10,
            new=10,
            now=T0,
            rng=random.Random(seed),
            prerequisites=prereqs,
        )
        order = [e.term for e in chosen]
        assert sorted(order) == sorted(e.term for e in glossary.entries)
        assert order.index("softmax") < order.index("attention") < order.index("transformer")
