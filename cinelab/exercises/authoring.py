"""Tools for people who write exercises: named mistakes, and recording the hashed keys.

In a source notebook, a cell tagged ``hidden-check`` (removed from the student version) binds
each named mistake to a concrete wrong answer::

    mistake("02.4", unnormalised_prediction, "not_normalised")

When keys are being recorded this stores the wrong answer's hashes, so `check` can recognise
it and show the hint ``Exercise.mistakes["not_normalised"]``. Otherwise it asserts that `check`
does recognise it: the hidden cells double as tests of the hints.

Recording (after changing a solution)::

    python -m cinelab.exercises.authoring exercises/02_cf_by_hand.ipynb   # or no argument: all

runs the source notebooks in record mode, where `check` stores the solution's answer instead
of judging it, and rewrites ``cinelab/exercises/_keys.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from cinelab.exercises.catalog import exercises as exercises_of
from cinelab.exercises.catalog import get as get_exercise
from cinelab.exercises.core import evaluate
from cinelab.exercises.keys import (
    RECORD_ENV,
    load_keys,
    record,
    recording_path,
    write_keys_module,
)

KEYS_MODULE = Path(__file__).with_name("_keys.py")
_HASHED_KINDS = ("value", "choice")


def mistake(exercise_id: str, wrong_answer, name: str) -> None:
    """Bind the mistake ``name`` to ``wrong_answer`` (record mode) or assert it is recognised."""
    exercise = get_exercise(exercise_id)
    if name not in exercise.mistakes:
        raise ValueError(
            f"exercise {exercise_id} has no mistake named {name!r}; "
            f"its mistakes are {sorted(exercise.mistakes)}."
        )
    recording = recording_path()
    if recording is not None:
        if exercise.checker.kind in _HASHED_KINDS:
            hashes = exercise.checker.mistake_hashes(exercise, wrong_answer)
            record(recording, exercise_id, mistake=(name, hashes))
        return
    feedback = evaluate(exercise_id, wrong_answer)
    if feedback.diagnosis != name:
        raise AssertionError(
            f"exercise {exercise_id}: the mistake {name!r} should get its own hint, but check "
            f"said: {feedback}"
        )


def record_keys(notebooks: list[Path], timeout: int = 600) -> dict:
    """Run source notebooks in record mode and rewrite ``_keys.py``; returns the new keys."""
    import nbformat
    from nbclient import NotebookClient

    numbers = {path.name[:2] for path in notebooks}
    kept = {i: k for i, k in load_keys().items() if i.split(".")[0] not in numbers}
    with tempfile.TemporaryDirectory() as folder:
        recorded = Path(folder) / "keys.json"
        saved_environment = dict(os.environ)
        os.environ.update({RECORD_ENV: str(recorded), "CINELAB_PROGRESS_FILE": ""})
        try:
            for path in notebooks:
                notebook = nbformat.read(path, as_version=4)
                client = NotebookClient(
                    notebook,
                    timeout=timeout,
                    kernel_name="python3",
                    resources={"metadata": {"path": str(path.parent)}},
                )
                client.execute()
        finally:
            os.environ.clear()
            os.environ.update(saved_environment)
        new = json.loads(recorded.read_text()) if recorded.exists() else {}
    _check_recorded(new, numbers)
    merged = {**kept, **new}
    write_keys_module(merged, KEYS_MODULE)
    return merged


def _check_recorded(recorded: dict, numbers: set[str]) -> None:
    """Every hashed exercise got its key and every named mistake its wrong answer."""
    problems = []
    for number in sorted(numbers):
        for exercise in exercises_of(number):
            if exercise.checker.kind not in _HASHED_KINDS:
                continue
            key = recorded.get(exercise.id)
            if key is None or "accept" not in key:
                problems.append(f"{exercise.id}: the source notebook never checks its answer")
                continue
            for name in exercise.mistakes:
                hashes = key["variants"].get(name)
                if not hashes:
                    problems.append(f"{exercise.id}: no wrong answer recorded for {name!r}")
                elif set(hashes) & set(key["accept"]):
                    problems.append(f"{exercise.id}: the mistake {name!r} equals the answer")
    if problems:
        raise ValueError("recording the keys found problems:\n  " + "\n  ".join(problems))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cinelab.exercises.authoring",
        description="Record the hashed expected answers from the source exercise notebooks.",
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: exercises/*.ipynb")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted(Path("exercises").glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        parser.error("no source notebooks given and none found in exercises/")
    merged = record_keys(notebooks)
    print(f"Recorded keys for {len(merged)} exercises into {KEYS_MODULE}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
