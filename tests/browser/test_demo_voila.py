"""The classroom app as a student sees it: Voilà serving notebook 07, driven in Chromium.

Rate three films, watch the list change with reasons, switch algorithm, reload the page and
find the ratings still there. Each click-to-updated-list time is recorded (not asserted: speed
is measured, never tested) in test-artifacts/browser/timings.json.
"""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser

DEMO = ".cinelab-recommender-demo"
TOP_LIST = f"{DEMO} .cinelab-topn"
PAGE_TIMEOUT_MS = 120_000  # Voilà runs the whole notebook before the page appears


def open_demo(page, url: str) -> None:
    """Load the page and wait until the whole notebook has run.

    With progressive rendering the demo appears first, but clicks queue behind the cells still
    running, so timings start once the last widget (the feedback loop's two runs) is there.
    """
    page.goto(url, wait_until="domcontentloaded", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_selector(TOP_LIST, timeout=PAGE_TIMEOUT_MS)
    page.locator(".cinelab-feedback-row").nth(1).wait_for(timeout=PAGE_TIMEOUT_MS)


def revision(page) -> str:
    return page.get_attribute(TOP_LIST, "data-revision")


def wait_for_new_list(page, before: str) -> None:
    page.wait_for_function(
        "([selector, before]) => {"
        " const list = document.querySelector(selector);"
        " return list && list.dataset.revision !== before; }",
        arg=[TOP_LIST, before],
    )


def top_titles(page) -> list[str]:
    return page.locator(f"{TOP_LIST} .cinelab-rec-title").all_inner_texts()


def visible_rows(page, container: str):
    return page.locator(f"{DEMO} {container} .cinelab-film-row").filter(visible=True)


def rate_by_search(page, title: str, stars: int) -> float:
    """Type the title into the search box, click a star on the match; seconds to new list."""
    page.fill(f"{DEMO} .cinelab-search input", title.rsplit(" (", 1)[0])
    match = visible_rows(page, ".cinelab-search-results").first
    match.locator(".widget-html-content", has_text=title).wait_for()
    before = revision(page)
    start = time.perf_counter()
    match.locator(f".cinelab-star-{stars}").click()
    wait_for_new_list(page, before)
    return time.perf_counter() - start


def test_rate_switch_algorithm_and_reload(page, voila_server, sandbox, timings):
    open_demo(page, voila_server.url)
    cold_start = top_titles(page)
    assert len(cold_start) == 10
    suggestions = visible_rows(page, ".cinelab-search-results").locator(".widget-html-content")
    to_rate = suggestions.all_inner_texts()[:3]

    clicks = [rate_by_search(page, title, stars) for title, stars in zip(to_rate, (5, 5, 1))]
    timings.setdefault("voila_click_to_new_list_s", []).extend(round(t, 3) for t in clicks)

    rated_list = top_titles(page)
    assert rated_list != cold_start
    assert not set(rated_list) & set(to_rate), "rated films are never recommended back"
    reasons = page.locator(f"{TOP_LIST} .cinelab-reason").all_inner_texts()
    assert len(reasons) == 10 and all(reasons)
    assert any(reason.startswith(("You rated", "You watched")) for reason in reasons)
    assert sandbox["ratings_file"].exists()

    before = revision(page)
    start = time.perf_counter()
    page.select_option(f"{DEMO} .cinelab-algorithm select", label="ALS")
    wait_for_new_list(page, before)
    timings.setdefault("voila_switch_to_ALS_s", []).append(round(time.perf_counter() - start, 3))
    assert page.get_attribute(TOP_LIST, "data-algorithm") == "ALS"
    assert top_titles(page) != rated_list

    page.reload(wait_until="domcontentloaded", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_selector(TOP_LIST, timeout=PAGE_TIMEOUT_MS)
    page.locator(".cinelab-feedback-row").nth(1).wait_for(timeout=PAGE_TIMEOUT_MS)
    remembered = visible_rows(page, ".cinelab-my-ratings").locator(".widget-html-content")
    assert sorted(remembered.all_inner_texts()) == sorted(to_rate)
    assert top_titles(page) == rated_list, "same ratings, same default algorithm, same list"
    assert "3 saved rating(s) loaded" in page.inner_text(f"{DEMO} .cinelab-status")
