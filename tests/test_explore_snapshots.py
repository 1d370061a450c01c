"""SVG snapshots of the explorer's main screens at 80x24 and 120x40 (pytest-textual-snapshot).

After a deliberate change of the layout, look at the new pictures and accept them with
`python -m pytest tests/test_explore_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest

from mlterms.explore.tabs.demo import DemoTab
from mlterms.explore.tabs.exercise import ExerciseTab
from mlterms.explore.tabs.quiz import QuizTab
from mlterms.explore.widgets import Field

from .explorefakes import FAKE, make_app, register_fake, until

SIZES = [(80, 24), (120, 40)]


@pytest.fixture(autouse=True)
def fake(monkeypatch):
    register_fake(monkeypatch)


def steady(app) -> None:
    """No blinking cursor in a picture."""
    for field in app.query(Field):
        field.cursor_blink = False


async def definition(pilot):
    steady(pilot.app)


async def demo(pilot):
    await pilot.press("d")
    await until(pilot, lambda: pilot.app.query_one(DemoTab).report is not None)
    steady(pilot.app)


async def exercise(pilot):
    tab = pilot.app.query_one(ExerciseTab)
    await pilot.press("e")
    await until(pilot, lambda: bool(tab.exercises) and pilot.app.focused is tab.fields[0])
    await pilot.press("1", "0", "enter")  # right: 1 + 2 + 3 + 4
    steady(pilot.app)


async def path(pilot):
    await pilot.press("p")


async def quiz(pilot):
    tab = pilot.app.query_one(QuizTab)
    await pilot.press("z")
    await until(pilot, lambda: tab.stage is not None)
    steady(pilot.app)
    await pilot.pause()


async def keys(pilot):
    await pilot.press("question_mark")


SCREENS = {
    "definition": definition,
    "demo": demo,
    "exercise": exercise,
    "path": path,
    "quiz": quiz,
    "keys": keys,
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_main_screens(snap_compare, screen, size):
    assert snap_compare(make_app(start=FAKE, seed=1), terminal_size=size, run_before=SCREENS[screen])


def test_a_terminal_too_small(snap_compare):
    assert snap_compare(make_app(start=FAKE), terminal_size=(50, 12))
