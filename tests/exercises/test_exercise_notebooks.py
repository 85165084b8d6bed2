"""The exercise notebooks themselves: (a) every solution passes its check, (b) the student
release is up to date with its sources, (c) every student version runs top to bottom and each
check reports "not yet"."""

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from cinelab.exercises import catalog
from cinelab.exercises.student import (
    BEGIN_HIDDEN,
    BEGIN_MARK_SCHEME,
    BEGIN_SOLUTION,
    HIDDEN_TAG,
    stale_student_versions,
)

REPO = Path(__file__).resolve().parents[2]
EXERCISES = REPO / "exercises"
RELEASE = EXERCISES / "student"
SOURCES = sorted(EXERCISES.glob("[0-9][0-9]_*.ipynb"))
STUDENT_VERSIONS = [RELEASE / path.name for path in SOURCES]
VERDICT = re.compile(r"Exercise (\d\d\.\d+): (correct|answered|not quite|not yet|cannot check)\.")


def ids(paths):
    return [path.name for path in paths]


def run(path: Path, progress_file: Path, notebook=None) -> dict[str, list[str]]:
    """Execute a notebook (read from `path` unless given); return every verdict, by exercise."""
    notebook = notebook or nbformat.read(path, as_version=4)
    saved = os.environ.get("CINELAB_PROGRESS_FILE")
    os.environ["CINELAB_PROGRESS_FILE"] = str(progress_file)  # the kernel inherits it
    try:
        NotebookClient(
            notebook,
            timeout=300,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    finally:
        if saved is None:
            del os.environ["CINELAB_PROGRESS_FILE"]
        else:
            os.environ["CINELAB_PROGRESS_FILE"] = saved
    verdicts: dict[str, list[str]] = {}
    for text in output_texts(notebook):
        for exercise_id, status in VERDICT.findall(text):
            verdicts.setdefault(exercise_id, []).append(status)
    return verdicts


def output_texts(notebook) -> list[str]:
    return [
        output.get("data", {}).get("text/plain", "") + output.get("text", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    ]


def expected_ids(path: Path) -> set[str]:
    return {exercise.id for exercise in catalog.exercises(path.name[:2])}


def test_every_topic_notebook_has_an_exercise_notebook_of_the_same_name():
    topics = {p.stem for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    for name in catalog.NOTEBOOKS.values():
        if name in topics:
            assert (EXERCISES / f"{name}.ipynb").exists(), f"notebook {name} has no exercises"
    assert {p.stem for p in SOURCES} <= set(catalog.NOTEBOOKS.values())
    assert {p.name[:2] for p in SOURCES} == set(catalog.available_notebooks())


@pytest.mark.parametrize(
    "path",
    SOURCES + STUDENT_VERSIONS,
    ids=ids(SOURCES) + [f"student/{p.name}" for p in STUDENT_VERSIONS],
)
def test_exercise_notebooks_follow_the_notebook_conventions(path):
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert not [c for c in code_cells if c.outputs or c.execution_count], "commit without outputs"
    first = code_cells[0]
    assert "parameters" in first.metadata.get("tags", [])
    assert re.search(r"^DATASET\s*=", first.source, re.MULTILINE)
    assert re.search(r"^SEED\s*=", first.source, re.MULTILINE)


@pytest.mark.parametrize("path", SOURCES, ids=ids(SOURCES))
def test_sources_follow_nbgrader_conventions(path):
    """Solutions in solution cells, hidden checks in locked grade cells, schemes in task cells."""
    for cell in nbformat.read(path, as_version=4).cells:
        grading = cell.metadata.get("nbgrader", {})
        if BEGIN_SOLUTION in cell.source:
            assert grading.get("solution"), cell.source[:60]
        if HIDDEN_TAG in cell.metadata.get("tags", []):
            assert grading.get("grade") and grading.get("locked") and BEGIN_HIDDEN in cell.source
        if BEGIN_MARK_SCHEME in cell.source:
            assert grading.get("task"), cell.source[:60]


# ---------------------------------------------------------------- (a)


@pytest.mark.parametrize("path", SOURCES, ids=ids(SOURCES))
def test_a_every_source_solution_passes_its_check(path, tmp_path):
    verdicts = run(path, tmp_path / "progress.json")
    assert set(verdicts) == expected_ids(path)
    failing = {i: v for i, v in verdicts.items() if set(v) - {"correct", "answered"}}
    assert not failing, failing


# ---------------------------------------------------------------- (b)


def test_b_student_versions_are_up_to_date():
    stale = stale_student_versions(EXERCISES, RELEASE)
    assert not stale, f"regenerate with `make student`: {stale}"


# ---------------------------------------------------------------- (c)


@pytest.mark.parametrize("path", STUDENT_VERSIONS, ids=ids(STUDENT_VERSIONS))
def test_c_student_version_runs_and_every_check_says_not_yet(path, tmp_path):
    text = path.read_text()
    for marker in (BEGIN_SOLUTION, BEGIN_HIDDEN, BEGIN_MARK_SCHEME, HIDDEN_TAG, "nbgrader"):
        assert marker not in text
    verdicts = run(path, tmp_path / "progress.json")
    assert set(verdicts) == expected_ids(path)
    assert all(statuses == ["not yet"] for statuses in verdicts.values()), verdicts


# ---------------------------------------------------------------- done when


WRONG_ANSWERS_02 = {
    "cosine_u1_u2 = None": "cosine_u1_u2 = 0.7071",
    "similarity_table = None": "similarity_table = ratings @ ratings.T",
    "article_errors = None": 'article_errors = "a"',
    "prediction_u1_f5 = None": "prediction_u1_f5 = 7.221",
    "heatmap_statement = None": 'heatmap_statement = "b"',
    "centred_prediction_u2_f3 = None": "centred_prediction_u2_f3 = 4.707",
    "zero_filling_answer = None": 'zero_filling_answer = "Zeros are bad."',
    "shrinkage_truth = None": "shrinkage_truth = [0.9, 0.9, 0.9]",
    'raise NotImplementedError("Exercise 02.6: your code here")': "return ratings @ ratings.T",
    'raise NotImplementedError("Exercise 02.8: your code here")': "return ratings[:, film].mean()",
}


def test_a_student_with_wrong_answers_in_02_gets_hints_and_no_traceback(tmp_path):
    """The issue's "done when": wrong answers everywhere in the student version of 02."""
    path = RELEASE / "02_cf_by_hand.ipynb"
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        for stub, wrong in WRONG_ANSWERS_02.items():
            if stub in cell.source:
                start = cell.source.index(stub)
                end = cell.source.find("\n", start)
                end = len(cell.source) if end == -1 else end
                cell.source = cell.source[:start] + wrong + cell.source[end:]
    verdicts = run(path, tmp_path / "progress.json", notebook)
    assert set(verdicts) == expected_ids(path)
    assert all(statuses == ["not quite"] for statuses in verdicts.values()), verdicts
    feedback = [text for text in output_texts(notebook) if VERDICT.search(text)]
    assert len(feedback) == len(verdicts) and all("Hint:" in text for text in feedback)
    assert not any("Traceback" in text for text in output_texts(notebook))
