"""Retrieval: BM25 by hand vs bm25s, LSA, hit@k, the question set."""

import bm25s
import numpy as np
import pytest

from cinelab.data.embedded import read_films
from cinelab.language import retrieval

CORPUS = [
    text.split()
    for text in (
        "a crew answers a distress call on a barren moon",
        "two sisters inherit an orchard and an old family quarrel",
        "a comic takes a job on a cruise ship ship ship",
        "a detective hunts smugglers in a winter port",
        "the crew of a ship hunts a whale across a cold sea",
    )
]


@pytest.mark.parametrize(
    "query", [["crew"], ["ship", "crew", "sea"], ["winter", "orchard", "unknown"]]
)
@pytest.mark.parametrize(("k1", "b"), [(1.5, 0.75), (1.2, 0.3)])
def test_bm25_matches_bm25s_lucene(query, k1, b):
    ours = retrieval.BM25(k1=k1, b=b).fit(CORPUS).scores(query)
    reference = bm25s.BM25(k1=k1, b=b, method="lucene")
    reference.index(CORPUS, show_progress=False)
    np.testing.assert_allclose(ours, reference.get_scores(query), rtol=1e-5, atol=1e-6)


def test_bm25_by_hand_on_one_term():
    """idf and saturation written out for "crew" (in 2 of 5 documents)."""
    model = retrieval.BM25(k1=1.5, b=0.75).fit(CORPUS)
    idf = np.log(1 + (5 - 2 + 0.5) / (2 + 0.5))
    lengths = np.array([len(d) for d in CORPUS], dtype=float)
    norm = 1.5 * (1 - 0.75 + 0.75 * lengths / lengths.mean())
    expected = np.array([idf / (1 + norm[0]), 0, 0, 0, idf / (1 + norm[4])])
    np.testing.assert_allclose(model.scores(["crew"]), expected)
    assert model.scores(["nothing"]).tolist() == [0.0] * 5
    with pytest.raises(ValueError, match="at least one document"):
        retrieval.BM25().fit([])


def test_stem_and_tokens():
    assert retrieval.stem("aliens") == "alien" and retrieval.stem("1970s") == "1970s"
    assert retrieval.stem("boss") == "boss" and retrieval.stem("crew's") == "crew"
    assert retrieval.tokens("What year did the Aliens come out?") == ["alien"]


def test_film_document_spells_out_decade_and_genres(films):
    document = retrieval.film_document(next(films.itertuples()))
    assert document.startswith(
        "Night Train. 1979 1970s. horror scary sci fi science fiction. A cargo crew"
    )


def test_lsa_puts_the_film_itself_first(films):
    retriever = retrieval.FilmRetriever(films, method="lsa")
    scores = retriever.scores(retriever.documents[2])
    assert scores.argmax() == 2 and scores.max() == pytest.approx(1.0)
    assert np.all(np.abs(scores) <= 1 + 1e-9)


def test_search_ranks_and_leaves_out_non_matches(films):
    found = retrieval.FilmRetriever(films).search("icy harbour smugglers", k=3)
    assert found["title"].tolist() == ["Frozen Harbour"]
    assert list(found.columns) == ["item_id", "title", "year", "genres", "logline", "score"]


def test_retriever_refuses_bad_input(films):
    with pytest.raises(ValueError, match="method must be one of"):
        retrieval.FilmRetriever(films, method="dense")
    retriever = retrieval.FilmRetriever(films)
    with pytest.raises(ValueError, match="question must be some text"):
        retriever.search("   ")
    with pytest.raises(ValueError, match="k must be at least 1"):
        retriever.search("moon", k=0)


def test_hit_at_k_by_hand():
    ranked = [[3, 1, 2], [5, 6, 7], [9, 8, 4]]
    gold = [[1], [7, 40], [2]]
    assert retrieval.hit_at_k(ranked, gold, 1) == 0
    assert retrieval.hit_at_k(ranked, gold, 2) == pytest.approx(1 / 3)
    assert retrieval.hit_at_k(ranked, gold, 3) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="3 rankings but 1 gold"):
        retrieval.hit_at_k(ranked, gold[:1], 1)


def test_question_set_is_complete_and_its_gold_films_exist():
    questions = retrieval.load_questions()
    assert len(questions) >= 80 and questions["question"].is_unique
    assert set(questions["kind"]) == {"lookup", "year", "genres", "about", "like", "none"}
    known = set(read_films()["item_id"])
    answerable = questions[questions["kind"] != "none"]
    assert all(gold and set(gold) <= known for gold in answerable["gold"])
    assert all(not gold for gold in questions.loc[questions["kind"] == "none", "gold"])


def test_bm25_finds_most_described_films_first():
    """A floor, not the benchmark: descriptions in our own words must find their film."""
    questions = retrieval.load_questions()
    lookups = questions[questions["kind"] == "lookup"]
    retriever = retrieval.FilmRetriever()
    ranked = [list(retriever.search(q, k=5)["item_id"]) for q in lookups["question"]]
    assert retrieval.hit_at_k(ranked, list(lookups["gold"]), 1) >= 0.9
