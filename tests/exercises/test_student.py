"""Student-version generation: stubs that keep the notebook running, nothing hidden left."""

import nbformat
import pytest
from nbformat import v4

from cinelab.cli import main as cinelab
from cinelab.exercises.student import (
    HIDDEN_TAG,
    TEXT_STUB,
    SourceProblem,
    stale_student_versions,
    student_notebook,
)

FUNCTION_SOLUTION = '''def double(x):
    """Twice x."""
    ### BEGIN SOLUTION
    result = 2 * x
    return result
    ### END SOLUTION


check("09.2", double)'''

VALUE_SOLUTION = """### BEGIN SOLUTION
helper = 3
answer_one, answer_two = helper * 2, helper + 1
### END SOLUTION
check("09.1", answer_one)
print(answer_two)"""


def convert(*cells):
    notebook = v4.new_notebook()
    notebook.cells = list(cells)
    return student_notebook(notebook, "test.ipynb").cells


def code_cell(source, **metadata):
    cell = v4.new_code_cell(source, metadata=metadata)
    cell.outputs = [v4.new_output("stream", text="solution output")]
    cell.execution_count = 7
    return cell


def test_a_function_body_becomes_not_implemented():
    (cell,) = convert(code_cell(FUNCTION_SOLUTION))
    assert cell.source == (
        'def double(x):\n    """Twice x."""\n'
        '    raise NotImplementedError("Exercise 09.2: your code here")\n\n\ncheck("09.2", double)'
    )


def test_a_top_level_answer_becomes_none_for_the_names_used_afterwards():
    (cell,) = convert(code_cell(VALUE_SOLUTION))
    assert cell.source.splitlines() == [
        "answer_one = None  # Exercise 09.1: your answer here",
        "answer_two = None  # Exercise 09.1: your answer here",
        'check("09.1", answer_one)',
        "print(answer_two)",
    ]


def test_outputs_counts_and_nbgrader_metadata_are_cleared():
    (cell,) = convert(code_cell(VALUE_SOLUTION, nbgrader={"solution": True}, tags=["keep"]))
    assert cell.outputs == [] and cell.execution_count is None
    assert cell.metadata == {"tags": ["keep"]}


def test_hidden_checks_and_hidden_test_regions_are_removed():
    hidden = code_cell("assert check('09.1', answer).correct", tags=[HIDDEN_TAG])
    mixed = code_cell("x = 1\n### BEGIN HIDDEN TESTS\nassert x == 1\n### END HIDDEN TESTS\nx")
    cells = convert(hidden, mixed)
    assert [c.source for c in cells] == ["x = 1\nx"]


def test_markdown_solutions_are_stubbed_and_mark_schemes_removed():
    answer = v4.new_markdown_cell("Why?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION")
    scheme = v4.new_markdown_cell("=== BEGIN MARK SCHEME ===\n2 points\n=== END MARK SCHEME ===")
    cells = convert(answer, scheme)
    assert [c.source for c in cells] == [f"Why?\n{TEXT_STUB}"]


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("### BEGIN SOLUTION\nx = 1", "without '### END SOLUTION'"),
        ("x = 1\n### END SOLUTION", "without '### BEGIN SOLUTION'"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "nested"),
        ("### BEGIN SOLUTION\ndef f():\n    return 1\n### END SOLUTION\nf", "def"),
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\nprint('no answer used')", "assign"),
        ("### BEGIN SOLUTION\nx = (\n### END SOLUTION\nx", "does not parse"),
    ],
)
def test_broken_sources_are_refused_with_the_cell_named(source, problem):
    with pytest.raises(SourceProblem, match=problem) as raised:
        convert(v4.new_markdown_cell("intro"), code_cell(source))
    assert "test.ipynb, cell 1" in str(raised.value)


def write_source(folder, name, solution="### BEGIN SOLUTION\nx = 1\n### END SOLUTION\nx"):
    notebook = v4.new_notebook()
    notebook.cells = [code_cell(solution)]
    nbformat.write(notebook, folder / name)


def test_the_command_writes_and_verifies_the_release(tmp_path, capsys):
    source, release = tmp_path / "exercises", tmp_path / "exercises" / "student"
    source.mkdir()
    write_source(source, "09_demo.ipynb")
    arguments = ["student-version", "--source", str(source), "--out", str(release)]
    assert cinelab([*arguments, "--check"]) == 1
    assert cinelab(arguments) == 0
    assert (release / "09_demo.ipynb").exists()
    assert cinelab([*arguments, "--check"]) == 0
    assert stale_student_versions(source, release) == []

    write_source(
        source, "09_demo.ipynb", "### BEGIN SOLUTION\nx = 2\ny = 3\n### END SOLUTION\nx, y"
    )
    assert stale_student_versions(source, release) == ["09_demo.ipynb"]
    assert cinelab([*arguments, "--check"]) == 1
    assert "Out of date" in capsys.readouterr().out


def test_a_release_without_a_source_is_stale_and_removed_on_writing(tmp_path):
    source = tmp_path / "exercises"
    release = source / "student"
    source.mkdir()
    write_source(source, "09_demo.ipynb")
    arguments = ["student-version", "--source", str(source), "--out", str(release)]
    cinelab(arguments)
    write_source(release, "08_gone.ipynb")
    assert stale_student_versions(source, release) == ["08_gone.ipynb"]
    cinelab(arguments)
    assert sorted(p.name for p in release.iterdir()) == ["09_demo.ipynb"]


def test_the_command_explains_a_broken_source(tmp_path, capsys):
    source = tmp_path / "exercises"
    source.mkdir()
    write_source(source, "09_demo.ipynb", "### BEGIN SOLUTION\nx = 1")
    assert cinelab(["student-version", "--source", str(source)]) == 1
    assert "09_demo.ipynb, cell 0" in capsys.readouterr().err


def test_generation_is_deterministic(tmp_path):
    source = tmp_path / "exercises"
    source.mkdir()
    write_source(source, "09_demo.ipynb")
    cinelab(["student-version", "--source", str(source), "--out", str(tmp_path / "a")])
    cinelab(["student-version", "--source", str(source), "--out", str(tmp_path / "b")])
    assert (tmp_path / "a" / "09_demo.ipynb").read_bytes() == (
        tmp_path / "b" / "09_demo.ipynb"
    ).read_bytes()
