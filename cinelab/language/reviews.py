"""The kit's reviews (`data/reviews.csv`): load, check, label and split them.

Each review was written for the kit and is tied to one row of the embedded ratings: the viewer
`user_id` gave film `item_id` that many stars, and wrote this. Its sentiment class follows the
stars: 1-2 negative, 3 mixed, 4-5 positive.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cinelab.arguments import fraction
from cinelab.data.embedded import EMBEDDED_DIR, read_films, read_ratings

REVIEW_COLUMNS = ("user_id", "item_id", "rating", "review")
SENTIMENTS = ("negative", "mixed", "positive")
MIN_WORDS, MAX_WORDS = 3, 80  # one to three short sentences


class ReviewDataError(ValueError):
    """The review table breaks a rule; the message names the rows and what is wrong."""


def sentiment_of_rating(rating) -> np.ndarray:
    """Stars -> class name: 1-2 "negative", 3 "mixed", 4-5 "positive" (array in, array out)."""
    stars = np.asarray(rating, dtype=float)
    if np.any((stars < 1) | (stars > 5) | np.isnan(stars)):
        raise ReviewDataError(f"ratings must be stars from 1 to 5, got {np.unique(stars)}")
    classes = np.where(stars <= 2, 0, np.where(stars < 4, 1, 2))
    return np.asarray(SENTIMENTS, dtype=object)[classes]


def _rows(index) -> str:
    shown = [str(int(i) + 2) for i in list(index)[:5]]  # +2: header line, 1-based lines
    more = f" and {len(index) - 5} more" if len(index) > 5 else ""
    return f"line(s) {', '.join(shown)}{more}"


def check_reviews(
    reviews: pd.DataFrame,
    ratings: pd.DataFrame | None = None,
    films: pd.DataFrame | None = None,
    source: str = "reviews.csv",
) -> pd.DataFrame:
    """Raise `ReviewDataError` unless every machine-checkable rule holds; return `reviews`.

    Rules: the four columns are there; no review is empty, shorter than 3 words or longer than
    80; no (user_id, item_id) pair and no text appears twice; every film exists; every
    (user_id, item_id, rating) is a row of the ratings; all three sentiment classes appear.
    """
    missing = [c for c in REVIEW_COLUMNS if c not in reviews.columns]
    if missing:
        raise ReviewDataError(f"{source} is missing column(s) {missing}.")
    text = reviews["review"]
    empty = reviews.index[text.isna() | (text.astype(str).str.strip() == "")]
    if len(empty):
        raise ReviewDataError(f"{source}: empty review at {_rows(empty)}.")
    n_words = text.str.split().str.len()
    bad_length = reviews.index[(n_words < MIN_WORDS) | (n_words > MAX_WORDS)]
    if len(bad_length):
        raise ReviewDataError(
            f"{source}: reviews must have {MIN_WORDS} to {MAX_WORDS} words; {_rows(bad_length)}"
            " do not."
        )
    repeated = reviews.index[reviews.duplicated(["user_id", "item_id"])]
    if len(repeated):
        raise ReviewDataError(f"{source}: (user_id, item_id) repeats at {_rows(repeated)}.")
    copied = reviews.index[text.str.strip().str.lower().duplicated()]
    if len(copied):
        raise ReviewDataError(f"{source}: the same text appears twice, at {_rows(copied)}.")
    films = read_films() if films is None else films
    unknown = reviews.index[~reviews["item_id"].isin(films["item_id"])]
    if len(unknown):
        raise ReviewDataError(f"{source}: item_id not in the catalogue at {_rows(unknown)}.")
    ratings = read_ratings() if ratings is None else ratings
    keys = ["user_id", "item_id", "rating"]
    rows = (
        reviews[keys]
        .astype(float)
        .merge(ratings[keys].astype(float), how="left", on=keys, indicator=True)
    )
    unmatched = reviews.index[(rows["_merge"] == "left_only").to_numpy()]
    if len(unmatched):
        raise ReviewDataError(
            f"{source}: (user_id, item_id, rating) is not a row of the ratings at "
            f"{_rows(unmatched)}."
        )
    absent = set(SENTIMENTS) - set(sentiment_of_rating(reviews["rating"]))
    if absent:
        raise ReviewDataError(f"{source}: no review of class(es) {sorted(absent)}.")
    return reviews


def load_reviews(path: str | Path | None = None) -> pd.DataFrame:
    """The kit's reviews, checked, with a `sentiment` column derived from the stars."""
    path = Path(path) if path is not None else EMBEDDED_DIR / "reviews.csv"
    if not path.exists():
        raise FileNotFoundError(
            f"The review file {path} is missing. data/reviews.csv ships with the repository."
        )
    reviews = pd.read_csv(path, dtype={"review": str})
    check_reviews(reviews, source=str(path))
    reviews["rating"] = reviews["rating"].astype(float)
    return reviews.assign(sentiment=sentiment_of_rating(reviews["rating"]))


def split_by_film(
    reviews: pd.DataFrame, test_size: float = 0.25, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold out whole films: every review of a test film is in test, none in train.

    Why: a classifier that saw reviews of *Alien* can learn "alien" is positive. Testing on
    films it never saw measures whether it learned how people write, not which films they like.
    """
    fraction(test_size, "test_size")
    films = np.sort(reviews["item_id"].unique())
    rng = np.random.default_rng(seed)
    n_test = max(1, round(test_size * len(films)))
    test_films = rng.choice(films, size=n_test, replace=False)
    in_test = reviews["item_id"].isin(test_films)
    return reviews[~in_test].reset_index(drop=True), reviews[in_test].reset_index(drop=True)
