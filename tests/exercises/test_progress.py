"""Progress: the latest status per exercise, kept across sessions, never an error."""

import json

from cinelab.exercises import check, progress, tracking


def test_progress_lists_every_exercise_of_a_notebook(isolated_progress):
    check("02.1", 0.4333)
    check("02.2", None)
    report = progress("02")
    table = report.table.set_index("exercise")
    assert list(table.index) == [f"02.{k}" for k in range(1, len(table) + 1)]
    assert table.loc["02.1", "status"] == "correct" and table.loc["02.1", "done"]
    assert table.loc["02.2", "status"] == "not yet" and not table.loc["02.2", "done"]
    assert table.loc["02.3", "status"] == tracking.NOT_TRIED
    assert report.summary == f"1 of {len(table)} exercises done."
    assert "02.1" in repr(report) and "<table" in report._repr_html_()


def test_progress_survives_a_new_session(isolated_progress, monkeypatch):
    check("01.5", 39)
    assert json.loads(isolated_progress.read_text()) == {"01.5": "correct"}
    monkeypatch.setattr(tracking, "_session", {})  # a new kernel
    assert progress("01").table.set_index("exercise").loc["01.5", "done"]


def test_the_latest_attempt_counts(isolated_progress):
    check("01.5", 39)
    check("01.5", 40)
    assert tracking.statuses()["01.5"] == "not quite"


def test_an_unwritable_progress_file_is_not_an_error(tmp_path, monkeypatch):
    folder_in_the_way = tmp_path / "progress.json"
    folder_in_the_way.mkdir()
    monkeypatch.setenv(tracking.PROGRESS_ENV, str(folder_in_the_way))
    assert check("01.5", 39).correct
    assert tracking.statuses()["01.5"] == "correct"  # still remembered in memory


def test_an_empty_setting_keeps_progress_in_memory_only(tmp_path, monkeypatch):
    monkeypatch.setenv(tracking.PROGRESS_ENV, "")
    monkeypatch.chdir(tmp_path)
    check("01.5", 39)
    assert tracking.progress_path() is None and not list(tmp_path.iterdir())
    assert progress("01").table.set_index("exercise").loc["01.5", "done"]


def test_progress_of_every_notebook_at_once():
    table = progress().table
    assert {"01.1", "02.9"} <= set(table["exercise"])
