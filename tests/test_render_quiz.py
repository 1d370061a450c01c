"""The quiz's words for time: grade previews and when the next card is due."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone

import pytest

from mlterms.render.quiz import in_words, interval, prompt


@pytest.fixture
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(30, "<1m"), (60, "1m"), (600, "10m"), (5400, "2h"), (86400 * 4, "4d"), (86400 * 75, "2.5mo"),
     (86400 * 60, "2mo"), (86400 * 365 * 1.2, "1.2y")],
)  # fmt: skip
def test_intervals_read_as_anki_shows_them(seconds, shown):
    assert interval(timedelta(seconds=seconds)) == shown


def test_the_grade_prompt_shows_each_grade_interval():
    previews = {
        1: timedelta(seconds=30),
        2: timedelta(minutes=6),
        3: timedelta(minutes=10),
        4: timedelta(days=4),
    }
    assert prompt("grade", 4, previews) == "grade [1 again <1m · 2 hard 6m · 3 good 10m · 4 easy 4d]: "
    assert prompt("grade", 4) == "grade [1 again, 2 hard, 3 good, 4 easy]: "


def test_when_the_next_card_is_due_in_words(utc):
    now = datetime(2026, 11, 25, 16, 30, tzinfo=timezone.utc)  # a Wednesday
    assert in_words(now + timedelta(minutes=25), now) == "in 25 minutes"
    assert in_words(now + timedelta(hours=2, minutes=10), now) == "today at 18:40"
    assert in_words(datetime(2026, 11, 26, 9, 10, tzinfo=timezone.utc), now) == "tomorrow at 09:10"
    assert in_words(datetime(2026, 11, 27, 9, 10, tzinfo=timezone.utc), now) == "on Friday at 09:10"
    assert in_words(datetime(2026, 12, 24, 9, 10, tzinfo=timezone.utc), now) == "on 2026-12-24"


def test_the_heatmap_has_a_column_per_week_and_a_row_per_weekday():
    from mlterms.render.quiz_stats import LEVELS, heatmap, heatmap_lines, level

    today = date(2026, 11, 25)  # a Wednesday
    days = {today: 9, today - timedelta(days=1): 1, today - timedelta(weeks=19, days=2): 3}
    grid = heatmap(days, today)
    assert len(grid) == 7 and all(len(row) == 20 for row in grid)
    assert grid[2][19] == level(9) == 4 and grid[1][19] == 1 and grid[0][0] == 2  # the Monday 19 weeks back
    assert grid[3][19] is None and grid[6][19] is None  # days to come
    assert sum(x or 0 for row in grid for x in row) == 4 + 1 + 2
    lines = heatmap_lines(grid)
    assert lines[2].startswith("Wed ") and lines[2].endswith(LEVELS[4]) and max(map(len, lines)) <= 80
