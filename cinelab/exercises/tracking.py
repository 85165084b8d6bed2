"""Which exercises pass: remembered across sessions in a small JSON file.

The file lives in the user's data folder (``platformdirs``), or where the environment variable
``CINELAB_PROGRESS_FILE`` says; set it to an empty string to keep progress in memory only.
Writing is best effort: a read-only disk never turns a check into an error.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cinelab import config
from cinelab.exercises import catalog
from cinelab.exercises.feedback import ANSWERED, CORRECT, Feedback

PROGRESS_ENV = "CINELAB_PROGRESS_FILE"
NOT_TRIED = "not tried"
_session: dict[str, str] = {}


def progress_path() -> Path | None:
    is_set, configured = config.progress_file_setting()
    if is_set:
        return configured
    import platformdirs

    return platformdirs.user_data_path("cinelab") / "exercise_progress.json"


def remember(feedback: Feedback) -> None:
    """Store the latest status of an exercise, in memory and (if possible) on disk."""
    _session[feedback.exercise] = feedback.status
    path = progress_path()
    if path is None:
        return
    try:
        statuses = {**_read(path), feedback.exercise: feedback.status}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(statuses, indent=1, sort_keys=True))
    except OSError:
        pass


def statuses() -> dict[str, str]:
    """The latest status of every exercise checked so far."""
    path = progress_path()
    saved = _read(path) if path is not None else {}
    return {**saved, **_session}


def _read(path: Path) -> dict[str, str]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


@dataclass(frozen=True)
class ProgressReport:
    """A table of exercises and their status, shown as HTML in a notebook."""

    table: pd.DataFrame

    @property
    def summary(self) -> str:
        done = int(self.table["done"].sum())
        return f"{done} of {len(self.table)} exercises done."

    def __repr__(self) -> str:
        shown = self.table.assign(done=self.table["done"].map({True: "✓", False: ""}))
        return f"{self.summary}\n{shown.to_string(index=False)}"

    def _repr_html_(self) -> str:
        shown = self.table.assign(done=self.table["done"].map({True: "✓", False: ""}))
        return f"<p><b>{html.escape(self.summary)}</b></p>" + shown.to_html(index=False)


def progress(notebook: str | None = None) -> ProgressReport:
    """Which exercises of a notebook ("02") pass, or of all notebooks when none is given."""
    known = statuses()
    rows = [
        {
            "exercise": exercise.id,
            "title": exercise.title,
            "difficulty": "★" * exercise.difficulty,
            "status": known.get(exercise.id, NOT_TRIED),
            "done": known.get(exercise.id) in (CORRECT, ANSWERED),
        }
        for exercise in catalog.exercises(notebook)
    ]
    return ProgressReport(pd.DataFrame(rows))
