"""The explorer driven by Textual's Pilot: the list and its filter, links and the history, the demo
in its thread with knobs, the exercises, the reading order, the quiz, the keys, the small screen."""

from __future__ import annotations

import threading

import pytest

from mlterms.explore.app import MIN_SIZE, ExploreApp
from mlterms.explore.keys import KEYS, KeysScreen
from mlterms.explore.tabs.demo import DemoTab
from mlterms.explore.tabs.exercise import ExerciseTab
from mlterms.explore.tabs.path import PathTab
from mlterms.explore.tabs.quiz import QuizTab
from mlterms.explore.widgets import DEMO_MARK, Field, LinkBar, TermList, arrange
from mlterms.names import key
from mlterms.quiz.cards import AGAIN, GOOD
from mlterms.quiz.state import Progress

from .explorefakes import FAKE, drive, make_app, plain, register_fake, until


@pytest.fixture
def calls(monkeypatch):
    return register_fake(monkeypatch)


def tab(app) -> str:
    return app.query_one("#tabs").active


def shown_terms(app) -> list[str]:
    return [e.term for e in app.query_one(TermList).shown]


def test_the_list_marks_demos_and_the_filter_matches_aliases_fuzzily(calls):
    app = make_app()

    async def scenario(pilot):
        prompts = [str(o.prompt) for o in app.query_one("#terms").options]
        marked = [p.split(" ", 1)[1] for p in prompts if p.startswith(DEMO_MARK)]
        assert marked == [FAKE, "batch normalization", "softmax"]  # base/other thing have no demo
        await pilot.press("slash", "b", "n")
        assert shown_terms(app)[0] == "batch normalization"  # its alias
        await pilot.press("backspace", "backspace", "o", "t", "h")
        assert shown_terms(app) == ["other thing"]
        await pilot.press("enter")  # opens the first match and leaves the filter
        assert app.current == "other thing"
        assert app.focused is app.query_one("#terms")
        await pilot.press("p")  # so a one-key shortcut works at once
        assert tab(app) == "path"

    drive(app, scenario)


def test_one_key_shortcuts_type_into_an_input_and_escape_only_leaves_it(calls):
    app = make_app(start=FAKE)

    async def scenario(pilot):
        app.open_term("other thing")  # a history to go back through
        await pilot.press("slash", "d", "p", "z", "q", "question_mark", "backspace", "j")
        assert app.query_one("#filter", Field).value == "dpzqj"
        assert tab(app) == "definition" and not isinstance(app.screen, KeysScreen)
        await pilot.press("escape")  # leaves the filter, does not go back
        assert app.focused is app.query_one("#terms") and app.current == "other thing"
        await pilot.press("escape")  # outside an input, Escape goes back
        assert app.current == FAKE

    drive(app, scenario)


def test_links_open_terms_and_backspace_goes_back_through_the_history(calls):
    app = make_app(start=FAKE)

    async def scenario(pilot):
        bar = app.query_one(LinkBar)
        labels = [g.label for g in bar.groups]
        assert labels == ["see also", "builds on", "used by"]
        assert [link.term for link in bar.links] == ["other thing", None, "base thing", "other thing"]
        bar.focus()
        await pilot.press("enter")
        assert app.current == "other thing"
        await pilot.press("enter")  # its one link: back to the fake thing, by a link
        await pilot.press("right", "enter")  # 'missing thing' names no entry: nothing opens
        assert app.current == FAKE
        await pilot.press("right", "enter")
        assert app.current == "base thing"
        assert app.history == [FAKE, "other thing", FAKE]
        await pilot.press("backspace", "backspace")
        assert app.current == "other thing"
        await pilot.press("backspace", "backspace")  # the start of the history: stays
        assert app.current == FAKE and app.history == []

    drive(app, scenario)


def test_the_mouse_opens_terms_links_and_tabs(calls):
    app = make_app()

    async def scenario(pilot):
        row = shown_terms(app).index("base thing")
        await pilot.click("#terms", offset=(4, row + 1))  # +1: the list's border
        assert app.current == "base thing"
        lines = arrange(app.query_one(LinkBar).groups, app.query_one(LinkBar).content_size.width)
        x = sum(len(piece) for piece, _ in lines[0][:1])  # the first link, after the label
        await pilot.click(LinkBar, offset=(x + 1, 0))
        assert app.current == FAKE  # base thing is used by the fake thing first
        await pilot.click("#--content-tab-path")
        assert tab(app) == "path"

    drive(app, scenario)


def test_a_demo_runs_in_a_worker_thread_and_a_second_d_starts_no_second_run(calls):
    calls.gate = threading.Event()
    app = make_app(start=FAKE)

    async def scenario(pilot):
        demo = app.query_one(DemoTab)
        await pilot.press("d")
        assert tab(app) == "demo" and demo.running
        assert app.query_one("#demo-running").display
        before = app.query_one("#terms").highlighted
        await pilot.press("d", "j")  # keys still work while it runs
        assert app.query_one("#terms").highlighted == before + 1
        calls.gate.set()
        await until(pilot, lambda: not demo.running)
        assert len(calls.threads) == 1 and calls.threads[0] is not threading.main_thread()
        assert demo.report is not None and demo.report.passed
        assert not app.query_one("#demo-running").display
        await pilot.press("d")  # shown already: no new run
        assert len(calls.threads) == 1

    drive(app, scenario)


def knob(app, name: str) -> Field:
    row = next(r for r in app.query_one(DemoTab).rows if r.knob == name)
    return row.query_one(Field)


def note(app, name: str) -> str:
    row = next(r for r in app.query_one(DemoTab).rows if r.knob == name)
    return plain(row.query_one(".knob-note"))


def test_enter_in_a_knob_runs_the_demo_again_with_its_value(calls):
    app = make_app(start=FAKE)

    async def scenario(pilot):
        demo = app.query_one(DemoTab)
        await pilot.press("d")
        await until(pilot, lambda: demo.report is not None)
        assert note(app, "n").startswith("an integer from 1 to 10")
        knob(app, "n").value = "7"
        knob(app, "seed").value = "3"
        knob(app, "n").focus()
        await pilot.press("enter")
        await until(pilot, lambda: not demo.running and demo.report.params == {"n": 7})
        assert calls.ns == [4, 7] and demo.report.seed == 3
        assert app.query_one(ExerciseTab).exercises[0].answer == 28  # the exercises follow the knobs

    drive(app, scenario)


def test_an_invalid_knob_value_shows_its_error_beside_the_input_and_runs_nothing(calls):
    app = make_app(start=FAKE)

    async def scenario(pilot):
        demo = app.query_one(DemoTab)
        await pilot.press("d")
        await until(pilot, lambda: demo.report is not None)
        knob(app, "n").value = "11"
        knob(app, "seed").value = "-1"
        knob(app, "n").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert note(app, "n") == "n must be an integer from 1 to 10, not 11"
        assert note(app, "seed").startswith("seed must be an integer from 0 to 4294967295")
        assert calls.ns == [4] and not demo.running
        knob(app, "n").value, knob(app, "seed").value = "2", "0"
        await pilot.press("enter")
        await until(pilot, lambda: calls.ns == [4, 2] and not demo.running)
        assert note(app, "n").startswith("an integer from 1 to 10")  # the error is gone

    drive(app, scenario)


def test_the_exercises_are_answered_before_the_report_is_shown(calls):
    app = make_app(start=FAKE)

    async def scenario(pilot):
        exercise = app.query_one(ExerciseTab)
        await pilot.press("e")
        await until(pilot, lambda: bool(exercise.exercises) and app.focused is exercise.fields[0])
        assert tab(app) == "exercise"  # the report is computed, not shown
        await pilot.press("x", "enter")  # not a number: a hint, asked again
        assert "Type a number" in plain(exercise.verdicts[0])
        exercise.fields[0].value = "10"  # 1 + 2 + 3 + 4
        await pilot.press("enter")
        assert plain(exercise.verdicts[0]) == "right: 10"
        assert app.focused is exercise.fields[1]
        await pilot.press("3", "enter")
        assert plain(exercise.verdicts[1]) == "wrong: the answer is 4 (you said 3)"
        assert plain(app.query_one("#ex-score")) == "exercises: 1 of 2 answers right"
        await pilot.press("enter")  # the reveal button has the focus
        assert tab(app) == "demo" and app.query_one(DemoTab).report is not None
        assert len(calls.threads) == 1

    drive(app, scenario)


def test_the_path_tab_lists_the_reading_order_and_opens_a_step(calls):
    app = make_app(start=FAKE)

    async def scenario(pilot):
        await pilot.press("p")
        assert [s.term for s in app.query_one(PathTab).steps] == ["base thing", FAKE]
        assert app.focused is app.query_one("#path-list")
        await pilot.press("up", "enter")
        assert app.current == "base thing" and tab(app) == "definition"
        await pilot.press("backspace")
        assert app.current == FAKE

    drive(app, scenario)


async def answer_right(pilot, quiz: QuizTab) -> None:
    """The right answer to the card asked, whatever its kind."""
    question = quiz.question
    assert question is not None
    if quiz.stage == "choice":
        await pilot.press(str(question.answer + 1))
    elif quiz.stage == "typed":
        await pilot.press(*question.entry.term.replace(" ", "|"), "enter")
    else:  # recall: reveal, then grade good
        await pilot.press("enter")
        await until(pilot, lambda: quiz.stage == "grade")
        await pilot.press("3")


def test_a_quiz_answer_is_saved_as_it_is_given(calls):
    app = make_app(seed=1)

    async def scenario(pilot):
        quiz = app.query_one(QuizTab)
        await pilot.press("z")
        await until(pilot, lambda: quiz.stage is not None)
        first = quiz.question.entry.term
        await answer_right(pilot, quiz)
        await until(pilot, lambda: quiz.stage is not None)  # the next card is asked
        record = Progress.open().get(key(first))
        assert record is not None and [r.rating for r in record.log] == [GOOD]  # saved already
        assert plain(app.query_one("#quiz-feedback")).startswith("✓")

    drive(app, scenario)


@pytest.mark.parametrize("how", ["key", "button"])
def test_dont_know_is_n_or_a_button_in_a_choice_question(calls, monkeypatch, how):
    from mlterms.quiz import questions

    monkeypatch.setattr(questions, "kind", lambda mode, rng: "choice")
    app = make_app(seed=1)

    async def scenario(pilot):
        quiz = app.query_one(QuizTab)
        await pilot.press("z")
        await until(pilot, lambda: quiz.stage == "choice")
        asked = quiz.question.entry.term
        if how == "key":
            await pilot.press("n")
        else:
            button = next(b for b in app.query(".pick") if b.name == "")
            await pilot.click(button)
        await until(pilot, lambda: quiz.stage is not None)
        assert "don't know" in plain(app.query_one("#quiz-feedback"))
        assert [r.rating for r in Progress.open().get(key(asked)).log] == [AGAIN]

    drive(app, scenario)


def test_q_quits_with_status_0_and_ctrl_q_quits_from_an_input(calls):
    for keys in (["q"], ["slash", "ctrl+q"]):
        app = make_app()

        async def scenario(pilot, keys=keys):
            await pilot.press(*keys)

        drive(app, scenario)
        assert app.return_code == 0


def key_names(binding_key: str) -> list[str]:
    names = {"slash": "/", "question_mark": "?", "backspace": "Backspace", "escape": "Escape"}
    return [names.get(k, k) for k in binding_key.split(",")]


def test_question_mark_lists_every_key(calls):
    app = make_app()
    listed = " ".join(keys for keys, _ in KEYS)
    for binding in ExploreApp.BINDINGS:
        for name in key_names(binding.key):  # type: ignore[union-attr]
            assert name in listed.replace("1-4", "1 2 3 4"), name

    async def scenario(pilot):
        await pilot.press("question_mark")
        assert isinstance(app.screen, KeysScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, KeysScreen) and app.current is None  # closed, no going back

    drive(app, scenario)


def test_a_terminal_too_small_shows_a_message_until_it_grows(calls):
    app = make_app()

    async def scenario(pilot):
        assert app.screen.has_class("too-small")
        message = plain(app.query_one("#too-small"))
        assert f"at least {MIN_SIZE[0]}x{MIN_SIZE[1]}" in message and "this one is 50x12" in message
        await pilot.resize_terminal(*MIN_SIZE)
        await pilot.pause()
        assert not app.screen.has_class("too-small")

    drive(app, scenario, size=(50, 12))
