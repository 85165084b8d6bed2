"""FilmChat driven from Python: type a question, read the answer, the sources, the scores."""

import pytest

from cinelab.language.chat import CatalogueChat
from cinelab.widgets import FilmChat
from cinelab.widgets import film_chat as film_chat_module


@pytest.fixture(scope="module")
def film_chat():
    return FilmChat()


def type_in_browser(view, text: str) -> None:
    """What the browser sends while a student types: the box's state, as a comm message would."""
    view.question.set_state({"value": text})


def press_enter(view) -> None:
    view.question._handle_custom_msg({"event": "submit"}, [])


def test_typing_a_question_shows_answer_sources_and_scores(film_chat):
    type_in_browser(film_chat, "What year did Alien come out?")
    press_enter(film_chat)
    answer = film_chat.answer
    assert answer.text == "Alien came out in 1979."
    assert "Alien came out in 1979." in film_chat.answer_view.value
    assert "Alien (1979)" in film_chat.answer_view.value  # the source is shown
    assert "<th>score</th>" in film_chat.retrieved_view.value
    assert film_chat.retrieved_view.value.count("<tr>") == 1 + len(answer.retrieved)
    assert "ms" in film_chat.status.value and "cinelab models pull" in film_chat.status.value


def test_refusal_is_shown_as_a_warning(film_chat):
    film_chat.ask("What is the population of Canada?")
    assert film_chat.answer.refused
    assert "cinelab-warning" in film_chat.answer_view.value
    assert "sources" not in film_chat.answer_view.value


def test_examples_and_the_method_switch_ask_again(film_chat):
    film_chat.examples.value = "What genres is Casablanca?"
    assert film_chat.answer.text == "Casablanca is listed as drama, romance and war."
    film_chat.method.value = "lsa"
    assert film_chat._current_chat().retriever.method == "lsa"
    assert film_chat.answer.question == "What genres is Casablanca?"
    film_chat.method.value = "bm25"


def test_the_widget_is_a_thin_view_over_the_chat():
    chat = CatalogueChat(k=3)
    view = FilmChat(chat)
    view.ask_button.click()  # empty box: nothing happens, nothing breaks
    assert view.answer is None
    view.ask("Tell me about Jaws")
    assert view.answer.text == chat.ask("Tell me about Jaws").text
    assert len(view.answer.retrieved) <= 3


def test_typing_alone_asks_nothing_and_ask_or_enter_asks():
    view = FilmChat()
    type_in_browser(view, "What year did Alien come out?")
    assert view.answer is None
    view.ask_button.click()
    assert view.answer.question == "What year did Alien come out?"
    type_in_browser(view, "Who directed Vertigo?")
    press_enter(view)
    assert view.answer.question == "Who directed Vertigo?"


def test_the_end_of_a_question_that_arrives_after_its_click_is_answered(monkeypatch):
    """The click overtook the last keystrokes (ipywidgets throttles state, not events)."""
    view = FilmChat()
    type_in_browser(view, "What year did Ali")
    view.ask_button.click()
    type_in_browser(view, "What year did Alien come out?")  # the late keystrokes
    assert view.answer.text == "Alien came out in 1979."
    monkeypatch.setattr(film_chat_module, "LATE_TEXT_SECONDS", 0.0)
    type_in_browser(view, "Who directed Vertigo?")  # a new question, typed later
    assert view.answer.question == "What year did Alien come out?"
