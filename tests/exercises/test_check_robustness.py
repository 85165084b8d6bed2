"""`check()` on a student's worst day: an endless loop, exit(), a damaged progress file.
It always comes back with a verdict and loses no progress."""

import json
import sys
import threading
import time

import numpy as np

from cinelab.exercises import check, checks, progress, tracking
from cinelab.exercises.deadline import DeadlineExceeded, call_with_deadline


def _endless(scores, mask=None):
    while True:
        pass


def test_an_endless_loop_gets_a_verdict_within_the_deadline(monkeypatch):
    monkeypatch.setattr(checks, "DEADLINE_SECONDS", 0.3)
    started = time.perf_counter()
    feedback = check("01.4", _endless)
    assert time.perf_counter() - started < 5
    assert feedback.status == "not quite" and feedback.diagnosis == "too_slow"
    assert "did not finish within 0.3 s" in feedback.message


def test_sys_exit_in_the_students_function_is_reported_not_raised():
    def quitter(scores, mask=None):
        sys.exit(3)

    feedback = check("01.4", quitter)
    assert feedback.status == "not quite" and feedback.diagnosis == "exited"
    assert "sys.exit(3)" in feedback.message


def test_deadline_also_holds_outside_the_main_thread():
    outcome = {}

    def run():
        try:
            call_with_deadline(lambda: time.sleep(5), seconds=0.2)
        except DeadlineExceeded as error:
            outcome["error"] = error

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(3)
    assert outcome["error"].still_running


def test_a_fast_function_is_not_disturbed_by_the_deadline():
    assert call_with_deadline(np.add, (1, 2), seconds=0.5) == 3
    time.sleep(0.6)  # the timer was cancelled: no late interruption


def test_a_progress_file_holding_a_list_does_not_break_check_or_progress(isolated_progress):
    isolated_progress.write_text("[1, 2, 3]")
    assert tracking.statuses() == {}
    progress("01")
    assert check("01.5", 39).correct
    assert json.loads(isolated_progress.read_text()) == {"01.5": "correct"}
    backups = list(isolated_progress.parent.glob("progress.json.*.bak"))
    assert [b.read_text() for b in backups] == ["[1, 2, 3]"]


def test_a_damaged_progress_file_is_backed_up_not_wiped(isolated_progress):
    isolated_progress.write_text('{"01.1": "correct", "01.2": "corr')
    check("01.5", 39)
    backups = list(isolated_progress.parent.glob("progress.json.*.bak"))
    assert [b.read_text() for b in backups] == ['{"01.1": "correct", "01.2": "corr']
    assert json.loads(isolated_progress.read_text()) == {"01.5": "correct"}


def test_progress_writes_are_atomic(isolated_progress, monkeypatch):
    check("01.5", 39)

    def broken_replace(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(tracking.write_atomically.__globals__["os"], "replace", broken_replace)
    check("01.5", 40)  # best effort: no error, and the old file is intact
    monkeypatch.undo()
    assert json.loads(isolated_progress.read_text()) == {"01.5": "correct"}
    leftovers = [p.name for p in isolated_progress.parent.iterdir() if p.suffix == ".tmp"]
    assert leftovers == []


def test_two_sessions_checking_keep_each_others_progress(isolated_progress, monkeypatch):
    check("01.5", 39)
    monkeypatch.setattr(tracking, "_session", {})  # another kernel, same file
    check("01.4", None)
    assert json.loads(isolated_progress.read_text()) == {"01.4": "not yet", "01.5": "correct"}
