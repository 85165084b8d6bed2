"""The written corpora (trailer copy and grounded copy): what a machine can check about them, and the one prompt format."""

import re
import unicodedata
from collections import Counter
from types import SimpleNamespace

import pandas as pd
import pytest

from cinelab.data.embedded import read_films
from cinelab.data.genres import GENRES
from cinelab.textgen.corpus import (
    COPY_LENGTHS,
    COPY_PATH,
    GROUNDED_COPY_PATH,
    KINDS,
    build_documents,
    build_prompt,
    load_copy,
    split_of,
)
from cinelab.textgen.facts import unknown_names, wrong_genre_claims

TEMPLATE_SHARE_LIMIT = 0.10
GENRE_HASHTAGS = {genre.replace("-", ""): genre for genre in GENRES}  # #SciFi, #FilmNoir


def normalised(text: str) -> str:
    """Lower case, punctuation dropped: "Fear becomes his weapon." == "fear becomes his weapon"."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def without_accents(text: str) -> str:
    """"Le Samouraï" -> "Le Samourai": a title's hashtag is written without its accents."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def opening(text: str, title: str, n_words: int = 3) -> str:
    """The first words of a line, with the film's title replaced by one placeholder word."""
    return " ".join(normalised(text.replace(title, " TITLEWORD ")).split()[:n_words])


@pytest.fixture(scope="module")
def films():
    return read_films()


def with_films(lines: pd.DataFrame, films: pd.DataFrame) -> pd.DataFrame:
    return lines.merge(films, on=["title", "year"], how="left", suffixes=("", "_film"))


@pytest.fixture(scope="module")
def trailer_copy(films):
    return with_films(load_copy(), films)


@pytest.fixture(scope="module")
def grounded(films):
    return with_films(load_copy(GROUNDED_COPY_PATH), films)


# the rules every written line keeps, checked on both corpora
@pytest.fixture(scope="module", params=[COPY_PATH, GROUNDED_COPY_PATH], ids=["trailer", "grounded"])
def copy(request, films):
    return with_films(load_copy(request.param), films)


@pytest.mark.parametrize(
    ("path", "fewest_lines"), [(COPY_PATH, 20_000), (GROUNDED_COPY_PATH, 4_000)]
)
def test_each_corpus_is_large_and_covers_every_film_with_every_kind(films, path, fewest_lines):
    lines = load_copy(path)
    assert len(lines) >= fewest_lines
    kinds_per_film = lines.groupby(["title", "year"])["kind"].nunique()
    assert len(kinds_per_film) == len(films)
    assert (kinds_per_film == len(KINDS)).all()


def test_a_film_of_several_genres_is_sold_from_two_angles_in_every_kind(trailer_copy):
    """So that the viewer line in the prompt carries signal: the same film and kind, written
    for two different fans."""
    several = trailer_copy[trailer_copy["genres"].str.contains("|", regex=False)]
    angles = several.groupby(["title", "year", "kind"])["angle"].nunique()
    assert (angles >= 2).all(), angles[angles < 2].head().to_dict()


def test_every_line_is_about_a_catalogue_film_with_a_valid_kind_and_angle(copy):
    assert copy["item_id"].notna().all(), copy.loc[copy["item_id"].isna(), "title"].tolist()[:5]
    assert set(copy["kind"]) == set(KINDS)
    wrong_angle = [a not in g.split("|") for a, g in zip(copy["angle"], copy["genres"])]
    assert not any(wrong_angle), copy.loc[wrong_angle, ["title", "angle"]].head().to_dict()


def test_no_line_repeats_a_catalogue_tagline(copy, films):
    catalogue_taglines = set(films["tagline"].dropna().map(normalised))
    repeated = copy.loc[copy["text"].map(normalised).isin(catalogue_taglines), "text"]
    assert repeated.empty, repeated.tolist()[:5]


def test_no_line_appears_twice(copy):
    counts = Counter(copy["text"].map(normalised))
    assert [text for text, count in counts.items() if count > 1] == []


@pytest.mark.parametrize("kind", KINDS)
def test_every_line_fits_the_length_limits_of_its_kind(copy, kind):
    fewest, most, most_characters = COPY_LENGTHS[kind]
    lines = copy.loc[copy["kind"] == kind, "text"]
    n_words = lines.str.split().str.len()
    outside = lines[(n_words < fewest) | (n_words > most) | (lines.str.len() > most_characters)]
    assert outside.empty, outside.tolist()[:5]


@pytest.mark.parametrize("kind", KINDS)
def test_no_opening_template_dominates_a_kind(copy, kind):
    lines = copy[copy["kind"] == kind]
    openings = Counter(opening(text, title) for text, title in zip(lines["text"], lines["title"]))
    frame, count = openings.most_common(1)[0]
    assert count / len(lines) < TEMPLATE_SHARE_LIMIT, (frame, count, len(lines))


def test_no_grounded_line_repeats_a_line_of_the_trailer_copy(trailer_copy, grounded):
    shared = set(grounded["text"].map(normalised)) & set(trailer_copy["text"].map(normalised))
    assert shared == set()


def test_grounded_lines_name_only_what_the_title_and_logline_name(grounded):
    """The point of the grounded copy: a model taught it learns not to invent people or places."""
    invented = []
    for text, title, year, logline in zip(
        grounded["text"], grounded["title"], grounded["year"], grounded["logline"]
    ):
        names = unknown_names(text, f"{title} ({year}) {logline}")
        if names:
            invented.append((title, names, text))
    assert invented == []


def test_grounded_lines_claim_only_the_films_own_genres(grounded):
    wrong = [
        (title, claims)
        for text, title, genres in zip(grounded["text"], grounded["title"], grounded["genres"])
        if (claims := wrong_genre_claims(text, title, genres.split("|")))
    ]
    assert wrong == []


def test_social_hashtags_are_the_films_own_genres_or_its_title(copy):
    wrong = []
    for text, title, genres in zip(copy["text"], copy["title"], copy["genres"]):
        for tag in re.findall(r"#(\w+)", text):
            own_genre = GENRE_HASHTAGS.get(tag) in genres.split("|")
            title_tag = tag.lower() == re.sub(r"[^0-9a-z]", "", without_accents(title).lower())
            if not (own_genre or title_tag):
                wrong.append((title, tag))
    assert wrong == []


def test_opening_replaces_the_title_and_ignores_case_and_punctuation():
    assert opening("Alien is the scariest film.", "Alien") == "titleword is the"
    assert opening("IN SPACE, nobody...", "Alien") == "in space nobody"


# ------------------------------------------------------------------ the prompt format


ALIEN = {
    "title": "Alien",
    "year": 1979,
    "genres": "Horror|Sci-Fi",
    "logline": "A towing ship's crew  answers a distress call.",
}


def test_build_prompt_lays_out_film_viewer_and_kind():
    prompt = build_prompt(ALIEN, "tagline", angle="Horror", favourite_film="The Thing (1982)")
    assert prompt == (
        "film: Alien (1979)\n"
        "genres: Horror, Sci-Fi\n"
        "logline: A towing ship's crew answers a distress call.\n"
        "viewer: a fan of Horror who loved The Thing (1982)\n"
        "kind: tagline\n"
        "copy:"
    )


def test_build_prompt_takes_records_objects_and_a_general_viewer():
    film = SimpleNamespace(**{**ALIEN, "genres": ("Horror", "Sci-Fi")})  # like a Film
    from_object = build_prompt(film, "blurb", angle="Sci-Fi")
    assert from_object == build_prompt(pd.Series(ALIEN), "blurb", angle="Sci-Fi")
    assert "viewer: a fan of Sci-Fi\n" in from_object


@pytest.mark.parametrize(
    ("kind", "angle", "message"),
    [("poster", "Horror", "kind must be one of"), ("tagline", "Comedy", "not one of 'Alien'")],
)
def test_build_prompt_refuses_unknown_kinds_and_foreign_angles(kind, angle, message):
    with pytest.raises(ValueError, match=message):
        build_prompt(ALIEN, kind, angle=angle)


def test_build_prompt_names_a_missing_field():
    with pytest.raises(ValueError, match="lacks 'genres'"):
        build_prompt({"title": "Alien", "year": 1979}, "tagline", angle="Horror")


def test_documents_are_prompt_then_copy_and_favourites_share_the_angle(films):
    lines = load_copy().head(300)
    documents = build_documents(films, lines)
    assert (documents["document"] == documents["prompt"] + " " + documents["text"]).all()
    assert set(documents["kind"]) <= set(KINDS)
    genres_by_name = dict(
        zip(films["title"] + " (" + films["year"].astype(str) + ")", films["genres"])
    )
    loved = documents["prompt"].str.extract(r"who loved (.+)\n")[0]
    with_favourite = loved.notna()
    assert 0.7 < with_favourite.mean() < 0.9  # four prompts in five name a favourite film
    for name, angle, title in zip(
        loved[with_favourite],
        documents["angle"][with_favourite],
        documents["title"][with_favourite],
    ):
        assert angle in genres_by_name[name].split("|") and not name.startswith(f"{title} (")
    again = build_documents(films, lines)
    assert again["prompt"].equals(documents["prompt"])  # seeded: the same favourites every time


def test_the_split_is_by_film(films):
    documents = build_documents(films, load_copy().head(500))
    splits_per_film = documents.groupby("item_id")["split"].nunique()
    assert (splits_per_film == 1).all()
    assert split_of("Alien", 1979) == split_of("Alien", 1979.0)
