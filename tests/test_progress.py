"""The quiz state store: FSRS scheduling, round trips, atomic saves, corrupt files, concurrent quizzes."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mlterms import progress as store
from mlterms.progress import Progress, ProgressError

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4


@pytest.fixture
def path(tmp_path) -> Path:
    return tmp_path / "data" / "state.json"


def fresh(path: Path) -> Progress:
    return Progress.open(path, now=T0, fuzz=False)


def test_default_path_is_under_mlterms_home(tmp_path, monkeypatch):
    monkeypatch.setenv("MLTERMS_HOME", str(tmp_path / "home"))
    assert Progress.open().path == tmp_path / "home" / "state.json"


def test_opening_creates_nothing(path):
    progress = fresh(path)
    assert progress.cards == {} and progress.notice is None
    assert not path.parent.exists()


def test_round_trip_keeps_card_schedule_and_log(path):
    progress = fresh(path)
    progress.review("dropout", "dropout", GOOD, T0)
    progress.review("dropout", "dropout", AGAIN, T0 + timedelta(minutes=12))
    again = fresh(path)
    before, after = progress.get("dropout"), again.get("dropout")
    assert after.card.to_dict() == before.card.to_dict()
    assert (
        after.log == before.log == [(T0.isoformat(), GOOD), ((T0 + timedelta(minutes=12)).isoformat(), AGAIN)]
    )
    assert (after.term, after.reviews, after.lapses) == ("dropout", 2, 1)


def test_file_is_versioned_json_with_one_card_per_line(path):
    progress = fresh(path)
    progress.review("dropout", "dropout", GOOD, T0)
    progress.review("softmax", "Softmax", GOOD, T0)
    data = json.loads(path.read_text())
    assert data["format"] == "mlterms-quiz" and data["version"] == 1
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
    ],
)
def test_a_corrupt_file_is_renamed_aside_never_overwritten(path, content):
    path.parent.mkdir(parents=True)
    path.write_text(content)
    progress = fresh(path)
    assert progress.cards == {}
    assert progress.notice.startswith(f"{path}: corrupt (")
    assert progress.notice.endswith("; kept as state.json.corrupt-20261125T090000Z, starting fresh")
    aside = path.with_name("state.json.corrupt-20261125T090000Z")
    assert aside.read_text() == content and not path.exists()
    progress.review("dropout", "dropout", GOOD, T0)
    assert aside.read_text() == content and "dropout" in fresh(path).cards


def test_the_corrupt_message_is_short(path):
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert (
        "corrupt (Expecting property name enclosed in double quotes: line 1 column 2)" in fresh(path).notice
    )


def test_a_second_corrupt_file_gets_its_own_name(path):
    path.parent.mkdir(parents=True)
    for content in ("bad one", "bad two"):
        path.write_text(content)
        fresh(path)
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == ["state.json.corrupt-20261125T090000Z", "state.json.corrupt-20261125T090000Z-2"]


def test_an_unreadable_state_is_moved_aside(path):
    (path / "oops").mkdir(parents=True)  # a directory where the file should be
    progress = fresh(path)
    assert progress.cards == {} and "kept as state.json.corrupt-" in progress.notice
    assert (path.parent / "state.json.corrupt-20261125T090000Z" / "oops").is_dir()


def test_a_file_from_a_newer_version_is_left_alone(path):
    path.parent.mkdir(parents=True)
    path.write_text('{"version": 99, "cards": {}}')
    with pytest.raises(ProgressError, match="newer mlterms"):
        fresh(path)
    assert path.read_text() == '{"version": 99, "cards": {}}'


@pytest.mark.parametrize("version", ["2", None, 1.5])
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


def test_due_by(path):
    progress = fresh(path)
    progress.review("dropout", "dropout", AGAIN, T0)
    assert progress.due_by(T0) == []
    assert progress.due_by(T0 + timedelta(minutes=2)) == ["dropout"]


def test_naive_dates_in_a_file_count_as_corrupt(path):
    progress = fresh(path)
    progress.review("dropout", "dropout", GOOD, T0)
    data = json.loads(path.read_text())
    data["cards"]["dropout"]["fsrs"]["due"] = "2026-11-25T09:00:00"
    path.write_text(json.dumps(data))
    assert "corrupt" in fresh(path).notice


def test_state_file_is_private(path):
    fresh(path).review("dropout", "dropout", GOOD, T0)
    if os.name == "posix":
        assert path.stat().st_mode & 0o077 == 0
