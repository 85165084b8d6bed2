"""FilmChat in a real browser: in Voilà (a one-cell app) and in JupyterLab (notebook 06).

Type a question, press Enter or click Ask, and the answer, its sources and the retrieved
films appear; a question the catalogue cannot answer is declined. Question-to-answer times
are recorded (not asserted: speed is measured in benchmarks/language.py).
"""

from __future__ import annotations

import sys
import time

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser.conftest import Server, free_port
from tests.browser.test_notebooks_lab import notebooks_using, open_and_run_all, scroll_to

pytestmark = pytest.mark.browser

CHAT = ".cinelab-film-chat"
ANSWER = f"{CHAT} .cinelab-chat-answer"
APP_CELL = "from cinelab.widgets import FilmChat\n\nFilmChat()"


@pytest.fixture(scope="module")
def chat_app(sandbox, tmp_path_factory):
    """Voilà serving a one-cell notebook that shows FilmChat, as an instructor would."""
    folder = tmp_path_factory.mktemp("film-chat-app")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(APP_CELL)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, folder / "film_chat.ipynb")
    port = free_port()
    command = [
        sys.executable, "-m", "voila", "film_chat.ipynb", "--no-browser", f"--port={port}",
        "--Voila.ip=127.0.0.1", "--template=lab", "--VoilaConfiguration.show_tracebacks=True",
    ]  # fmt: skip
    log = tmp_path_factory.mktemp("logs") / "voila-film-chat.log"
    server = Server("Voila", command, f"http://127.0.0.1:{port}/", sandbox["env"], log, folder)
    try:
        server.wait_until_ready(f"http://127.0.0.1:{port}/voila/static/voila.js")
        yield server
    finally:
        server.stop()


# JupyterLab's kernel status (Voila has no `jupyterapp`; its kernel is idle once the page shows).
KERNEL_IDLE = """() => {
    const kernel = window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel;
    return !kernel || kernel.status === 'idle';
}"""


def ask(page, question: str, submit, expected: str) -> float:
    """Type `question`, submit it with `submit(page)`, wait until the answer says `expected`;
    seconds taken.

    It waits for the words it expects, not for any change: with full windowing JupyterLab may
    re-render the widget while it is scrolled, which changes the page but not the answer. And,
    like a person, it types only once the kernel has finished with the previous question.
    """
    page.wait_for_function(KERNEL_IDLE)
    question_box = f"{CHAT} .cinelab-chat-question input"
    page.fill(question_box, question)
    started = time.perf_counter()
    submit(page)
    try:
        page.wait_for_function(
            "([selector, expected]) => document.querySelector(selector)?.innerText.includes(expected)",
            arg=[ANSWER, expected],
        )
    except PlaywrightTimeout:
        shown = page.inner_text(ANSWER)
        state = f"box {page.input_value(question_box)!r}, kernel idle {page.evaluate(KERNEL_IDLE)}"
        pytest.fail(f"Asked {question!r}; 30 s later the answer is still {shown!r} ({state}).")
    return time.perf_counter() - started


def press_enter(page) -> None:
    page.press(f"{CHAT} .cinelab-chat-question input", "Enter")


def click_ask(page) -> None:
    page.click(f"{CHAT} .cinelab-chat-ask")


def check_answers(page, timings, prefix: str, second_submit=click_ask) -> None:
    seconds = ask(page, "What year did Alien come out?", press_enter, "Alien came out in 1979.")
    # The answer, its sources and the retrieved films are separate widgets, updated in turn.
    expect(page.locator(ANSWER)).to_contain_text("Alien (1979)")  # its source
    expect(page.locator(f"{CHAT} .cinelab-chat-retrieved tr").nth(1)).to_contain_text("Alien")
    timings.setdefault(f"{prefix}_question_to_answer_s", []).append(round(seconds, 3))

    seconds = ask(page, "What is the population of Canada?", second_submit, "will not guess")
    expect(page.locator(f"{ANSWER} .cinelab-warning")).to_have_count(1)
    timings[f"{prefix}_question_to_answer_s"].append(round(seconds, 3))
    expect(page.locator(f"{CHAT} .cinelab-chat-status")).to_contain_text("ms")


def test_film_chat_answers_in_voila(page, chat_app, timings):
    page.goto(chat_app.url, wait_until="domcontentloaded", timeout=120_000)
    page.wait_for_selector(f"{CHAT} .cinelab-chat-question input", timeout=120_000)
    check_answers(page, timings, "voila")


def test_film_chat_answers_in_lab(page, lab_server, timings):
    names = notebooks_using("FilmChat(")
    if not names:
        pytest.skip("no notebook builds FilmChat yet")
    open_and_run_all(page, lab_server, names[0])
    scroll_to(page, f"{CHAT} .cinelab-chat-question", "FilmChat(")
    check_answers(page, timings, "lab")
