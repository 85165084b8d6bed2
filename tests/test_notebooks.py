"""Every notebook is a product: committed clean, parameterised, and runnable top to bottom offline."""

import re
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
NAME = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")


def _ids(paths):
    return [p.name for p in paths]


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_follows_the_conventions(path):
    nb = nbformat.read(path, as_version=4)
    assert NAME.match(path.name), f"{path.name}: name notebooks NN_topic.ipynb"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    dirty = [i for i, c in enumerate(code_cells) if c.outputs or c.execution_count]
    assert not dirty, f"{path.name}: code cells {dirty} were committed with outputs"
    first = code_cells[0]
    assert "parameters" in first.metadata.get("tags", []), (
        "first code cell must be tagged 'parameters'"
    )
    assert re.search(r"^DATASET\s*=", first.source, re.MULTILINE) and re.search(
        r"^SEED\s*=", first.source, re.MULTILINE
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_top_to_bottom(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    client.execute()
    print(f"{path.name} ran in {time.perf_counter() - start:.1f} s")
