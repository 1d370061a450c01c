"""The quiz state store: FSRS scheduling, round trips, atomic saves, corrupt and unreadable files,
stale temp files, concurrent quizzes."""

from __future__ import annotations

import contextlib
import errno
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mlterms.quiz import state as store
from mlterms.quiz.state import Progress, ProgressError

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4


@pytest.fixture
def path(tmp_path) -> Path:
    return tmp_path / "data" / "state.json"


def fresh(path: Path) -> Progress:
    return Progress.open(path, fuzz=False)


def test_default_path_is_under_mlterms_home(tmp_path, monkeypatch):
    monkeypatch.setenv("MLTERMS_HOME", str(tmp_path / "home"))
    assert Progress.open().path == tmp_path / "home" / "state.json"


def test_opening_creates_nothing(path):
    progress = fresh(path)
    assert progress.cards == {} and progress.corrupt is None
    assert not path.parent.exists()


def test_round_trip_keeps_card_schedule_and_log(path):
    progress = fresh(path)
    progress.review("dropout", "dropout", GOOD, T0, ms=4200)
    progress.review("dropout", "dropout", AGAIN, T0 + timedelta(minutes=12))
    again = fresh(path)
    before, after = progress.get("dropout"), again.get("dropout")
    assert after.card.to_dict() == before.card.to_dict()
    later = (T0 + timedelta(minutes=12)).isoformat()
    assert after.log == before.log == [(T0.isoformat(), GOOD, 4200), (later, AGAIN, None)]
    assert (after.term, after.reviews, after.lapses) == ("dropout", 2, 1)


def test_file_is_versioned_json_with_one_card_per_line(path):
    progress = fresh(path)
    progress.review("dropout", "dropout", GOOD, T0)
    progress.review("softmax", "Softmax", GOOD, T0)
    data = json.loads(path.read_text())
    assert data["format"] == "mlterms-quiz" and data["version"] == 2
    assert set(data["cards"]) == {"dropout", "softmax"}
    assert sum('"fsrs"' in line for line in path.read_text().splitlines()) == 2


def test_card_id_is_stable_and_derived_from_the_key():
    assert store.card_id("dropout") == store.card_id("dropout") != store.card_id("softmax")
    assert store.new_card("dropout", T0).card_id == store.card_id("dropout")


def test_good_twice_pushes_the_due_date_later_and_again_brings_it_back(path):
    progress = fresh(path)
    first = progress.review("dropout", "dropout", GOOD, T0).due
    second = progress.review("dropout", "dropout", GOOD, first).due
    third = progress.review("dropout", "dropout", GOOD, second).due
    assert first - T0 < second - first < third - second
    assert third - second >= timedelta(days=1)
    lapse = progress.review("dropout", "dropout", AGAIN, third).due
    assert lapse - third < timedelta(hours=1)
    assert progress.get("dropout").lapses == 1


def test_easy_schedules_further_than_hard(path):
    progress = fresh(path)
    hard = progress.review("a", "a", HARD, T0).due
    easy = progress.review("b", "b", EASY, T0).due
    assert easy > hard


def test_without_fuzz_the_schedule_is_reproducible(tmp_path):
    dues = []
    for name in ("one", "two"):
        progress = Progress.open(tmp_path / name / "state.json", fuzz=False)
        due = T0
        for _ in range(4):
            due = progress.review("dropout", "dropout", GOOD, due).due
        dues.append(due)
    assert dues[0] == dues[1]


def test_saves_leave_no_temp_files(path):
    progress = fresh(path)
    for i in range(3):
        progress.review(f"t{i}", f"t{i}", GOOD, T0)
    assert sorted(p.name for p in path.parent.iterdir()) == ["state.json", "state.json.lock"]


def test_a_failed_write_keeps_the_old_file_whole(path, monkeypatch):
    progress = fresh(path)
    progress.review("dropout", "dropout", GOOD, T0)
    before = path.read_text()

    def crash(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.os, "replace", crash)
    with pytest.raises(ProgressError, match="cannot save .*No space left"):
        progress.review("softmax", "softmax", GOOD, T0)
    assert path.read_text() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["state.json", "state.json.lock"]


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "",
        "[1, 2]",
        '{"cards": {"x": {"term": "x"}}}',
        '{"cards": {"x": {"term": "x", "fsrs": 3}}}',
        "\udcffnot utf-8",
    ],
)
def test_a_corrupt_file_is_left_alone_when_read_and_set_aside_before_a_write(path, content):
    path.parent.mkdir(parents=True)
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    progress = fresh(path)
    assert progress.cards == {} and progress.corrupt.startswith("corrupt (")
    assert sorted(p.name for p in path.parent.iterdir()) == ["state.json"]  # reading moved nothing
    kept = progress.set_aside(T0)
    assert kept == path.with_name("state.json.corrupt-20261125T090000Z")
    assert kept.read_bytes() == content.encode("utf-8", "surrogateescape") and not path.exists()
    progress.review("dropout", "dropout", GOOD, T0)
    assert kept.read_bytes() == content.encode("utf-8", "surrogateescape") and "dropout" in fresh(path).cards


def test_the_corrupt_reason_is_short(path):
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert (
        fresh(path).corrupt == "corrupt (Expecting property name enclosed in double quotes: line 1 column 2)"
    )


def test_a_second_corrupt_file_gets_its_own_name(path):
    path.parent.mkdir(parents=True)
    for content in ("bad one", "bad two"):
        path.write_text(content)
        fresh(path).set_aside(T0)
    names = sorted(p.name for p in path.parent.iterdir() if p.suffix != ".lock")
    assert names == ["state.json.corrupt-20261125T090000Z", "state.json.corrupt-20261125T090000Z-2"]


def test_set_aside_moves_nothing_once_another_quiz_has(path):
    path.parent.mkdir(parents=True)
    path.write_text("garbage")
    one, two = fresh(path), fresh(path)
    assert one.set_aside(T0) is not None
    one.review("dropout", "dropout", GOOD, T0)
    assert two.set_aside(T0) is None and set(two.cards) == {"dropout"}
    assert len(list(path.parent.glob("state.json.corrupt-*"))) == 1


def test_a_file_never_set_aside_is_never_overwritten(path):
    path.parent.mkdir(parents=True)
    path.write_text("garbage")
    with pytest.raises(ProgressError, match="not overwriting"):
        fresh(path).review("dropout", "dropout", GOOD, T0)
    assert path.read_text() == "garbage"


def test_a_directory_in_place_of_the_file_is_an_error_and_stays(path):
    (path / "oops").mkdir(parents=True)
    with pytest.raises(ProgressError, match=f"^{path}: cannot read it: is a directory$"):
        fresh(path)
    assert (path / "oops").is_dir() and sorted(p.name for p in path.parent.iterdir()) == ["state.json"]


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (PermissionError(errno.EACCES, "Permission denied"), "permission denied"),
        (OSError(errno.EIO, "Input/output error"), "input/output error"),
    ],
)
def test_a_file_that_cannot_be_read_is_an_error_and_stays(path, monkeypatch, error, message):
    path.parent.mkdir(parents=True)
    path.write_text('{"cards": {}}')
    real = Path.read_text

    def failing(self, *args, **kwargs):
        if self == path:
            raise error
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", failing)
    with pytest.raises(ProgressError, match=f"^{path}: cannot read it: {message}$"):
        fresh(path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["state.json"]


def test_the_next_save_removes_stale_temp_files(path):
    progress = fresh(path)
    progress.review("dropout", "dropout", GOOD, T0)
    stale = [path.with_name(f".state.json.{tag}.tmp") for tag in ("abc123", "x_y")]
    for tmp in stale:
        tmp.write_text('{"half": ')  # what a SIGKILL mid-save leaves
    other = path.with_name(".other.json.abc.tmp")
    other.write_text("not ours")
    progress.review("softmax", "softmax", GOOD, T0)
    assert not any(tmp.exists() for tmp in stale) and other.exists()
    assert set(fresh(path).cards) == {"dropout", "softmax"}


def test_temp_files_are_removed_only_under_the_lock(path, monkeypatch):
    calls = []
    real_locked, real_remove = store.locked, store.remove_stale_temps

    @contextlib.contextmanager
    def watched(p):
        with real_locked(p):
            calls.append("lock")
            yield
            calls.append("unlock")

    monkeypatch.setattr(store, "locked", watched)
    monkeypatch.setattr(store, "remove_stale_temps", lambda p: calls.append("remove") or real_remove(p))
    fresh(path).review("dropout", "dropout", GOOD, T0)
    assert calls == ["lock", "remove", "unlock"]


def test_a_file_from_a_newer_version_is_left_alone(path):
    path.parent.mkdir(parents=True)
    path.write_text('{"version": 99, "cards": {}}')
    with pytest.raises(ProgressError, match="newer mlterms"):
        fresh(path)
    assert path.read_text() == '{"version": 99, "cards": {}}'


def test_a_version_1_file_is_migrated_with_empty_durations(path):
    path.parent.mkdir(parents=True)
    card = store.new_card("relu", T0).to_dict()
    v1 = {"term": "relu", "fsrs": card, "log": [[T0.isoformat(), GOOD]]}
    path.write_text(
        json.dumps(
            {"format": "mlterms-quiz", "version": 1, "cards": {"relu": v1, "gelu": {**v1, "term": "gelu"}}}
        )
    )
    progress = fresh(path)
    assert progress.get("relu").log == [(T0.isoformat(), GOOD, None)]
    progress.review("gelu", "gelu", AGAIN, T0 + timedelta(days=1), ms=900)
    data = json.loads(path.read_text())
    assert data["version"] == 2
    assert data["cards"]["relu"]["log"] == [[T0.isoformat(), GOOD, None]]  # never a made-up duration
    assert data["cards"]["gelu"]["log"] == [
        [T0.isoformat(), GOOD, None],
        [(T0 + timedelta(days=1)).isoformat(), AGAIN, 900],
    ]


@pytest.mark.parametrize("entry", [["t"], ["t", 3, 1, 2], ["t", 7, None]])
def test_a_log_entry_that_is_not_a_review_is_corrupt(path, entry):
    path.parent.mkdir(parents=True)
    card = store.new_card("relu", T0).to_dict()
    path.write_text(
        json.dumps({"version": 2, "cards": {"relu": {"term": "relu", "fsrs": card, "log": [entry]}}})
    )
    assert fresh(path).corrupt is not None


@pytest.mark.parametrize("version", ["2", None, 1.5, 0])
def test_a_file_of_an_unknown_version_is_left_alone(path, version):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": "mlterms-quiz", "version": version, "cards": {}}))
    with pytest.raises(ProgressError, match="not touching it"):
        Progress.open(path)
    assert path.exists()


def test_a_file_that_turns_corrupt_during_a_quiz_is_not_overwritten(path):
    progress = fresh(path)
    progress.review("dropout", "dropout", GOOD, T0)
    path.write_text("garbage")
    with pytest.raises(ProgressError, match="not overwriting"):
        progress.review("softmax", "softmax", GOOD, T0)
    assert path.read_text() == "garbage"


def test_two_quizzes_at_once_keep_both_answers(path):
    one, two = fresh(path), fresh(path)
    one.review("dropout", "dropout", GOOD, T0)
    two.review("softmax", "softmax", GOOD, T0)
    one.review("relu", "relu", AGAIN, T0)
    assert set(fresh(path).cards) == {"dropout", "softmax", "relu"}


def test_an_update_writes_only_the_settings_it_changed(path):
    quiz, fit = fresh(path), fresh(path)
    quiz.configure(retention=0.8)
    quiz.review("dropout", "dropout", GOOD, T0)
    fit.configure(parameters=[0.5] * 21)
    fit.update(lambda stored: stored.cards.pop("dropout"))  # applied to the file as it is now
    after = fresh(path)
    assert (after.retention, after.parameters, after.cards) == (0.8, [0.5] * 21, {})


def test_unknown_cards_survive_saves(path):
    progress = fresh(path)
    progress.review("gone", "a term that was removed", GOOD, T0)
    progress.review("dropout", "dropout", GOOD, T0)
    assert set(fresh(path).cards) == {"gone", "dropout"}


def test_reset_keeps_the_old_file_aside(path):
    progress = fresh(path)
    progress.review("dropout", "dropout", GOOD, T0)
    saved = path.read_text()
    kept = progress.reset(T0)
    assert kept == path.with_name("state.json.reset-20261125T090000Z")
    assert kept.read_text() == saved and not path.exists()
    assert progress.cards == {} and fresh(path).cards == {}
    assert Progress(path).reset(T0) is None  # nothing left to reset


def test_naive_dates_in_a_file_count_as_corrupt(path):
    progress = fresh(path)
    progress.review("dropout", "dropout", GOOD, T0)
    data = json.loads(path.read_text())
    data["cards"]["dropout"]["fsrs"]["due"] = "2026-11-25T09:00:00"
    path.write_text(json.dumps(data))
    assert fresh(path).corrupt == "corrupt (a date without a time zone)"


def test_state_file_is_private(path):
    fresh(path).review("dropout", "dropout", GOOD, T0)
    if os.name == "posix":
        assert path.stat().st_mode & 0o077 == 0
