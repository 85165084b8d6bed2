"""Taste profiles from ratings and personas from words."""

import pandas as pd
import pytest

from cinelab.textgen import Audience, audience_from_persona, taste_profile

FILMS = pd.DataFrame(
    {
        "item_id": [1, 2, 3, 4, 5],
        "title": ["Alien", "Heat", "Up", "Halloween", "Casablanca"],
        "genres": [
            "Horror|Sci-Fi",
            "Action|Crime",
            "Animation|Adventure",
            "Horror",
            "Drama|Romance",
        ],
    }
)


def ratings(user_id, stars):
    return pd.DataFrame(
        {"user_id": user_id, "item_id": list(stars), "rating": list(stars.values())}
    )


def test_taste_profile_centres_on_the_users_own_average():
    # mean 3.0; Horror: Alien +2, Halloween +1 -> 3; Sci-Fi +2; Action/Crime -1; Drama/Romance -2
    profile = taste_profile(ratings(7, {1: 5, 2: 2, 4: 4, 5: 1}), FILMS, 7)
    assert profile.name == "user 7"
    assert profile.top_genres == ("Horror", "Sci-Fi")  # only genres above the user's usual
    assert profile.favourite_films == ("Alien", "Halloween", "Heat")


def test_a_generous_rater_still_has_a_taste():
    profile = taste_profile(ratings(1, {3: 5, 2: 4, 5: 4, 1: 4}), FILMS, 1, n_genres=1)
    assert profile.top_genres == ("Adventure",)  # ties broken by genre name, both Up's genres tie


def test_taste_profile_errors_name_the_user():
    with pytest.raises(ValueError, match="User 99"):
        taste_profile(ratings(1, {1: 5}), FILMS, 99)
    with pytest.raises(ValueError, match="user 1"):
        taste_profile(ratings(1, {42: 5}), FILMS, 1)


def test_persona_genres_in_order_of_mention():
    persona = audience_from_persona(
        "A teenager who loves scary movies, space operas and a good laugh"
    )
    assert persona.top_genres == (
        "Horror",
        "Sci-Fi",
    )  # "laugh" is not a genre word; "laughs" would be
    assert audience_from_persona("rom-coms and funny dogs").top_genres == ("Romance", "Comedy")


def test_persona_must_be_text():
    with pytest.raises(ValueError, match="persona"):
        audience_from_persona("  ")


def test_angle_is_the_films_genre_the_audience_loves_most():
    fan = Audience("fan", top_genres=("Romance", "Crime"))
    assert fan.angle_for(["Crime", "Drama", "Romance"]) == "Romance"
    assert fan.angle_for(["Horror", "Sci-Fi"]) == "Horror"  # no overlap: the film's first genre


def test_audience_rejects_unknown_genres():
    with pytest.raises(ValueError, match="Spaghetti"):
        Audience("x", top_genres=("Spaghetti",))


def test_describe_mentions_tastes():
    audience = Audience("Maya", ("Horror",), ("Alien",), "night owl")
    assert audience.describe() == "Maya: night owl; loves Horror; favourite films: Alien"


def test_favourites_carry_their_year_when_the_catalogue_has_one():
    films = FILMS.assign(year=[1979, 1995, 2009, 1978, 1942])
    profile = taste_profile(ratings(7, {1: 5, 2: 2, 4: 4, 5: 1}), films, 7)
    assert profile.favourite_films == ("Alien (1979)", "Halloween (1978)", "Heat (1995)")
