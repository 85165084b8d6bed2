"""The grounded film chat: composed answers with sources, refusals, and RAG with a fake model."""

import sys
import types

import pytest

from cinelab.language import chat as chat_module
from cinelab.language.chat import CatalogueChat, build_messages


class FakeChatModel:
    """Stands in for `pretrained.load_chat(name)`: records what it was asked, replies a line."""

    def __init__(self, reply="It is a film."):
        self.calls = []
        self._reply = reply

    def reply(self, messages, max_new_tokens=128, seed=0):
        self.calls.append({"messages": messages, "max_new_tokens": max_new_tokens, "seed": seed})
        return self._reply


@pytest.fixture
def small_chat(films):
    return CatalogueChat(films)


def test_year_question_answers_with_its_source(small_chat):
    answer = small_chat.ask("When did Night Train come out?")
    assert answer.text == "Night Train came out in 1979."
    assert not answer.refused and not answer.generated
    (source,) = answer.sources
    assert (source.title, source.year) == ("Night Train", 1979)
    assert source.sentence == "released 1979; genres Horror, Sci-Fi."
    assert answer.retrieved.loc[0, "title"] == "Night Train"


def test_genre_and_about_questions(small_chat):
    assert small_chat.ask("What genres is The Orchard?").text == (
        "The Orchard is listed as drama and romance."
    )
    about = small_chat.ask("Tell me about laugh track")
    assert "cruise ship" in about.text and about.sources[0].sentence.startswith("A failing")


def test_description_finds_the_film_and_cites_the_logline(small_chat):
    answer = small_chat.ask("the one where a detective chases smugglers in a winter port")
    assert answer.text.startswith("That sounds like Frozen Harbour (2012)")
    assert answer.sources[0].sentence == small_chat.films.loc[3, "logline"]


def test_like_question_never_returns_the_film_itself(small_chat):
    answer = small_chat.ask("something like Night Train but funnier")
    assert "Night Train" not in [s.title for s in answer.sources]
    assert answer.sources[0].title == "Laugh Track"  # "funnier" steers towards comedy


@pytest.mark.parametrize(
    "question",
    ["What is the capital of Peru?", "How do I bake sourdough bread?", "Who directed Night Train?"],
)
def test_the_chat_declines_when_the_catalogue_cannot_answer(small_chat, question):
    answer = small_chat.ask(question)
    assert answer.refused and not answer.sources
    assert "catalogue" in answer.text


def test_empty_question_is_refused_clearly(small_chat):
    with pytest.raises(ValueError, match="ask a question in words"):
        small_chat.ask("  ")


def test_remake_titles_use_the_year_in_the_question():
    chat = CatalogueChat()
    assert chat.films.loc[chat.mentioned_film("True Grit 1969, when?"), "year"] == 1969
    assert chat.films.loc[chat.mentioned_film("When did True Grit come out?"), "year"] == 2010
    # "frozen" is a title and a word: the description wins when it matches another film better
    answer = chat.ask("a hapless prospector in the frozen Klondike chasing gold")
    assert answer.sources[0].title == "The Gold Rush"


def test_rag_puts_the_retrieved_facts_in_the_prompt(films):
    model = FakeChatModel("Night Train (1979) follows a cargo crew.")
    answer = CatalogueChat(films, chat_model=model).ask("What is Night Train about?")
    assert answer.generated and answer.text == "Night Train (1979) follows a cargo crew."
    (call,) = model.calls
    assert call["seed"] == 0
    system, user = call["messages"]
    assert system["role"] == "system" and "only the numbered facts" in system["content"]
    assert "[1] Night Train (1979): A cargo crew answers a distress call" in user["content"]
    assert user["content"].endswith("Question: What is Night Train about?")


def test_rag_answer_that_forgets_its_sources_gets_them_added(films):
    answer = CatalogueChat(films, chat_model=FakeChatModel("A scary one.")).ask(
        "When did Night Train come out?"
    )
    assert answer.text == "A scary one. (Sources: Night Train (1979).)"


def test_rag_never_asks_the_model_when_the_catalogue_has_no_answer(films):
    model = FakeChatModel()
    answer = CatalogueChat(films, chat_model=model).ask("What is the capital of Peru?")
    assert answer.refused and model.calls == []


def test_build_messages_numbers_every_source(small_chat):
    sources = small_chat.ask("something like The Orchard").sources
    user = build_messages("q?", sources)[1]["content"]
    assert [f"[{n}]" in user for n in range(1, len(sources) + 1)] == [True] * len(sources)


def test_cached_chat_model_is_none_without_a_cache(monkeypatch):
    fake = types.ModuleType("cinelab.textgen.pretrained")
    fake.cached = lambda task=None: []
    monkeypatch.setitem(sys.modules, "cinelab.textgen.pretrained", fake)
    assert chat_module.cached_chat_model() is None
    fake.cached = lambda task=None: ["tiny-chat"] if task == "chat" else []
    fake.load_chat = lambda name: FakeChatModel(f"loaded {name}")
    assert chat_module.cached_chat_model().reply([]) == "loaded tiny-chat"
