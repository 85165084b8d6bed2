"""The embedded dataset: the catalogue's facts, the generator's promises, and byte-for-byte reproducibility."""

import numpy as np
import pandas as pd
import pytest

from cinelab import data
from cinelab.data import synth
from cinelab.data.embedded import EMBEDDED_DIR, check_films, read_films


@pytest.fixture(scope="module")
def ds():
    return data.load("cinelab")


def test_ratings_file_is_exactly_what_the_generator_writes():
    ratings, _ = synth.generate(read_films())
    assert synth.to_csv_bytes(ratings) == (EMBEDDED_DIR / "ratings.csv").read_bytes()


def test_catalogue_has_300_films_with_known_genres_and_original_copy(ds):
    films = ds.items
    assert len(films) >= 300
    assert films["item_id"].is_unique
    assert not films.duplicated(["title", "year"]).any()
    assert films["year"].between(1900, 2025).all()
    used = set(films["genres"].str.split("|").explode())
    assert used == set(data.GENRES)
    for column in ("logline", "tagline"):
        assert films[column].str.len().gt(0).all()
        assert not films[column].duplicated().any()


def test_catalogue_spans_decades(ds):
    decades = (ds.items["year"] // 10 * 10).value_counts()
    assert len(decades) >= 8 and decades.max() < 0.35 * len(ds.items)


def test_ratings_meet_the_size_and_scale_promises(ds):
    r = ds.ratings
    assert r["user_id"].nunique() >= 1_000
    assert len(r) >= 50_000
    assert set(r["rating"].unique()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert r.groupby("user_id").size().min() >= 20
    assert set(r["item_id"]) <= set(ds.items["item_id"])


def test_popularity_and_activity_are_heavy_tailed(ds):
    per_film = ds.ratings.groupby("item_id").size().sort_values(ascending=False)
    top_tenth = per_film.iloc[: len(per_film) // 10].sum() / per_film.sum()
    assert top_tenth > 0.25  # a uniform catalogue would give 0.10
    per_user = ds.ratings.groupby("user_id").size()
    assert per_user.max() > 4 * per_user.median()


def test_missing_not_at_random_watched_films_beat_unwatched(ds):
    truth = ds.truth
    watched = ds.ratings.groupby("user_id")["item_id"].apply(set)
    gaps = []
    for user_id in watched.index[:200]:
        expected = pd.Series(
            truth.expected_rating(user_id, ds.items["item_id"]), index=ds.items["item_id"]
        )
        seen = expected.index.isin(list(watched[user_id]))
        gaps.append(expected[seen].mean() - expected[~seen].mean())
    assert np.mean(gaps) > 0.2


def test_observed_ratings_follow_the_planted_truth(ds):
    r = ds.ratings
    expected = np.concatenate(
        [ds.truth.expected_rating(u, g["item_id"]) for u, g in r.groupby("user_id", sort=True)]
    )
    observed = r.sort_values("user_id", kind="stable")["rating"].to_numpy()
    residual = observed - expected
    assert abs(residual.mean()) < 0.1
    assert 0.6 < residual.std() < 0.9  # the planted noise (0.7) plus rounding and clipping


def test_genres_drive_the_planted_film_factors(ds):
    genres = data.genre_matrix(ds.items["genres"])  # (n_films, 18)
    factors = ds.truth.item_factors.loc[ds.items["item_id"]].to_numpy()  # (n_films, k)
    _solution, residuals, *_ = np.linalg.lstsq(genres, factors, rcond=None)
    explained = 1 - residuals.sum() / ((factors - factors.mean(0)) ** 2).sum()
    assert explained > 0.5


def test_same_seed_same_ratings_other_seed_other_ratings():
    films = read_films()
    a, _ = synth.generate(films)
    b, _ = synth.generate(films)
    c, _ = synth.generate(films, synth.SynthConfig(seed=1))
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_unknown_genre_in_catalogue_is_reported():
    films = pd.DataFrame(
        {
            "item_id": [1],
            "title": ["X"],
            "year": [2000],
            "genres": ["Drama|Space Opera"],
            "logline": ["l"],
            "tagline": ["t"],
        }
    )
    with pytest.raises(ValueError, match=r"row 0: unknown genre\(s\) \['Space Opera'\]"):
        check_films(films)


def test_describe_mentions_the_key_numbers(ds):
    text = ds.describe()
    assert f"{len(ds.ratings):,}" in text and "density" in text and "1-5" in text
    assert ds.title(ds.items["item_id"].iloc[0]) == ds.items["title"].iloc[0]
    with pytest.raises(KeyError, match="not in the 'cinelab' catalogue"):
        ds.title(-1)
