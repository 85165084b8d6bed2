"""Seeded train/test splits of a ratings table. Every split keeps the original row index,
so `train.index.intersection(test.index)` is empty by construction and easy to check."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _check_fraction(test_size: float) -> None:
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be between 0 and 1 (exclusive), got {test_size}.")


def random_split(
    ratings: pd.DataFrame, test_size: float = 0.2, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold out a random `test_size` fraction of all ratings."""
    _check_fraction(test_size)
    order = np.random.default_rng(seed).permutation(len(ratings))  # (n_ratings,)
    n_test = round(test_size * len(ratings))
    test_mask = np.zeros(len(ratings), dtype=bool)
    test_mask[order[:n_test]] = True
    return ratings[~test_mask], ratings[test_mask]


def kfold(
    ratings: pd.DataFrame, n_splits: int = 5, seed: int = 0
) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """`n_splits` (train, test) pairs whose test parts partition the ratings."""
    if not isinstance(n_splits, int) or not 2 <= n_splits <= len(ratings):
        raise ValueError(f"n_splits must be an integer from 2 to {len(ratings)}, got {n_splits}.")
    fold = np.random.default_rng(seed).permutation(len(ratings)) % n_splits  # (n_ratings,)
    return [(ratings[fold != f], ratings[fold == f]) for f in range(n_splits)]


def leave_k_out(
    ratings: pd.DataFrame, k: int = 1, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Move `k` random ratings of every user to the test set.

    Users with `k` ratings or fewer stay entirely in train, so every test user is known.
    """
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k}.")
    rng = np.random.default_rng(seed)
    shuffled = ratings.iloc[rng.permutation(len(ratings))]
    position = shuffled.groupby("user_id").cumcount()  # rank of each rating within its user
    counts = shuffled.groupby("user_id")["user_id"].transform("size")
    in_test = (position < k) & (counts > k)
    test = shuffled[in_test].sort_index()
    return ratings.drop(index=test.index), test


def temporal_split(
    ratings: pd.DataFrame, test_size: float = 0.2, per_user: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train on the past, test on the future.

    With ``per_user=False`` one global cut-off time puts the latest `test_size` of all ratings in
    test (like deploying a model on a date). With ``per_user=True`` each user's latest
    `test_size` fraction goes to test (at least one rating stays in train).
    """
    _check_fraction(test_size)
    if "timestamp" not in ratings.columns:
        raise ValueError("temporal_split needs a 'timestamp' column.")
    if not per_user:
        order = np.argsort(ratings["timestamp"].to_numpy(), kind="stable")
        test_mask = np.zeros(len(ratings), dtype=bool)
        test_mask[order[len(ratings) - round(test_size * len(ratings)) :]] = True
        return ratings[~test_mask], ratings[test_mask]
    by_time = ratings.sort_values(["user_id", "timestamp"], kind="stable")
    rank_from_end = by_time.groupby("user_id").cumcount(ascending=False)
    size = by_time.groupby("user_id")["user_id"].transform("size")
    n_test = np.minimum(np.floor(test_size * size), size - 1)
    test = by_time[rank_from_end < n_test].sort_index()
    return ratings.drop(index=test.index), test
