"""The notebooks in JupyterLab, as a student runs them: open, run all cells, use the widgets.

JupyterLab runs with ``windowingMode: "full"`` (see conftest), where cells outside the viewport
are removed from the page; each widget is scrolled to before it is used, so the widgets are
shown to survive being detached and re-attached.
"""

from __future__ import annotations

import time

import nbformat
import pytest

from tests.browser.conftest import DEMO_NOTEBOOK, NOTEBOOKS

pytestmark = pytest.mark.browser

# The notebook named `name` is the current tab (a restored workspace may reopen other tabs)
# and its kernel is idle.
NOTEBOOK_READY = (
    "(name) => { const w = window.jupyterapp?.shell.currentWidget;"
    " return w?.context?.path === name && w?.sessionContext?.session?.kernel?.status === 'idle'; }"
)


def open_and_run_all(page, lab_server, name: str) -> None:
    """Open a notebook, wait for its kernel, run every cell and fail on any error output."""
    page.goto(f"{lab_server.url}lab/tree/{name}?reset&token={lab_server.token}")
    page.wait_for_function(NOTEBOOK_READY, arg=name, timeout=60_000)
    succeeded = page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    errors = page.evaluate(
        """() => {
        const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
        const found = [];
        for (let i = 0; i < cells.length; i++) {
          const outputs = cells.get(i).toJSON().outputs || [];
          for (const out of outputs) {
            if (out.output_type === 'error') found.push(`cell ${i}: ${out.ename}: ${out.evalue}`);
          }
        }
        return found; }"""
    )
    assert succeeded and not errors, f"{name} did not run cleanly: {errors}"


def scroll_to(page, selector: str, code: str):
    """Scroll the notebook to the first cell whose source contains `code`, then return the
    locator of `selector` once it is visible there.

    With full windowing, cells far from the viewport are not rendered, so the widget appears
    only after its cell is scrolled to; the notebook's own ``scrollToItem`` does that.
    """
    index = page.evaluate(
        """(code) => window.jupyterapp.shell.currentWidget.content.widgets.findIndex(
            (cell) => cell.model.sharedModel.getSource().includes(code))""",
        code,
    )
    assert index >= 0, f"no cell contains {code!r}"
    page.evaluate(
        "(i) => window.jupyterapp.shell.currentWidget.content.scrollToItem(i, 'start')", index
    )
    locator = page.locator(selector).filter(visible=True).first
    locator.wait_for(state="visible")
    locator.scroll_into_view_if_needed()
    return locator


def changes(page, selector: str, action) -> float:
    """Run `action` and wait until the element's HTML differs; returns the seconds it took."""
    before = page.inner_html(selector)
    start = time.perf_counter()
    action()
    page.wait_for_function(
        "([selector, before]) => document.querySelector(selector)?.innerHTML !== before",
        arg=[selector, before],
        timeout=60_000,
    )
    return time.perf_counter() - start


def notebooks_using(widget: str) -> list[str]:
    """Notebooks whose code builds `widget` (e.g. ``"AttentionExplorer("``)."""
    found = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        if any(cell.cell_type == "code" and widget in cell.source for cell in cells):
            found.append(path.name)
    return found


def test_demo_notebook_runs_and_its_widgets_respond(page, lab_server, timings):
    open_and_run_all(page, lab_server, DEMO_NOTEBOOK)

    demo = scroll_to(page, ".cinelab-recommender-demo", "RecommenderDemo(ds)")
    star = demo.locator(".cinelab-search-results .cinelab-film-row").first.locator(
        ".cinelab-star-4"
    )
    seconds = changes(page, ".cinelab-recommender-demo .cinelab-recommendations", star.click)
    timings.setdefault("lab_click_to_new_list_s", []).append(round(seconds, 3))

    scroll_to(page, ".cinelab-neighbour-explorer", "NeighbourExplorer(ds")
    changes(
        page,
        ".cinelab-neighbour-explorer .cinelab-neighbour-list",
        lambda: page.select_option(".cinelab-neighbour-similarity select", "cosine"),
    )

    loop = scroll_to(page, ".cinelab-feedback-loop", "FeedbackLoopSimulator(ds")
    rows_before = loop.locator(".cinelab-feedback-row").count()
    changes(page, ".cinelab-feedback-summary", loop.locator(".cinelab-feedback-run").click)
    assert loop.locator(".cinelab-feedback-row").count() == rows_before + 1


@pytest.mark.parametrize(
    ("widget", "control", "display"),
    [
        (
            "AttentionExplorer(",
            ".cinelab-attention-query button >> nth=1",
            ".cinelab-attention-heatmap",
        ),
        ("TrailerStudio(", ".cinelab-trailer-generate", ".cinelab-trailer-copy"),
    ],
    ids=["attention", "trailer"],
)
def test_other_live_demos_respond_in_lab(page, lab_server, widget, control, display):
    names = notebooks_using(widget)
    if not names:
        pytest.skip(f"no notebook builds {widget.rstrip('(')} yet")
    open_and_run_all(page, lab_server, names[0])
    scroll_to(page, display, widget)
    changes(page, display, page.locator(control).first.click)
