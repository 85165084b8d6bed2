"""Shared set-up for the exercise tests: progress never touches the real user folder."""

import pytest

from cinelab.exercises import tracking


@pytest.fixture(autouse=True)
def isolated_progress(tmp_path, monkeypatch):
    """Every test writes progress to its own file and starts with an empty session."""
    path = tmp_path / "progress.json"
    monkeypatch.setenv(tracking.PROGRESS_ENV, str(path))
    monkeypatch.setattr(tracking, "_session", {})
    return path
