"""Typed explanation terms and the kit's one-line reason, for hand-made terms and every model."""

import re

import numpy as np
import pandas as pd
import pytest

from cinelab import recsys
from cinelab.recsys.explanation import Term, TermKind, reason, terms_frame, terms_of
from cinelab.recsys.registry import MODELS, build_model

G, U, F = TermKind.GLOBAL_MEAN, TermKind.USER_BIAS, TermKind.FILM_BIAS
TITLES = {1: "Alien (1979)", 2: "Heat (1995)"}


def film(item, value, rating, kind=TermKind.FILM_NEIGHBOUR, part=None):
    return Term(kind, value, refers_to=item, similarity=0.5, rating=rating, part=part)


def test_a_film_neighbour_you_liked_is_the_reason():
    terms = [Term(G, 3.5), Term(F, 0.6), film(1, 0.4, 5.0), film(2, -0.1, 2.0)]
    assert reason(terms, TITLES) == "You rated Alien (1979) 5★ and people who liked it liked this."
    lukewarm = [Term(G, 3.5), film(1, 0.4, 3.0)]
    assert reason(lukewarm, TITLES) == (
        "You watched Alien (1979) (you gave it 3★), and people who watched it watched this."
    )


def test_people_who_rate_like_you_are_summed_up_with_their_weighted_mean():
    people = [
        Term(G, 3.5),
        Term(TermKind.USER_NEIGHBOUR, 0.3, refers_to=7, similarity=0.75, rating=5.0),
        Term(TermKind.USER_NEIGHBOUR, 0.1, refers_to=9, similarity=0.25, rating=3.0),
    ]
    assert reason(people) == "2 people who rate like you gave it 4.5★ on average."


def test_without_neighbours_the_largest_personal_term_is_named():
    assert reason([Term(G, 3.5), Term(F, 0.1), Term(TermKind.FACTORS, 0.6)]) == (
        "It matches the tastes your ratings reveal (+0.60)."
    )
    assert reason([Term(G, 3.5), Term(U, -0.4), Term(F, 0.3), Term(TermKind.CLIP, -9)]) == (
        "You rate strictly (-0.40)."
    )
    assert reason([Term(G, 3.5), Term(U, 0.1), Term(F, -0.3)]) == (
        "Most people rate it below average (-0.30)."
    )
    assert reason([Term(G, 3.5), Term(U, 0.0)]) == (
        "Nothing personal tips the balance: it sits at the average."
    )


def test_unknown_people_films_and_popularity_say_so():
    assert reason([Term(G, 3.5), Term(TermKind.UNKNOWN_USER, 0), Term(F, 0.2)]) == (
        "You have not rated anything yet: most people rate it above average (+0.20)."
    )
    assert reason([Term(G, 3.5), Term(U, 0.2), Term(TermKind.UNKNOWN_FILM, 0)]).startswith(
        "The model has never seen this film"
    )
    assert reason([Term(G, 3.5), Term(F, 0.2, support=1234)]) == "Popular: 1,234 people rated it."


def test_a_blend_names_films_never_its_parts():
    terms = [
        Term(G, 2.0, part="collaborative"),
        film(2, 0.05, 4.0, part="collaborative"),
        Term(G, 1.5, part="content"),
        film(1, 0.2, 5.0, kind=TermKind.CONTENT, part="content"),
    ]
    text = reason(terms, TITLES)
    assert (
        text == "Its description resembles Alien (1979) (you gave it 5★), and that moves it +0.20."
    )
    assert "collaborative" not in text and "people who rate like you" not in text


def test_the_frame_keeps_the_types_and_reads_back():
    terms = [Term(G, 3.5), Term(U, 0.2), film(1, 0.4, 5.0, part="content")]
    frame = terms_frame(terms)
    assert list(frame.columns) == [
        "term", "kind", "value", "neighbour_id", "similarity", "rating", "part"
    ]  # fmt: skip
    assert list(frame["term"]) == ["global mean", "user bias", "content: film 1"]
    assert terms_frame(terms_of(frame)).equals(frame)
    assert [t.part for t in terms_of(frame)] == [None, None, "content"]


# ------------------------------------------------------------------ every model, fitted
BIAS = (
    r"(You rate (generously|strictly)|Most people rate it (above|below) average) \([+-]\d\.\d\d\)\."
)
TASTE = r"It (matches|goes against) the tastes your ratings reveal \([+-]\d\.\d\d\)\."
RATED = r"You (rated Film [012] \d(\.5)?★ and people who liked it liked this|watched Film [012]" \
    r"( \(you gave it \d(\.5)?★\))?, and people who watched it watched this)\."  # fmt: skip
PEOPLE = r"\d+ people who rate like you gave it \d\.\d★ on average\."
CONTENT = r"Its description resembles Film [012] \(you gave it \d(\.5)?★\), (and|but) that moves it [+-]\d\.\d\d\."  # fmt: skip
EXPECTED = {
    "Popularity": (r"Popular: \d+ people rated it\.", None),
    "Baseline": (BIAS, None),
    "User-KNN": (f"{PEOPLE}|{BIAS}", PEOPLE),
    "Item-KNN": (f"{RATED}|{BIAS}", RATED),
    "FunkSVD": (f"{TASTE}|{BIAS}", None),
    "ALS": (f"{TASTE}|{BIAS}", None),
    "Content-based": (f"{CONTENT}|{BIAS}", CONTENT),
    "Hybrid": (f"{RATED}|{CONTENT}|{BIAS}", f"{RATED}|{CONTENT}"),
    "EASE (top-N)": (r"You watched Film [012], and people who watched it watched this\.", None),
}


def test_every_registered_model_has_an_expected_reason():
    assert set(EXPECTED) == set(MODELS)


@pytest.fixture(scope="module", params=list(MODELS))
def registered(request, ratings, items):
    return request.param, build_model(request.param, items).fit(ratings)


def test_reasons_read_right_for_every_model(registered, items):
    name, model = registered
    allowed, some_reason = EXPECTED[name]
    titles = dict(zip(items["item_id"], items["title"], strict=True))
    person = model.fold_in({1000: 5.0, 1001: 1.0, 1002: 4.5})
    reasons = []
    for item in person.recommend(n=5)["item_id"]:
        terms = person.explain(item)
        assert terms["value"].sum() == pytest.approx(terms.attrs["prediction"])
        assert all(isinstance(kind, TermKind) for kind in terms["kind"])
        assert terms.attrs["reason"] == reason(terms)  # the model's reason is the kit's reason
        reasons.append(reason(terms, titles))
    for text in reasons:
        assert re.fullmatch(allowed, text), f"{name}: {text!r}"
        assert "collaborative" not in text and "content:" not in text
    if some_reason is not None:
        assert any(re.fullmatch(some_reason, text) for text in reasons), (name, reasons)


def test_a_person_with_no_usable_rating_is_told_so(registered):
    name, model = registered
    terms = model.fold_in({}).explain(1003)
    expected = "Popular: " if name == "Popularity" else "You have not rated anything yet"
    assert terms.attrs["reason"].startswith(expected)


def test_the_hybrids_neighbours_are_films(ratings, items):
    model = build_model("Hybrid", items).fit(ratings)
    terms = terms_of(model.explain(100, 1003))
    neighbour_kinds = {t.kind for t in terms if t.refers_to is not None}
    assert neighbour_kinds <= {TermKind.FILM_NEIGHBOUR, TermKind.CONTENT} and neighbour_kinds
    assert {t.part for t in terms} == {"collaborative", "content"}


def test_baseline_has_one_set_of_biases(ratings):
    model = recsys.Baseline(user_regularization=2.0, item_regularization=3.0).fit(ratings)
    terms = model.explain(100, 1003).set_index("term")["value"]
    unknown_film = model.predict(pd.DataFrame({"user_id": [100], "item_id": [-1]}))[0]
    assert unknown_film - model.baseline_.global_mean == pytest.approx(terms["user bias"])
    assert model.biases_ is model.baseline_
    popularity = recsys.Popularity().fit(ratings)
    damped = popularity.explain(100, 1003)["value"].sum()
    fallback = popularity.predict(pd.DataFrame({"user_id": [-1], "item_id": [1003]}))[0]
    assert damped == pytest.approx(fallback)
    assert np.all(popularity.baseline_.user == 0)
