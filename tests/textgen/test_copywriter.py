"""TrailerCopywriter on the kit's model: formats, checks that tell the truth, audiences."""

import pandas as pd
import pytest
import torch

from cinelab.textgen import FORMATS, Audience, TrailerCopywriter, mentions_title
from cinelab.textgen.copywriter import Film, prompt_seed


@pytest.fixture(scope="module")
def writer(kit_lm):
    return TrailerCopywriter(kit_lm, seed=0)


def item_id(writer, title):
    films = writer.catalogue
    return int(films.loc[films["title"] == title, "item_id"].iloc[0])


@pytest.mark.parametrize("kind", list(FORMATS))
def test_every_format_is_written_and_its_checks_are_true(writer, kind):
    copy = writer.write(item_id(writer, "Alien"), kind=kind)
    checks, limits = copy.checks, FORMATS[kind]
    assert copy.text and copy.kind == kind and copy.film.title == "Alien"
    assert checks.n_words == len(copy.text.split()) and checks.n_characters == len(copy.text)
    expected_within = (limits.max_words is None or checks.n_words <= limits.max_words) and (
        limits.max_characters is None or checks.n_characters <= limits.max_characters
    )
    assert checks.within_length == expected_within
    assert checks.copied_from_corpus == writer.corpus_index.is_copied(copy.text)
    if limits.mention_title:
        assert checks.mentions_title is True and "Alien" in copy.text
    else:
        assert checks.mentions_title is None
    assert 1.0 < checks.perplexity < 1e4
    assert 0.0 <= checks.repetition_rate <= 1.0 and 0.0 < checks.distinct_1 <= 1.0


def test_the_chosen_candidate_passes_and_is_the_most_fluent_of_those_that_pass(writer):
    copy = writer.write(item_id(writer, "Heat"), kind="tagline", seed=3)
    assert len(copy.candidates) == writer.n_candidates and copy.text in copy.candidates
    assert copy.checks.passed


def test_greedy_and_beam_are_deterministic_and_differ_from_each_other(kit_lm):
    greedy = TrailerCopywriter(kit_lm, strategy="greedy")
    beam = TrailerCopywriter(kit_lm, strategy="beam", num_beams=4)
    film = greedy.catalogue.iloc[0].to_dict()
    assert greedy.write(film).text == greedy.write(film, seed=99).text
    assert len(greedy.write(film).candidates) == 1 and len(beam.write(film).candidates) == 1


def test_sampling_depends_on_the_seed(writer):
    film = item_id(writer, "Titanic")
    assert (
        writer.write(film, kind="social", seed=1).text
        != writer.write(film, kind="social", seed=2).text
    )


def test_two_audiences_get_different_angles_on_the_same_film(writer):
    film = writer.resolve_film(item_id(writer, "Titanic"))
    romantic = writer.write(film, Audience("romantic", ("Romance",)), kind="tagline")
    drama_fan = writer.write(film, "someone who loves drama and character studies", kind="tagline")
    assert (romantic.angle, drama_fan.angle) == ("Romance", "Drama")
    assert romantic.prompt_ids.tolist() != drama_fan.prompt_ids.tolist()


def test_a_user_id_reads_a_taste_profile_from_ratings(kit_lm):
    films = pd.DataFrame(
        {"item_id": [10, 11], "title": ["Scary", "Sweet"], "year": [2000, 2001],
         "genres": ["Horror", "Romance"], "logline": ["", ""], "tagline": ["", ""]}
    )  # fmt: skip
    ratings = pd.DataFrame({"user_id": [7, 7], "item_id": [10, 11], "rating": [5.0, 1.0]})
    writer = TrailerCopywriter(kit_lm, films=films, ratings=ratings, strategy="greedy")
    writer.__dict__["corpus_index"] = TrailerCopywriter(kit_lm).corpus_index
    both = {"title": "Both", "year": 2002, "genres": "Romance|Horror"}
    copy = writer.write(both, audience=7)
    assert copy.audience.top_genres == ("Horror",) and copy.angle == "Horror"


def test_mentions_title_matches_whole_words_in_order():
    assert mentions_title("Tonight, THE MATRIX has you.", "The Matrix")
    assert not mentions_title("The matrices are here.", "The Matrix")
    assert not mentions_title("Matrix, the", "The Matrix")


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda w: w.write(1, kind="poem"), ValueError, "kind"),
        (lambda w: w.write(-12345), ValueError, "item_id -12345"),
        (lambda w: w.write({"title": "X"}), ValueError, "lacks"),
        (lambda w: w.write(1, audience=""), ValueError, "persona"),
    ],
)
def test_bad_requests_raise_named_errors(writer, call, error, message):
    with pytest.raises(error, match=message):
        call(writer)


def test_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match="strategy"):
        TrailerCopywriter(strategy="telepathy")


def test_film_from_a_catalogue_row_keeps_its_facts(writer):
    film = Film.from_record(writer.catalogue.iloc[0].to_dict())
    assert isinstance(film.genres, tuple) and film.year > 1800 and film.logline


def test_each_prompt_gets_its_own_reproducible_draws():
    first, second = torch.tensor([[0, 5, 6]]), torch.tensor([[0, 5, 7]])
    assert prompt_seed(0, first) == prompt_seed(0, first.clone())
    assert len({prompt_seed(0, first), prompt_seed(0, second), prompt_seed(1, first)}) == 3
    assert prompt_seed(-3, first) >= 0
