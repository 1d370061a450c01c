"""The quiz: questions, masking, distractors, grading, selection, sessions, stats, and the command."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mlterms import quiz as q
from mlterms.cli import app
from mlterms.glossary import parse
from mlterms.progress import Progress

from .conftest import run_probed

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)

NOTES = """\
# notes

### what is dropout
- aka: dropout regularization
- zeroes each unit with probability p during training; Dropouts are off at eval
- inverted dropout scales the survivors
- see also: overfitting, regularization

### what is overfitting
- fits the training data too well and generalizes badly
- see also: regularization

### what is regularization
- anything that reduces overfitting, eg weight penalties

### what is softmax
- turns scores into probabilities that sum to 1

### what is a batch normalization
- aka: batchnorm, bn
- normalizes each feature over the batch; batch-normalizations use running stats at eval

### what is relu
- max(0, x)

### what is gelu
- x times the normal CDF of x

### what is placeholder
"""


@pytest.fixture
def glossary():
    return parse(NOTES, "notes.md")


@pytest.fixture
def notes(tmp_path) -> Path:
    path = tmp_path / "notes.md"
    path.write_text(NOTES, encoding="utf-8")
    return path


@pytest.fixture
def progress(tmp_path) -> Progress:
    return Progress.open(tmp_path / "state" / "state.json", fuzz=False)


def entry(glossary, term):
    return next(e for e in glossary.entries if e.term == term)


def ask_plan(glossary, progress, seed=1, now=T0, **kw):
    kw = {"mode": "mixed", "count": 10, "new": 10, **kw}
    return q.plan(glossary, progress, q.quizzable(glossary), now=now, rng=random.Random(seed), **kw)


# --- the library -----------------------------------------------------------------------------


def test_entries_without_a_definition_are_never_asked(glossary, progress):
    assert "placeholder" not in [e.term for e in q.quizzable(glossary)]
    asked = ask_plan(glossary, progress, count=50, everything=True)
    assert len(asked) == 7 and "placeholder" not in [x.entry.term for x in asked]


def test_duplicate_headings_make_one_card():
    glossary = parse("### Dropout\n- one\n\n### dropout\n- two\n")
    assert [e.definition for e in q.quizzable(glossary)] == [["one"]]


def test_masking_hides_the_term_and_its_word_forms():
    names = ["dropout", "dropout regularization"]
    masked = q.mask("dropout, Dropout, dropouts, dropout's, inverted dropout-style, dropoutx", names)
    assert masked == "_____, _____, _____, _____, inverted _____-style, dropoutx"
    assert q.mask("use dropout regularization", names) == "use _____"
    assert q.mask("Batch-Normalizations and batchnormalization", ["batch normalization"]) == "_____ and _____"
    assert q.mask("entropies and entropy", ["entropy"]) == "_____ and _____"


def test_choice_questions_show_the_masked_definition(glossary, progress):
    [question] = ask_plan(glossary, progress, mode="choice", count=1)
    for bullet in question.clue:
        for name in question.entry.names:
            assert name.casefold() not in bullet.casefold()
    question = q.make_question(
        entry(glossary, "dropout"), "choice", q.quizzable(glossary), {}, random.Random(0)
    )
    assert question.clue[0].startswith("zeroes each unit") and "_____ are off" in question.clue[0]


def test_distractors_are_plausible_and_never_the_answer_twice(glossary):
    pool = q.quizzable(glossary)
    linked = q.links(glossary)
    for seed in range(20):
        question = q.make_question(entry(glossary, "dropout"), "choice", pool, linked, random.Random(seed))
        terms = [o.term for o in question.options]
        assert len(terms) == 4 and len(set(terms)) == 4 and terms.count("dropout") == 1
        assert {"overfitting", "regularization"} <= set(terms)  # its see-also links come first


def test_look_alike_names_are_preferred_as_distractors():
    glossary = parse(
        "### batch normalization\n- a\n### layer normalization\n- b\n### softmax\n- c\n### relu\n- d\n"
        "### gelu\n- e\n### adam\n- f\n"
    )
    question = q.make_question(glossary.entries[0], "choice", q.quizzable(glossary), {}, random.Random(3))
    assert "layer normalization" in [o.term for o in question.options]


def test_an_alias_of_the_answer_is_never_a_distractor():
    glossary = parse("### bn\n- a\n### batch norm\n- aka: bn\n- b\n### relu\n- c\n")
    question = q.make_question(glossary.entries[1], "choice", q.quizzable(glossary), {}, random.Random(1))
    assert [o.term for o in question.options if o.term != "batch norm"] == ["relu"]


def test_a_one_term_glossary_asks_typed_questions():
    glossary = parse("### dropout\n- zeroes units\n")
    progress = Progress(Path("unused.json"))
    [question] = ask_plan(glossary, progress, mode="choice")
    assert question.mode == "typed" and question.options == []


def test_the_same_seed_gives_the_same_quiz(glossary, progress):
    def shape(questions):
        return [(x.mode, x.entry.term, [o.term for o in x.options]) for x in questions]

    assert shape(ask_plan(glossary, progress, seed=7)) == shape(ask_plan(glossary, progress, seed=7))
    shapes = {json.dumps(shape(ask_plan(glossary, progress, seed=s))) for s in range(6)}
    assert len(shapes) > 1


def test_mixed_mode_uses_every_kind(glossary, progress):
    modes = {x.mode for s in range(5) for x in ask_plan(glossary, progress, seed=s)}
    assert modes == {"choice", "recall", "typed"}


def test_due_cards_come_first_then_at_most_new_new_ones(glossary, progress):
    progress.review("softmax", "softmax", q.AGAIN, T0)  # due again in a minute
    progress.review("relu", "relu", q.AGAIN, T0 - timedelta(minutes=5))  # due earlier
    progress.review("gelu", "gelu", q.EASY, T0)  # due in days: not asked
    later = T0 + timedelta(minutes=30)
    asked = [x.entry.term for x in ask_plan(glossary, progress, now=later, new=2)]
    assert asked[:2] == ["relu", "softmax"] and len(asked) == 4 and "gelu" not in asked
    assert [x.entry.term for x in ask_plan(glossary, progress, now=later, count=1)] == ["relu"]
    assert ask_plan(glossary, progress, now=T0 - timedelta(minutes=10), new=0) == []


def test_all_ignores_the_schedule(glossary, progress):
    for term in ("softmax", "relu", "gelu"):
        progress.review(term, term, q.EASY, T0)
    assert len(ask_plan(glossary, progress, new=0, everything=True)) == 7


@pytest.mark.parametrize(
    ("typed", "correct", "typo"),
    [
        ("dropout", True, False),
        ("DROPOUT", True, False),
        ("the dropout", True, False),
        ("Drop-Out", True, False),
        ("dropouts", True, False),
        ("dropout regularization", True, False),
        ("dropuot", True, True),
        ("dropot", True, True),
        ("dropout regularisation", True, True),
        ("overfitting", False, False),
        ("dripalt", False, False),
        ("", False, False),
    ],
)
def test_typed_answers_forgive_case_articles_hyphens_and_small_typos(glossary, typed, correct, typo):
    assert q.check_typed(glossary, entry(glossary, "dropout"), typed) == q.Verdict(correct, typo)


def test_short_names_need_the_exact_spelling_and_a_rival_term_is_wrong(glossary):
    relu = entry(glossary, "relu")
    assert q.check_typed(glossary, relu, "gelu") == q.Verdict(False)  # another term, exactly
    assert q.check_typed(glossary, relu, "rleu") == q.Verdict(True, typo=True)
    assert q.check_typed(glossary, entry(glossary, "batch normalization"), "bm") == q.Verdict(False)
    assert q.check_typed(glossary, entry(glossary, "batch normalization"), "BN") == q.Verdict(True)


def test_choice_answers_by_number_or_by_name(glossary):
    question = q.make_question(
        entry(glossary, "dropout"), "choice", q.quizzable(glossary), {}, random.Random(0)
    )
    at = {o.term: i for i, o in enumerate(question.options)}
    assert q.pick_option(question, str(question.answer + 1)) == question.answer
    assert q.pick_option(question, " Dropout ") == question.answer
    assert q.pick_option(question, "dropout regularization") == question.answer
    assert q.pick_option(question, "dropuot") == question.answer
    other = next(t for t in at if t != "dropout")
    assert q.pick_option(question, other.upper()) == at[other]
    for unclear in ("0", "5", "", "   ", "zzz"):
        assert q.pick_option(question, unclear) is None


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_no_answer_makes_grading_fail(answer):
    glossary = parse(NOTES)
    pool = q.quizzable(glossary)
    question = q.make_question(pool[0], "choice", pool, q.links(glossary), random.Random(0))
    assert q.pick_option(question, answer) in (None, 0, 1, 2, 3)
    assert isinstance(q.check_typed(glossary, pool[0], answer), q.Verdict)
    assert q.parse_grade(answer) in (None, 1, 2, 3, 4)


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1), st.text())
def test_masking_never_fails_and_removes_the_name(name, text):
    masked = q.mask(f"{text} {name} {text}", [name])
    if q.name_pattern(name) and q.key(name):
        assert q.BLANK in masked


def test_grades():
    assert [q.parse_grade(x) for x in ("1", "hard", " G ", "e", "5", "", "good!")] == [
        1,
        2,
        3,
        4,
        None,
        None,
        None,
    ]


def test_a_session_saves_each_answer_as_it_is_given(glossary, progress):
    session = q.Session(glossary, progress)
    pool = q.quizzable(glossary)
    choice = q.make_question(entry(glossary, "dropout"), "choice", pool, {}, random.Random(0))
    typed = q.make_question(entry(glossary, "softmax"), "typed", pool, {}, random.Random(0))
    recall = q.make_question(entry(glossary, "relu"), "recall", pool, {}, random.Random(0))
    wrong = (choice.answer + 1) % 4
    results = [
        session.choose(choice, wrong, T0),
        session.typed(typed, "sofmtax", T0),
        session.recall(recall, "max of 0 and x", q.HARD, T0),
    ]
    assert [(r.correct, r.rating, r.typo) for r in results] == [
        (False, 1, False),
        (True, 3, True),
        (True, 2, False),
    ]
    assert set(Progress.open(progress.path).cards) == {"dropout", "softmax", "relu"}
    data = session.as_dict()
    assert (data["asked"], data["correct"]) == (3, 2)
    assert data["results"][0] == {
        "term": "dropout",
        "mode": "choice",
        "answer": choice.options[wrong].term,
        "correct": False,
        "rating": "again",
        "due": (T0 + timedelta(minutes=1)).isoformat(),
    }
    assert [r.term for r in session.to_review()] == ["dropout"]


def test_stats(glossary, progress):
    progress.review("dropout", "dropout", q.AGAIN, T0)
    progress.review("softmax", "softmax", q.GOOD, T0)
    progress.review("relu", "relu", q.EASY, T0)
    data = q.stats(glossary, progress, T0 + timedelta(minutes=5))
    assert {k: data[k] for k in ("cards", "seen", "new", "due_now", "due_7d", "reviews", "orphans")} == {
        "cards": 7,
        "seen": 3,
        "new": 4,
        "due_now": 1,
        "due_7d": 2,  # relu, answered 'easy', is due in over a week
        "reviews": 3,
        "orphans": 0,
    }
    assert data["retention"] == pytest.approx(2 / 3, abs=0.001)
    assert [h["term"] for h in data["hardest"]] == ["dropout"]
    assert data["next_due"] == (T0 + timedelta(minutes=10)).isoformat()


def test_a_changed_glossary_keeps_orphans_and_never_asks_them(glossary, progress):
    progress.review("dropout", "dropout", q.GOOD, T0)
    progress.review("softmax", "softmax", q.AGAIN, T0)
    renamed = parse(
        NOTES.replace("### what is softmax", "### what is soft-arg-max").replace("dropout", "Dropout")
    )
    later = T0 + timedelta(days=30)
    asked = ask_plan(renamed, progress, now=later, count=50, everything=True)
    assert "soft-arg-max" in [x.entry.term for x in asked]
    assert progress.get("dropout").term == "dropout"  # case changed: same card
    assert q.stats(renamed, progress, later)["orphans"] == 1
    session = q.Session(renamed, progress)
    session.typed(next(x for x in asked if x.entry.term == "Dropout"), "dropout", later)
    kept = Progress.open(progress.path).cards
    assert set(kept) == {"dropout", "softmax"} and kept["dropout"].reviews == 2


# --- the command -----------------------------------------------------------------------------


def invoke(notes, *args, input=None):
    return CliRunner().invoke(app, ["--glossary", str(notes), "quiz", *args], input=input)


def cli_plan(notes, progress_path, **kw):
    """The quiz the command will ask with --seed, worked out through the library."""
    glossary = parse(notes.read_text(), str(notes))
    return ask_plan(glossary, Progress.open(progress_path, fuzz=False), **kw)


@pytest.fixture
def state_path(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MLTERMS_HOME", str(home))
    return home / "state.json"


def right_answers(questions) -> str:
    return "".join(f"{x.answer + 1}\n" for x in questions)


def test_cli_choice(notes, state_path):
    questions = cli_plan(notes, state_path, seed=5, mode="choice", count=3)
    result = invoke(notes, "--mode", "choice", "--count", "3", "--seed", "5", input=right_answers(questions))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Question 1/3 (choice): which term is this?" in out and "Question 3/3" in out
    assert out.count("right: ") == 3 and "next review in 10 minutes" in out
    assert "Done: 3 of 3 right." in out
    assert len(Progress.open(state_path).cards) == 3


def test_cli_choice_wrong_and_unclear_answers(notes, state_path):
    [question] = cli_plan(notes, state_path, seed=2, mode="choice", count=1)
    wrong = (question.answer + 1) % 4
    result = invoke(notes, "--mode", "choice", "--count", "1", "--seed", "2", input=f"7\n\n{wrong + 1}\n")
    assert result.exit_code == 0
    assert result.stdout.count("Type a number 1-4 or one of the terms above.") == 2
    assert f"wrong (you picked '{question.options[wrong].term}'): {question.entry.term}" in result.stdout
    assert f"To review:\n  {question.entry.term}  in 1 minute" in result.stdout


def test_cli_recall(notes, state_path):
    result = invoke(notes, "--mode", "recall", "--term", "relu", input="max of zero and x\nmeh\n4\n")
    assert result.exit_code == 0
    out = result.stdout
    assert "Question 1/1 (recall): what is relu?" in out
    assert "your definition (Enter to reveal): max of zero and x\nrelu:\n  - max(0, x)" in out
    assert "Grade with 1 (again), 2 (hard), 3 (good) or 4 (easy)." in out
    assert "graded easy: relu" in out and "Done: 1 of 1 right." in out


def test_cli_typed_accepts_a_near_miss(notes, state_path):
    result = invoke(notes, "--mode", "typed", "--term", "dropout", input="dropuot\n")
    assert result.exit_code == 0
    assert "  - zeroes each unit with probability p during training; _____ are off at eval" in result.stdout
    assert "accepted (you wrote 'dropuot'): dropout" in result.stdout


def test_cli_typed_empty_answer_is_a_miss(notes, state_path):
    result = invoke(notes, "--mode", "typed", "--term", "softmax", input="\n")
    assert "no answer: softmax\n  turns scores into probabilities that sum to 1" in result.stdout
    assert Progress.open(state_path).get("softmax").lapses == 1


def test_cli_answers_that_are_not_utf8(notes, state_path):
    result = invoke(notes, "--mode", "typed", "--term", "relu", "--json", input=b"\xffrelu\xfe\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["results"][0]["answer"] == "\ufffdrelu\ufffd"


def test_cli_mixed_with_json(notes, state_path):
    questions = cli_plan(notes, state_path, seed=4, count=4)
    answers = "".join(
        f"{x.answer + 1}\n" if x.mode == "choice" else "nope\n" if x.mode == "typed" else "\n3\n"
        for x in questions
    )
    result = invoke(notes, "--count", "4", "--seed", "4", "--json", input=answers)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == {"asked", "correct", "results"} and data["asked"] == 4
    assert [r["mode"] for r in data["results"]] == [x.mode for x in questions]
    assert set(data["results"][0]) == {"term", "mode", "answer", "correct", "rating", "due"}
    expected = sum(x.mode != "typed" for x in questions)
    assert data["correct"] == expected
    assert "Question 1/4" in result.stderr  # the conversation goes to stderr


def test_cli_same_seed_same_quiz(notes, tmp_path, monkeypatch):
    runs = []
    for name in ("a", "b"):
        monkeypatch.setenv("MLTERMS_HOME", str(tmp_path / name))
        result = invoke(notes, "--mode", "choice", "--count", "3", "--seed", "9", "--json", input="1\n1\n1\n")
        runs.append([(r["term"], r["answer"], r["due"][:13]) for r in json.loads(result.stdout)["results"]])
    assert runs[0] == runs[1]


def test_cli_eof_in_the_middle_ends_quietly_with_a_summary(notes, state_path):
    questions = cli_plan(notes, state_path, seed=3, mode="choice", count=3)
    result = invoke(
        notes, "--mode", "choice", "--count", "3", "--seed", "3", input=f"{questions[0].answer + 1}\n"
    )
    assert result.exit_code == 0 and result.exception is None
    assert "Question 2/3" in result.stdout and "Question 3/3" not in result.stdout
    assert "Done: 1 of 1 right." in result.stdout and "Traceback" not in result.output
    assert list(Progress.open(state_path).cards) == [q.card_key(questions[0].entry)]


def test_cli_eof_with_json_still_prints_the_result(notes, state_path):
    result = invoke(notes, "--mode", "recall", "--count", "3", "--seed", "3", "--json", input="guess\n2\n")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["asked"] == 1 and data["results"][0]["rating"] == "hard"


def test_cli_ctrl_c_in_the_middle_keeps_what_was_answered(notes, state_path, monkeypatch):
    from mlterms.cli import quiz as command

    answers = iter(["1"])

    def read_line(prompt, stream=None):
        try:
            return next(answers)
        except StopIteration:
            raise KeyboardInterrupt from None

    monkeypatch.setattr(command, "read_line", read_line)
    result = invoke(notes, "--mode", "choice", "--count", "3", "--seed", "3")
    assert result.exit_code == 0 and result.exception is None
    assert "Question 2/3" in result.stdout and "Done: " in result.stdout
    assert len(Progress.open(state_path).cards) == 1


def test_cli_reports_a_corrupt_state_file_and_starts_fresh(notes, state_path):
    state_path.parent.mkdir(parents=True)
    state_path.write_text("{oops")
    result = invoke(notes, "--term", "relu", "--mode", "typed", input="relu\n")
    assert result.exit_code == 0
    [line] = result.stderr.splitlines()
    assert line.startswith(f"mlterms: {state_path}: corrupt (Expecting property name")
    assert "; kept as state.json.corrupt-" in line and line.endswith(", starting fresh")
    [aside] = state_path.parent.glob("state.json.corrupt-*")
    assert aside.read_text() == "{oops"
    assert list(Progress.open(state_path).cards) == ["relu"]


def test_cli_a_newer_state_file_is_an_error(notes, state_path):
    state_path.parent.mkdir(parents=True)
    state_path.write_text('{"version": 2, "cards": {}}')
    result = invoke(notes, "--stats")
    assert result.exit_code == 2 and "newer mlterms" in result.stderr
    assert state_path.read_text() == '{"version": 2, "cards": {}}'


def test_cli_nothing_due(notes, state_path):
    result = invoke(notes, "--new", "0")
    assert result.exit_code == 1
    assert "Nothing due. Practise anyway with: mlterms quiz --all" in result.stdout
    result = invoke(notes, "--new", "0", "--json")
    assert result.exit_code == 1 and json.loads(result.stdout) == {"asked": 0, "correct": 0, "results": []}


def test_cli_unknown_or_empty_terms(notes, state_path):
    result = invoke(notes, "--term", "dropuot")
    assert result.exit_code == 1 and "Did you mean: dropout?" in result.stderr
    result = invoke(notes, "--term", "placeholder")
    assert result.exit_code == 1 and "'placeholder' has no definition to quiz on" in result.stderr


def test_cli_terms_are_practised_now_even_if_not_due(notes, state_path):
    invoke(notes, "--mode", "typed", "--term", "softmax,relu", "--seed", "1", input="softmax\nrelu\n")
    result = invoke(notes, "--mode", "typed", "-t", "softmax", "-t", "relu", "--seed", "1", input="x\nx\n")
    assert "Question 2/2" in result.stdout and Progress.open(state_path).get("relu").reviews == 2


def test_cli_stats(notes, state_path):
    invoke(notes, "--mode", "typed", "--term", "softmax", input="softmax\n")
    invoke(notes, "--mode", "typed", "--term", "relu", input="wrong\n")
    result = invoke(notes, "--stats")
    assert result.exit_code == 0
    assert "cards          7 (2 seen, 5 new)" in result.stdout and "retention      50%" in result.stdout
    assert "hardest:\n  relu  1 lapse in 1 review, due in 1 minute" in result.stdout
    data = json.loads(invoke(notes, "--stats", "--json").stdout)
    assert {"cards", "seen", "due_now", "due_7d", "retention", "hardest"} <= set(data)
    assert (data["cards"], data["seen"], data["due_7d"]) == (7, 2, 2)


def test_cli_reset_asks_first(notes, state_path):
    invoke(notes, "--mode", "typed", "--term", "relu", input="relu\n")
    result = invoke(notes, "--reset", input="n\n")
    assert result.exit_code == 1 and "Nothing reset." in result.stdout and state_path.exists()
    result = invoke(notes, "--reset", input="")
    assert result.exit_code == 1 and state_path.exists()
    result = invoke(notes, "--reset", input="y\n")
    assert result.exit_code == 0 and "Forget the progress of 1 card? [y/N] y" in result.stdout
    assert not state_path.exists() and len(list(state_path.parent.glob("state.json.reset-*"))) == 1
    assert "No quiz progress to reset." in invoke(notes, "--reset", "--yes").stdout


def test_cli_reset_yes_skips_the_question(notes, state_path):
    invoke(notes, "--mode", "typed", "--term", "relu", input="relu\n")
    result = invoke(notes, "--reset", "--yes", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["reset"] is True
    assert not state_path.exists()


def test_cli_a_glossary_without_definitions(tmp_path, state_path):
    empty = tmp_path / "empty.md"
    empty.write_text("### dropout\n### softmax\n")
    result = invoke(empty)
    assert result.exit_code == 1 and "no entry has a definition to quiz on" in result.stderr


def test_cli_bad_usage_exits_2(notes, state_path):
    assert invoke(notes, "--stats", "--reset").exit_code == 2
    assert invoke(notes, "--mode", "essay").exit_code == 2
    assert invoke(notes, "--count", "0").exit_code == 2


def test_cli_rich_output(notes, state_path):
    result = CliRunner().invoke(
        app,
        ["--color", "always", "--glossary", str(notes), "quiz", "--mode", "typed", "-t", "relu"],
        input="rleu\n",
    )
    assert result.exit_code == 0
    assert "Question 1/1" in result.stdout and "\x1b[" in result.stdout
    assert "accepted (you wrote 'rleu')" in result.stdout and "Done: " in result.stdout


def test_glossary_text_is_never_markup(tmp_path, state_path):
    notes = tmp_path / "evil.md"
    notes.write_text("### what is [bold]x[/bold]\n- a [red]red[/red] \x1b[31mescape\n")
    result = CliRunner().invoke(
        app,
        ["--color", "always", "-g", str(notes), "quiz", "--mode", "typed", "--all"],
        input="[bold]x[/bold]\n",
    )
    assert result.exit_code == 0
    assert "[red]red[/red]" in result.stdout and "\\x1b[31m" in result.stdout


@pytest.mark.parametrize(
    ("args", "answers"),
    [
        (["quiz", "--mode", "choice", "--count", "1", "--seed", "1"], "1\n"),
        (["quiz", "--mode", "typed", "--count", "2", "--seed", "1", "--json"], "dropuot\n"),
        (["quiz", "--stats"], ""),
    ],
)
def test_the_quiz_never_imports_torch_or_numpy_nor_rich_when_plain(tmp_path, args, answers):
    loaded, done = run_probed(*args, input=answers, env={"MLTERMS_HOME": str(tmp_path)})
    assert loaded == set(), done.stderr
