"""The facts check: wrong genre claims, years and names fail; the kit's own copy passes."""

import pytest

from cinelab.data.embedded import read_films
from cinelab.textgen import Film, check_copy
from cinelab.textgen.corpus import load_copy
from cinelab.textgen.facts import (
    known_about,
    names_in,
    unknown_names,
    wrong_genre_claims,
    wrong_years,
)


def facts(text, film, kind="blurb"):
    return check_copy(text, film, kind)["facts"]


@pytest.mark.parametrize(
    ("title", "text", "reason"),
    [  # slips the kit's model made in a cold read
        ("Toy Story", "Toy Story is the most bleakest action film ever made. #Animation",
         "'Toy Story is the most bleakest action film' calls it Action;"),
        ("The Shape of Water", ("The Shape of Water is the most charming romantic comedy ever made,"
         " a gentle story of a strange man."), "calls it Comedy;"),
        ("An Inconvenient Truth", ("A 1993 drama in the cinematography, An Inconvenient Truth is"
         " an easy story of fiction."), "says 1993; the film is from 2006."),
        ("The French Connection", ("The French Connection is the most beautiful 80 minutes of the"
         " 2000s, a chase through the city."), "says 2000s; the film is from 1971."),
        ("Amadeus", ("Denzel Grim and Christopher Nicholson star in Amadeus, a landmark drama"
         " about grief."), "names Grim, Christopher, Nicholson:"),
        ("Die Hard", "Die Hard is the best Bond film I've ever seen. Die Hard never stops.",
         "names Bond:"),
        ("Argo", "Argo is the best superhero film ever made. The sound design is the best.",
         ("calls it a superhero film, which would be Action, Adventure, Animation, Fantasy or"
          " Sci-Fi; it is Drama, Thriller.")),
    ],
)  # fmt: skip
def test_a_false_fact_fails_with_its_reason(films, title, text, reason):
    check = facts(text, films[title], "social" if "#" in text else "blurb")
    assert not check.passed
    assert reason in check.reason


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Toy Story", ("Toy Story is the funniest animated film of the year, with a cowboy doll"
         " and a space ranger.")),  # Animation and Comedy are its genres
        ("Argo", ("Argo, a thriller about a fake film crew, plays like a heist. In 1979 the plan"
         " was crazy.")),  # 1979 is in its logline
        ("Grave of the Fireflies", "A sister, a burning world, and a long way home."),
        ("Die Hard", "Feels like a documentary of one bad night. Die Hard in the 80s."),  # not a claim; its decade
        ("Amadeus", "Mozart laughs; Salieri listens. Amadeus on Friday."),  # names it knows, a day
    ],
)  # fmt: skip
def test_true_or_harmless_copy_passes(films, title, text):
    check = facts(text, films[title])
    assert check.passed, check.reason


def test_genre_claims_read_only_claims_about_the_film():
    genres = ["Drama"]
    assert wrong_genre_claims("Alien is a thriller about a crew.", "Alien", genres) == [
        ("Thriller", "Alien is a thriller")
    ]
    assert wrong_genre_claims("A touch of romance, a hint of mystery.", "X", genres) == []
    assert wrong_genre_claims("It feels like a documentary.", "X", genres) == []
    assert wrong_genre_claims("A Cold War drama about a spy.", "X", genres) == []
    assert wrong_genre_claims("The scariest horror film of the year.", "X", ["Horror"]) == []
    # kinds of film without a MovieLens genre: wrong only when none of the implied genres fits
    assert wrong_genre_claims("X is a zombie comedy about exams.", "X", ["Comedy"]) == [
        ("a zombie film, which would be Horror", "X is a zombie comedy")
    ]
    assert wrong_genre_claims("X is a zombie comedy about exams.", "X", ["Comedy", "Horror"]) == []
    assert wrong_genre_claims("The best superhero film ever.", "X", ["Action", "Crime"]) == []
    assert wrong_genre_claims("Not a superhero movie. X is a study.", "X", ["Drama"]) == []
    assert wrong_genre_claims("A former superhero who wants respect.", "X", ["Drama"]) == []
    assert wrong_genre_claims(
        "Tonight: the biggest romantic comedy ever filmed!", "X", ["Drama"]
    ) == [
        ("Comedy", "the biggest romantic comedy ever"),
        ("Romance", "the biggest romantic comedy ever"),
    ]  # a real chat model's slip about Bacurau


def test_drama_is_a_claim_unless_it_names_crime_or_war():
    exit_shop = "A French businessman who never stops videotaping. A gripping drama of obsession."
    assert wrong_genre_claims(
        exit_shop, "Exit Through the Gift Shop", ["Comedy", "Documentary"]
    ) == [
        ("Drama", "A gripping drama of")
    ]  # a slip both blind readers called wrong (benchmarks/README.md)
    die_hard = "Die Hard is a gripping crime drama that keeps your heart racing."
    assert wrong_genre_claims(die_hard, "Die Hard", ["Action", "Crime", "Thriller"]) == []
    assert wrong_genre_claims("X is a war drama about a pilot.", "X", ["War"]) == []
    window = "Every window across the courtyard holds a little drama of its own."
    assert wrong_genre_claims(window, "Rear Window", ["Mystery", "Thriller"]) == []  # not the film
    assert wrong_genre_claims("Toy Story is an action adventure drama.", "Toy Story",
                              ["Adventure", "Animation", "Children", "Comedy"]) == [
        ("Action", "Toy Story is an action adventure"),
        ("Drama", "Toy Story is an action adventure drama"),
    ]  # fmt: skip


def test_a_sentence_that_is_only_a_genre_is_a_claim():
    amadeus = "The composer Salieri is tortured by his rivalry with Mozart. A romantic comedy."
    assert wrong_genre_claims(amadeus, "Amadeus", ["Drama"]) == [
        ("Comedy", "A romantic comedy."),
        ("Romance", "A romantic comedy."),
    ]  # the adapter's Amadeus blurb that two readers called wrong
    assert wrong_genre_claims("A heist. A thriller.", "X", ["Crime"]) == [
        ("Thriller", "A thriller.")
    ]
    assert wrong_genre_claims("A heist. A thriller.", "X", ["Crime", "Thriller"]) == []
    assert wrong_genre_claims("A documentary crew? No.", "X", ["Drama"]) == []  # not a sentence


def test_years_and_decades():
    assert wrong_years("Made in 1971, set in the 1940s.", 1971, "Set in the 1940s.") == []
    assert wrong_years("The best film of 1999 and the '80s.", 1971, "") == ["1999", "'80s"]
    assert wrong_years("A $1999 budget, 19999 extras, 1,999 horses.", 1971, "") == []
    assert wrong_years("Back to 1985.", None, "") == ["1985"]
    assert wrong_years("In 1995, a boy.", 1971, "") == ["1995"]  # a year before a comma
    assert wrong_years("Back in 1985, again.", 1990, "In 1985, a teenager.") == []
    assert wrong_years("1985,000 fans.", 1971, "") == []


def test_names_are_capitalised_words_inside_sentences_or_not_english_openers():
    text = "Walter Keaton runs. Then Bella sings! The CIA calls. I've seen it. #MovieNight with Deneuve"
    assert names_in(text) == ["Keaton", "Bella", "Deneuve"]
    assert unknown_names(text, "Bella's song") == ["Keaton", "Deneuve"]
    assert unknown_names("Keaton's fall. Then Keaton's rise.", "") == ["Keaton's"]


def test_what_the_kit_knows_includes_its_hand_written_copy(films):
    amadeus = films["Amadeus"]
    known = known_about("Amadeus", int(amadeus["year"]), [amadeus["logline"]])
    copy = load_copy()
    for line in copy.loc[copy.title == "Amadeus", "text"]:
        assert line in known
    assert known_about("Amadeus", None, ["x"]) == "Amadeus \nx \n"  # no year: no corpus lookup


def test_a_film_without_a_year_is_checked_for_claims_and_names():
    film = Film("Night Train", 0, ("Drama",))
    record = {"title": "Night Train", "genres": "Drama"}
    assert not check_copy("Night Train is a comedy about trains.", record, "tagline").passed
    assert check_copy("Night Train leaves at nine.", film, "tagline")["facts"].passed


def test_the_kits_own_copy_rarely_trips_the_genre_and_year_rules():
    """Each hand-written line judged against the film's other lines (leave one out).

    Measured: 30 of 20,077 lines make a genre claim the MovieLens genres lack (all arguable:
    "Badlands is a teenage romance"), 112 name a year or decade no other line of the film has.
    """
    films = read_films()
    copy = load_copy().merge(films, on=["title", "year"], suffixes=("", "_film"))
    lines_of = copy.groupby(["title", "year"])["text"].apply(list).to_dict()
    claims = years = 0
    for row in copy.itertuples():
        others = [line for line in lines_of[(row.title, row.year)] if line != row.text]
        known = " \n".join([row.title, row.logline, row.tagline, *others])
        claims += bool(wrong_genre_claims(row.text, row.title, row.genres.split("|")))
        years += bool(wrong_years(row.text, row.year, known))
    assert claims / len(copy) < 0.002
    assert years / len(copy) < 0.006
