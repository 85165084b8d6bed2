"""Which exercises exist: one topic module per notebook, loaded only when first needed.

Each topic module (``cinelab.exercises.topics.<name>``) defines ``EXERCISES``, a list of
`Exercise`. Exercise ids are ``"NN.k"``: notebook number, then the exercise's number in it.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
from functools import cache

from cinelab.exercises.checks import Exercise

NOTEBOOKS = {
    "01": "01_attention_from_scratch",
    "02": "02_cf_by_hand",
    "03": "03_matrix_factorization",
    "04": "04_ranking_and_evaluation",
    "05": "05_trailer_copy",
    "06": "06_reviews_and_film_chat",
}
_TOPICS = {
    "01": "attention",
    "02": "cf_by_hand",
    "03": "matrix_factorization",
    "04": "ranking",
    "05": "trailer_copy",
    "06": "language",
}


@cache
def _load(notebook: str) -> tuple[Exercise, ...]:
    module = importlib.import_module(f"cinelab.exercises.topics.{_TOPICS[notebook]}")
    return tuple(module.EXERCISES)


def available_notebooks() -> list[str]:
    """Notebook numbers whose exercises exist (a topic module may not be written yet)."""
    found = []
    for notebook, topic in _TOPICS.items():
        if importlib.util.find_spec(f"cinelab.exercises.topics.{topic}") is not None:
            found.append(notebook)
    return found


def exercises(notebook: str | None = None) -> list[Exercise]:
    """All exercises of one notebook ("02"), or of every notebook, in order."""
    if notebook is None:
        return [e for nb in available_notebooks() for e in _load(nb)]
    notebook = str(notebook).zfill(2)
    if notebook not in available_notebooks():
        raise KeyError(
            f"There are no exercises for notebook {notebook!r}; "
            f"choose one of {', '.join(available_notebooks())}."
        )
    return list(_load(notebook))


def get(exercise_id: str) -> Exercise:
    """The exercise with this id; a KeyError suggests the closest ids when there is none."""
    exercise_id = _normalise_id(exercise_id)
    notebook = exercise_id.split(".")[0]
    candidates = exercises(notebook) if notebook in available_notebooks() else exercises()
    for exercise in candidates:
        if exercise.id == exercise_id:
            return exercise
    close = difflib.get_close_matches(exercise_id, [e.id for e in exercises()], n=3)
    suggestion = f" Did you mean {' or '.join(close)}?" if close else ""
    raise KeyError(f"There is no exercise {exercise_id!r}.{suggestion}")


def _normalise_id(exercise_id) -> str:
    """ "2.1" and " 02.1 " both mean "02.1"."""
    notebook, dot, number = str(exercise_id).strip().partition(".")
    return f"{notebook.zfill(2)}{dot}{number}" if notebook.isdigit() else str(exercise_id)
