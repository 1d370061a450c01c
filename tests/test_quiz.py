"""The quiz command: the questions through CliRunner, --stats, --reset, usage errors, state files."""

from __future__ import annotations

import errno
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlterms.cli import app
from mlterms.glossary import parse
from mlterms.quiz.cards import card_key
from mlterms.quiz.state import Progress

from .conftest import run_probed
from .quizdata import NOTES, ask_plan


@pytest.fixture
def notes(tmp_path) -> Path:
    path = tmp_path / "notes.md"
    path.write_text(NOTES, encoding="utf-8")
    return path


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
    again = question.again()
    wrong_again = (again.answer + 1) % 4
    answers = f"7\n{wrong + 1}\n{wrong_again + 1}\n"
    result = invoke(notes, "--mode", "choice", "--count", "1", "--seed", "2", input=answers)
    assert result.exit_code == 0
    assert result.stdout.count("Type a number 1-4 or one of the terms above") == 1
    assert f"wrong (you picked '{question.options[wrong].term}'): {question.entry.term}" in result.stdout
    assert "Again (choice): which term is this?" in result.stdout  # relearning: asked again
    assert f"wrong (you picked '{again.options[wrong_again].term}')" in result.stdout
    assert "Done: 0 of 1 right." in result.stdout and "Relearned" not in result.stdout
    assert f"To review:\n  {question.entry.term}  in 1 minute" in result.stdout


def test_cli_choice_dont_know_is_again_and_shows_the_answer(notes, state_path):
    [question] = cli_plan(notes, state_path, seed=2, mode="choice", count=1)
    again = question.again()
    for dont_know in ("", "?"):
        result = invoke(
            notes, "--mode", "choice", "-n", "1", "--seed", "2", "--no-save", "--json",
            input=f"{dont_know}\n{again.answer + 1}\n",
        )  # fmt: skip
        data = json.loads(result.stdout)
        first, repeat = data["results"]
        assert (first["answer"], first["rating"], first["relearn"]) == ("", "again", False)
        assert f"don't know: {question.entry.term}\n  {question.entry.definition[0]}" in result.stderr
        assert (repeat["correct"], repeat["relearn"]) == (True, True)
        assert (data["asked"], data["correct"], data["relearned"]) == (1, 0, {question.entry.term: 1})
    assert not state_path.parent.exists()  # --no-save


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
    assert set(data) == {"asked", "correct", "relearned", "results"} and data["asked"] == 4
    first = [r for r in data["results"] if not r["relearn"]]
    assert [r["mode"] for r in first] == [x.mode for x in questions]
    assert set(data["results"][0]) == {
        "term", "mode", "answer", "correct", "rating", "due", "relearn", "question"
    }  # fmt: skip
    for r, x in zip(first, questions, strict=True):
        asked = f"{x.entry.article} {x.entry.term}".strip()
        prompt = [f"what is {asked}?"] if x.mode == "recall" else x.clue
        assert r["question"] == {"prompt": prompt, "options": [o.term for o in x.options]}
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
    assert list(Progress.open(state_path).cards) == [card_key(questions[0].entry)]


def test_cli_eof_with_json_still_prints_the_result(notes, state_path):
    result = invoke(notes, "--mode", "recall", "--count", "3", "--seed", "3", "--json", input="guess\n2\n")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["asked"] == 1 and data["results"][0]["rating"] == "hard"


def test_cli_ctrl_c_in_the_middle_keeps_what_was_answered(notes, state_path, monkeypatch):
    from mlterms.cli import conversation as command

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
    state_path.write_text('{"version": 3, "cards": {}}')
    result = invoke(notes, "--stats")
    assert result.exit_code == 2 and "newer mlterms" in result.stderr
    assert state_path.read_text() == '{"version": 3, "cards": {}}'


def test_cli_nothing_due(notes, state_path):
    result = invoke(notes, "--new", "0")
    assert result.exit_code == 1
    assert "Nothing due. Practise anyway with: mlterms quiz --all" in result.stdout
    result = invoke(notes, "--new", "0", "--json")
    assert result.exit_code == 1 and json.loads(result.stdout) == {
        "asked": 0, "correct": 0, "relearned": {}, "results": []
    }  # fmt: skip


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
    assert result.exit_code == 1 and state_path.exists()
    assert "Reset cancelled: your progress is kept." in result.stdout and "Nothing" not in result.stdout
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


# --- issue 9: reading changes nothing, idle options, the recall article, due in 7 days -------


def files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def test_cli_stats_reports_a_corrupt_file_and_leaves_it(notes, state_path):
    state_path.parent.mkdir(parents=True)
    state_path.write_text("{oops")
    result = invoke(notes, "--stats")
    assert result.exit_code == 0
    [line] = result.stderr.splitlines()
    assert line.startswith(f"mlterms: {state_path}: corrupt (") and "left as it is" in line
    assert "cards          7 (0 seen, 7 new)" in result.stdout
    assert files(state_path.parent) == {"state.json": b"{oops"}  # no rename, no lock, nothing


def test_cli_a_quiz_with_nothing_to_ask_leaves_a_corrupt_file(notes, state_path):
    state_path.parent.mkdir(parents=True)
    state_path.write_text("{oops")
    result = invoke(notes, "--new", "0")
    assert result.exit_code == 1 and result.stderr == ""
    assert files(state_path.parent) == {"state.json": b"{oops"}


def unreadable_state(monkeypatch, state_path, error):
    real = Path.read_text

    def failing(self, *args, **kwargs):
        if self == state_path:
            raise error
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", failing)


@pytest.mark.parametrize("args", [["--stats"], ["--term", "relu", "--mode", "typed"], ["--reset", "--yes"]])
@pytest.mark.parametrize(
    "error", [OSError(errno.EIO, "Input/output error"), PermissionError(errno.EACCES, "Permission denied")]
)
def test_cli_a_state_file_that_cannot_be_read_is_an_error(notes, state_path, monkeypatch, args, error):
    state_path.parent.mkdir(parents=True)
    state_path.write_text('{"cards": {}}')
    unreadable_state(monkeypatch, state_path, error)
    result = invoke(notes, *args, input="relu\n")
    assert result.exit_code == 2
    assert result.stderr == f"mlterms: {state_path}: cannot read it: {error.strerror.lower()}\n"
    assert files(state_path.parent) == {"state.json": b'{"cards": {}}'}


@pytest.mark.parametrize("args", [["--stats"], ["--term", "relu", "--mode", "typed"]])
def test_cli_a_directory_in_place_of_the_state_file_is_an_error(notes, state_path, args):
    (state_path / "inside").mkdir(parents=True)
    result = invoke(notes, *args, input="relu\n")
    assert result.exit_code == 2
    assert result.stderr == f"mlterms: {state_path}: cannot read it: is a directory\n"
    assert [p.name for p in state_path.parent.iterdir()] == ["state.json"]
    assert (state_path / "inside").is_dir()


QUESTION_OPTIONS = [
    ["--mode", "typed"],
    ["--mode", "mixed"],  # the default value, given: still nothing to do
    ["--count", "3"],
    ["--new", "0"],
    ["-t", "relu"],
    ["--all"],
    ["--seed", "1"],
]


@pytest.mark.parametrize("command", ["--stats", "--reset"])
@pytest.mark.parametrize("option", QUESTION_OPTIONS, ids=lambda o: o[0])
def test_cli_stats_or_reset_with_a_question_option_is_a_usage_error(notes, state_path, command, option):
    invoke(notes, "--mode", "typed", "--term", "relu", input="relu\n")
    before = files(state_path.parent)
    result = invoke(notes, command, *option, input="y\n")
    assert result.exit_code == 2 and result.stdout == ""
    assert (
        f"{command} asks no questions: {option[0].replace('-t', '--term')} would do nothing" in result.stderr
    )
    assert files(state_path.parent) == before


@pytest.mark.parametrize("args", [["--yes"], ["-y", "--mode", "typed"], ["--stats", "--yes"]])
def test_cli_yes_without_reset_is_a_usage_error(notes, state_path, args):
    result = invoke(notes, *args, input="relu\n")
    assert result.exit_code == 2 and "--yes only goes with --reset" in result.stderr
    assert not state_path.parent.exists()


def test_cli_the_recall_prompt_keeps_the_article(notes, state_path):
    result = invoke(
        notes, "--mode", "recall", "-t", "batchnorm", "-t", "relu", "--seed", "0", input="\n3\n\n3\n"
    )
    assert "(recall): what is a batch normalization?" in result.stdout
    assert "(recall): what is relu?" in result.stdout  # no article in its heading, none added
    rich = CliRunner().invoke(
        app, ["--color", "always", "-g", str(notes), "quiz", "--mode", "recall", "-t", "bn"], input="\n3\n"
    )
    assert "what is a " in rich.stdout and "batch normalization" in rich.stdout


def test_cli_stats_due_in_7_days_leaves_out_the_cards_due_now(notes, state_path):
    progress = Progress.open(state_path, fuzz=False)
    now = datetime.now(timezone.utc)
    progress.review("relu", "relu", 1, now - timedelta(hours=1))  # 'again' an hour ago: due now
    progress.review("gelu", "gelu", 3, now)  # 'good' now: due in 10 minutes
    result = invoke(notes, "--stats")
    assert "due now        1" in result.stdout and "due in 7 days  1" in result.stdout
    data = json.loads(invoke(notes, "--stats", "--json").stdout)
    assert (data["due_now"], data["due_7d"]) == (1, 1)


def test_cli_stats_json_keeps_its_shape(notes, state_path):
    invoke(notes, "--mode", "typed", "--term", "relu", input="wrong\n")
    data = json.loads(invoke(notes, "--stats", "--json").stdout)
    record = Progress.open(state_path).get("relu")
    assert list(data) == [
        "cards",
        "seen",
        "new",
        "due_now",
        "due_7d",
        "reviews",
        "retention",
        "next_due",
        "hardest",
        "orphans",
        "path",
        "reviews_by_day",
        "streak_days",
        "due_forecast",
        "retention_observed",
        "retention_target",
        "weakest",
        "seconds_per_answer",
        "compute",
    ]  # fmt: skip  (the fields of before issue 15 first, with the same meaning)
    assert (data["retention"], data["path"], data["orphans"]) == (0.0, str(state_path), 0)
    assert data["next_due"] == record.due.isoformat(timespec="seconds")
    assert data["hardest"] == [
        {
            "term": "relu",
            "lapses": 1,
            "reviews": 1,
            "difficulty": round(record.card.difficulty, 2),
            "due": record.due.isoformat(timespec="seconds"),
        }
    ]


# --- issue 15: fair questions, learning like Anki, --no-save, small fixes -------------------


def test_cli_named_terms_still_get_4_options_from_the_whole_glossary(notes, state_path):
    result = invoke(notes, "-t", "dropout", "-t", "softmax", "--mode", "choice", "--json", input="1\n1\n")
    for r in json.loads(result.stdout)["results"]:
        assert len(r["question"]["options"]) == 4 and r["term"] in r["question"]["options"]
    result = invoke(notes, "-t", "bn", "--mode", "choice", "--json", input="1\n")
    assert (
        json.loads(result.stdout)["results"][0]["mode"] == "choice" and result.stderr.count("mlterms:") == 0
    )


def test_cli_a_mode_that_cannot_be_asked_is_said_once(tmp_path, state_path):
    one = tmp_path / "one.md"
    one.write_text("### dropout\n- zeroes units\n")
    result = invoke(one, "--mode", "choice", "--all", input="dropout\n")
    assert result.exit_code == 0
    assert result.stderr == "mlterms: --mode choice needs 2 terms with a definition; asking typed questions\n"
    assert "(typed)" in result.stdout


def test_cli_no_save_leaves_the_state_file_byte_for_byte(notes, state_path):
    invoke(notes, "--mode", "typed", "--term", "relu", input="wrong\n")
    before = files(state_path.parent)
    mtime = state_path.stat().st_mtime_ns
    result = invoke(notes, "--no-save", "--mode", "typed", "--all", "--seed", "1", input="relu\n:u\nx\n" * 9)
    assert result.exit_code == 0 and "Done: " in result.stdout and "undone: " in result.stdout
    assert files(state_path.parent) == before and state_path.stat().st_mtime_ns == mtime


def test_cli_no_save_with_no_state_file_creates_nothing(notes, state_path):
    result = invoke(notes, "--no-save", "--mode", "typed", "-t", "relu", input="relu\n")
    assert result.exit_code == 0 and not state_path.parent.exists()


def test_cli_learns_ahead_then_says_when_the_next_card_is_due(notes, state_path):
    progress = Progress.open(state_path, fuzz=False)
    now = datetime.now(timezone.utc)
    progress.review("relu", "relu", 3, now - timedelta(minutes=5))  # due in 5 minutes: asked now
    progress.review("gelu", "gelu", 4, now)  # due in days
    result = invoke(notes, "--new", "0", "--mode", "typed", input="relu\n")
    assert result.exit_code == 0 and "Question 1/1" in result.stdout
    assert Progress.open(state_path).get("relu").reviews == 2
    result = invoke(notes, "--new", "0")
    assert result.exit_code == 1 and "Nothing due; next card " in result.stdout
    assert "next card in 10 minutes" not in result.stdout  # relu (graded good again) is days away


def test_cli_stats_counts_cards_of_other_glossaries_and_keeps_them(notes, state_path):
    progress = Progress.open(state_path, fuzz=False)
    progress.review("attention", "attention", 3, datetime.now(timezone.utc))
    result = invoke(notes, "--stats")
    assert "other          1 card from other glossaries (kept)" in result.stdout
    assert "orphan" not in result.stdout
    assert json.loads(invoke(notes, "--stats", "--json").stdout)["orphans"] == 1


def test_cli_stats_history_fields(notes, state_path):
    invoke(notes, "--mode", "typed", "--term", "relu", input="relu\n")
    invoke(notes, "--mode", "typed", "--term", "gelu", input="nope\nnope\n")
    data = json.loads(invoke(notes, "--stats", "--json").stdout)
    records = Progress.open(state_path).cards.values()
    today = datetime.now().astimezone().date().isoformat()
    assert data["reviews_by_day"] == {today: 3} and data["streak_days"] == 1
    assert len(data["due_forecast"]) == 14 and data["due_forecast"][0] == 2  # both due today (in minutes)
    assert (data["retention_observed"], data["retention_target"]) == (None, 0.9)  # no mature card yet
    assert {w["term"] for w in data["weakest"]} == {"gelu", "relu"}
    assert all(0 < w["retrievability"] <= 1 for w in data["weakest"])
    times = [x.ms for r in records for x in r.log]
    assert data["seconds_per_answer"] == round(sum(times) / len(times) / 1000, 3)
    text = invoke(notes, "--stats").stdout
    assert "streak         1 day" in text and "reviews per day, last 20 weeks:" in text
    assert "mature cards   none reviewed yet (target 90%)" in text
    assert "weakest (chance of recall now):\n" in text


def test_cli_retention_is_the_scheduler_target_and_is_saved(notes, state_path):
    invoke(notes, "--mode", "typed", "-t", "relu", "--retention", "0.8", input="relu\n")
    assert json.loads(state_path.read_text())["scheduler"] == {"desired_retention": 0.8}
    data = json.loads(invoke(notes, "--stats", "--json").stdout)
    assert data["retention_target"] == 0.8
    invoke(notes, "--mode", "typed", "-t", "gelu", input="gelu\n")  # kept by later quizzes
    assert Progress.open(state_path).retention == 0.8
    assert invoke(notes, "--retention", "0.5").exit_code == 2
    result = invoke(notes, "--export-log", "x.csv", "--retention", "0.8")
    assert result.exit_code == 2 and "--export-log asks no questions: --retention" in result.stderr
