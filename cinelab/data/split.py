"""Seeded train/test splits of a ratings table.

Every split chooses rows by *position* and keeps the original row index, so a table whose
index repeats labels (e.g. after ``pd.concat`` without ``ignore_index``) loses no row: each row
lands in exactly one of train and test, and ``len(train) + len(test) == len(ratings)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cinelab.arguments import fraction, int_in_range, non_negative_int, positive_int


def _check_table(ratings: pd.DataFrame, *columns: str) -> None:
    if not isinstance(ratings, pd.DataFrame):
        raise TypeError(f"ratings must be a pandas DataFrame, got {type(ratings).__name__}.")
    missing = [c for c in columns if c not in ratings.columns]
    if missing:
        raise ValueError(
            f"ratings table is missing column(s) {missing}; it has {list(ratings.columns)}."
        )


def _by_mask(ratings: pd.DataFrame, test_mask: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) by a boolean mask over positions, original row order and index kept."""
    return ratings.iloc[np.flatnonzero(~test_mask)], ratings.iloc[np.flatnonzero(test_mask)]


def random_split(
    ratings: pd.DataFrame, test_size: float = 0.2, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold out a random `test_size` fraction of all ratings."""
    _check_table(ratings)
    test_size = fraction(test_size, "test_size")
    order = np.random.default_rng(non_negative_int(seed, "seed")).permutation(len(ratings))
    test_mask = np.zeros(len(ratings), dtype=bool)  # (n_ratings,)
    test_mask[order[: round(test_size * len(ratings))]] = True
    return _by_mask(ratings, test_mask)


def kfold(
    ratings: pd.DataFrame, n_splits: int = 5, seed: int = 0
) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """`n_splits` (train, test) pairs whose test parts partition the ratings."""
    _check_table(ratings)
    n_splits = int_in_range(n_splits, "n_splits", 2, len(ratings))
    rng = np.random.default_rng(non_negative_int(seed, "seed"))
    fold = rng.permutation(len(ratings)) % n_splits  # (n_ratings,)
    return [_by_mask(ratings, fold == f) for f in range(n_splits)]


def leave_k_out(
    ratings: pd.DataFrame, k: int = 1, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Move `k` random ratings of every user to the test set.

    Users with `k` ratings or fewer stay entirely in train, so every test user is known.
    """
    _check_table(ratings, "user_id")
    k = positive_int(k, "k")
    rng = np.random.default_rng(non_negative_int(seed, "seed"))
    order = rng.permutation(len(ratings))  # (n_ratings,)
    users = ratings["user_id"].to_numpy()[order]  # (n_ratings,) in shuffled order
    shuffled = pd.Series(users)
    rank = shuffled.groupby(users, sort=False).cumcount().to_numpy()  # rank within its user
    count = shuffled.groupby(users, sort=False).transform("size").to_numpy()
    test_mask = np.zeros(len(ratings), dtype=bool)
    test_mask[order[(rank < k) & (count > k)]] = True
    return _by_mask(ratings, test_mask)


def temporal_split(
    ratings: pd.DataFrame, test_size: float = 0.2, per_user: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train on the past, test on the future.

    With ``per_user=False`` one global cut-off time puts the latest `test_size` of all ratings in
    test (like deploying a model on a date). With ``per_user=True`` each user's latest
    `test_size` fraction goes to test (at least one rating stays in train).
    """
    _check_table(ratings, "user_id", "timestamp")
    test_size = fraction(test_size, "test_size")
    n = len(ratings)
    test_mask = np.zeros(n, dtype=bool)
    if not per_user:
        order = np.argsort(ratings["timestamp"].to_numpy(), kind="stable")  # (n_ratings,)
        test_mask[order[n - round(test_size * n) :]] = True
        return _by_mask(ratings, test_mask)
    by_time = pd.DataFrame(
        {"user": ratings["user_id"].to_numpy(), "time": ratings["timestamp"].to_numpy()}
    ).sort_values(["user", "time"], kind="stable")  # positions 0..n-1 as the index
    rank_from_end = by_time.groupby("user", sort=False).cumcount(ascending=False)
    size = by_time.groupby("user", sort=False)["user"].transform("size")
    n_test = np.minimum(np.floor(test_size * size), size - 1)
    test_mask[by_time.index[(rank_from_end < n_test).to_numpy()]] = True
    return _by_mask(ratings, test_mask)
