"""Which exercises pass: remembered across sessions in a small JSON file.

The file lives in the user's data folder (``platformdirs``), or where the environment variable
``CINELAB_PROGRESS_FILE`` says; set it to an empty string to keep progress in memory only.
Writing is best effort: a read-only disk never turns a check into an error. Nothing is lost
either: writes are atomic and made under a lock (two notebooks checking at once both count), and
a file that cannot be read (damaged, or JSON of another shape) is moved aside to a ``.bak``
copy before a new one is started, never silently replaced.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cinelab import config
from cinelab.exercises.catalog import exercises as exercises_of
from cinelab.exercises.feedback import ANSWERED, CORRECT, Feedback
from cinelab.files import lock_for, move_aside, write_atomically

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
        with lock_for(path):
            try:
                saved = _read(path)
            except ValueError:
                move_aside(path)
                saved = {}
            statuses = {**saved, feedback.exercise: feedback.status}
            write_atomically(path, json.dumps(statuses, indent=1, sort_keys=True))
    except OSError:
        pass


def statuses() -> dict[str, str]:
    """The latest status of every exercise checked so far."""
    path = progress_path()
    try:
        saved = _read(path) if path is not None else {}
    except (OSError, ValueError):  # unreadable: kept as it is until the next check backs it up
        saved = {}
    return {**saved, **_session}


def _read(path: Path) -> dict[str, str]:
    """``{exercise: status}`` from the file; ``{}`` if there is none; `ValueError` if damaged."""
    if not path.exists():
        return {}
    content = json.loads(path.read_text(encoding="utf-8"))  # JSONDecodeError is a ValueError
    if not isinstance(content, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in content.items()
    ):
        raise ValueError(f"{path} is not a progress file ({{exercise: status}}).")
    return content


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
        for exercise in exercises_of(notebook)
    ]
    return ProgressReport(pd.DataFrame(rows))
