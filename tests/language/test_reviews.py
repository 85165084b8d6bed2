"""The review table: stars to classes, the machine-checkable rules, the split by film."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cinelab.language.reviews import (
    ReviewDataError,
    check_reviews,
    load_reviews,
    sentiment_of_rating,
    split_by_film,
)

REPO = Path(__file__).resolve().parents[2]


def test_stars_map_to_three_classes():
    assert list(sentiment_of_rating([1, 2, 3, 4, 5])) == [
        "negative", "negative", "mixed", "positive", "positive",
    ]  # fmt: skip


def test_stars_outside_one_to_five_are_refused():
    with pytest.raises(ReviewDataError, match="stars from 1 to 5"):
        sentiment_of_rating([0, 3])


def test_fixture_passes_every_rule(reviews, ratings, films):
    assert check_reviews(reviews, ratings, films) is reviews


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.drop(columns="review"), r"missing column\(s\) \['review'\]"),
        (
            lambda r: r.assign(review=r["review"].where(r.index != 2, "  ")),
            r"empty review at line\(s\) 4\.",
        ),
        (lambda r: r.assign(review=r["review"].where(r.index != 1, "Too short.")), "3 to 80 words"),
        (lambda r: pd.concat([r, r.iloc[[0]]], ignore_index=True), "repeats at line"),
        (lambda r: r.assign(item_id=r["item_id"].where(r.index != 3, 99)), "not in the catalogue"),
        (
            lambda r: r.assign(rating=r["rating"].where(r.index != 0, 4)),
            r"not a row of the ratings at line\(s\) 2\.",
        ),
        (lambda r: r[r["rating"] != 3], r"class\(es\) \['mixed'\]"),
    ],
    ids=["column", "empty", "length", "duplicate", "unknown-film", "wrong-rating", "no-mixed"],
)
def test_each_broken_rule_is_named_with_its_line(reviews, ratings, films, change, message):
    with pytest.raises(ReviewDataError, match=message):
        check_reviews(change(reviews), ratings, films)


def test_copied_text_is_refused(reviews, ratings, films):
    reviews.loc[5, "review"] = reviews.loc[0, "review"].upper()
    with pytest.raises(ReviewDataError, match="same text appears twice, at line"):
        check_reviews(reviews, ratings, films)


def test_split_by_film_never_shares_a_film(reviews):
    train, test = split_by_film(reviews, test_size=0.5, seed=1)
    assert len(train) + len(test) == len(reviews)
    assert not set(train["item_id"]) & set(test["item_id"])
    assert test["item_id"].nunique() == 2


def test_split_is_reproducible_and_checks_its_size(reviews):
    first, second = split_by_film(reviews, seed=3)[1], split_by_film(reviews, seed=3)[1]
    pd.testing.assert_frame_equal(first, second)
    with pytest.raises(ValueError, match=r"test_size must be a number in \(0, 1\), got 1.5"):
        split_by_film(reviews, test_size=1.5)


def test_missing_file_says_where(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing"):
        load_reviews(tmp_path / "reviews.csv")


def test_committed_reviews_follow_the_rules():
    reviews = load_reviews(REPO / "data" / "reviews.csv")
    assert len(reviews) >= 4000
    counts = reviews["sentiment"].value_counts()
    assert set(counts.index) == {"negative", "mixed", "positive"}
    words = reviews["review"].str.split().str.len()
    assert words.min() >= 3 and words.max() <= 80
    assert np.isin(reviews["rating"], [1, 2, 3, 4, 5]).all()
