"""How long the exercises take: one `check` per exercise, and each notebook top to bottom.

A function check runs the student's function and the kit's reference on every test input, so
it is the slowest kind; here the kit's reference itself plays the student (it must pass). A
value or choice check only hashes the answer. Notebooks run with nbclient, kernel start
included, as a student's "Run all" would (the student version stops at "not yet" everywhere;
the source runs every solution and every hidden check).

    python benchmarks/exercises.py              # checks and notebooks
    python benchmarks/exercises.py --no-notebooks
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from cinelab.exercises import catalog, evaluate
from cinelab.exercises.checks import FunctionCheck

EXERCISES = Path(__file__).resolve().parents[1] / "exercises"


def check_milliseconds(repeats: int) -> list[tuple[str, str, float]]:
    """(exercise id, kind, median milliseconds of one check)."""
    rows = []
    for exercise in catalog.exercises():
        checker = exercise.checker
        answer = checker.reference if isinstance(checker, FunctionCheck) else 0.5
        if exercise.checker.kind == "choice":
            answer = "a"
        elif exercise.checker.kind == "open":
            answer = "word " * 40
        evaluate(exercise.id, answer)  # warm-up: lazy imports (torch for 05.5)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            feedback = evaluate(exercise.id, answer)
            times.append(1000 * (time.perf_counter() - start))
        if isinstance(checker, FunctionCheck):
            assert feedback.correct, feedback
        rows.append((exercise.id, checker.kind, statistics.median(times)))
    return rows


def notebook_seconds(path: Path) -> float:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-notebooks", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["CINELAB_PROGRESS_FILE"] = str(Path(folder) / "progress.json")
        print("| exercise | kind | one check (ms, median) |\n| --- | --- | ---: |")
        for exercise_id, kind, milliseconds in check_milliseconds(args.repeats):
            print(f"| {exercise_id} | {kind} | {milliseconds:.2f} |")
        if args.no_notebooks:
            return
        print(
            "\n| notebook | student version (s) | source with solutions (s) |\n| --- | ---: | ---: |"
        )
        for source in sorted(EXERCISES.glob("[0-9][0-9]_*.ipynb")):
            student = notebook_seconds(EXERCISES / "student" / source.name)
            print(f"| {source.stem} | {student:.1f} | {notebook_seconds(source):.1f} |")


if __name__ == "__main__":
    main()
