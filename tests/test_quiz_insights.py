"""The review history over time: days, streak, forecast, mature retention, weakest, answer time."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from fsrs import Scheduler

from mlterms.quiz import insights as ins
from mlterms.quiz.stored import Record, Review, new_card

UTC = timezone.utc
PLUS_5 = timezone(timedelta(hours=5))


def record(key, times, ratings=None, ms=None, due=None):
    ratings = ratings or [3] * len(times)
    ms = ms or [None] * len(times)
    card = new_card(key, times[0])
    if due:
        card.due = due
    log = [Review(t.isoformat(), r, m) for t, r, m in zip(times, ratings, ms, strict=True)]
    return Record(key, card, log)


def test_reviews_are_counted_on_local_days():
    at = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)  # 02:00 on the 25th at UTC+5
    r = record("a", [at, at + timedelta(hours=1), at - timedelta(days=2)])
    assert ins.reviews_by_day([r], UTC) == {date(2026, 11, 22): 1, date(2026, 11, 24): 2}
    assert ins.reviews_by_day([r], PLUS_5) == {date(2026, 11, 23): 1, date(2026, 11, 25): 2}


def test_the_streak_counts_days_in_a_row_up_to_today_or_yesterday():
    today = date(2026, 11, 25)
    days = {today - timedelta(days=n): 1 for n in (0, 1, 2, 4)}
    assert ins.streak(days, today) == 3
    assert ins.streak({d: n for d, n in days.items() if d != today}, today) == 2  # not yet today
    assert ins.streak(days, today + timedelta(days=2)) == 0


def test_the_forecast_puts_overdue_cards_today():
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    dues = [
        now - timedelta(days=3),
        now + timedelta(hours=2),
        now + timedelta(days=1),
        now + timedelta(days=13),
        now + timedelta(days=14),
    ]
    records = [record(str(i), [now - timedelta(days=5)], due=d) for i, d in enumerate(dues)]
    forecast = ins.due_forecast(records, now, UTC)
    assert (
        len(forecast) == 14
        and forecast[0] == 2
        and forecast[1] == 1
        and forecast[13] == 1
        and sum(forecast) == 4
    )


def test_observed_retention_counts_only_reviews_21_days_or_more_after_the_previous_one():
    t = datetime(2026, 1, 1, tzinfo=UTC)
    young = record("y", [t, t + timedelta(days=2)], [3, 1])  # a lapse, but not mature
    old = record(
        "o", [t, t + timedelta(days=30), t + timedelta(days=60), t + timedelta(days=81)], [3, 3, 1, 3]
    )
    assert ins.observed_retention([young]) is None
    assert ins.observed_retention([young, old]) == 2 / 3


def test_the_weakest_cards_have_the_lowest_retrievability():
    now = datetime(2026, 11, 25, tzinfo=UTC)
    scheduler = Scheduler(enable_fuzzing=False)
    cards = {}
    for key, ago in (("fresh", 1), ("stale", 40), ("middle", 10)):
        card, _ = scheduler.review_card(new_card(key, now), 3, now - timedelta(days=ago))
        cards[key] = Record(key, card)
    weakest = ins.weakest(list(cards.items()), scheduler, now, limit=2)
    assert [w.term for w in weakest] == ["stale", "middle"]
    assert weakest[0].retrievability == scheduler.get_card_retrievability(cards["stale"].card, now)


def test_seconds_per_answer_ignores_reviews_without_a_duration():
    t = datetime(2026, 11, 25, tzinfo=UTC)
    r = record("a", [t, t, t], ms=[1000, None, 4000])
    assert ins.seconds_per_answer([r]) == 2.5 and ins.seconds_per_answer([record("b", [t])]) is None
