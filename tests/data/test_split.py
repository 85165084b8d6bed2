import numpy as np
import pandas as pd
import pytest

from cinelab.data import split


@pytest.fixture
def ratings():
    rng = np.random.default_rng(3)
    n = 600
    return pd.DataFrame(
        {
            "user_id": rng.integers(1, 41, n),
            "item_id": rng.integers(1, 10_000, n),
            "rating": rng.integers(1, 6, n).astype(float),
            "timestamp": rng.integers(0, 10**6, n),
        }
    ).drop_duplicates(["user_id", "item_id"], ignore_index=True)


def _assert_partition(ratings, train, test):
    assert train.index.intersection(test.index).empty
    assert len(train) + len(test) == len(ratings)
    pd.testing.assert_frame_equal(pd.concat([train, test]).sort_index(), ratings)


def test_random_split_is_a_seeded_partition(ratings):
    train, test = split.random_split(ratings, test_size=0.25, seed=1)
    _assert_partition(ratings, train, test)
    assert len(test) == round(0.25 * len(ratings))
    again, _ = split.random_split(ratings, test_size=0.25, seed=1)
    other, _ = split.random_split(ratings, test_size=0.25, seed=2)
    assert train.index.equals(again.index) and not train.index.equals(other.index)


def test_kfold_test_parts_cover_every_rating_once(ratings):
    folds = split.kfold(ratings, n_splits=5, seed=0)
    assert len(folds) == 5
    for train, test in folds:
        _assert_partition(ratings, train, test)
    all_test = np.concatenate([test.index for _, test in folds])
    assert sorted(all_test) == list(ratings.index)


def test_leave_k_out_takes_k_per_user_and_keeps_small_users_in_train(ratings):
    train, test = split.leave_k_out(ratings, k=2, seed=0)
    _assert_partition(ratings, train, test)
    per_user = ratings.groupby("user_id").size()
    expected = per_user[per_user > 2].index
    assert (test.groupby("user_id").size() == 2).all()
    assert set(test["user_id"]) == set(expected)
    assert set(test["user_id"]) <= set(train["user_id"])


def test_global_temporal_split_puts_the_future_in_test(ratings):
    train, test = split.temporal_split(ratings, test_size=0.2)
    _assert_partition(ratings, train, test)
    assert train["timestamp"].max() <= test["timestamp"].min()


def test_per_user_temporal_split_keeps_each_users_past_in_train(ratings):
    train, test = split.temporal_split(ratings, test_size=0.3, per_user=True)
    _assert_partition(ratings, train, test)
    last_train = train.groupby("user_id")["timestamp"].max()
    first_test = test.groupby("user_id")["timestamp"].min()
    assert (last_train.loc[first_test.index] <= first_test).all()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda r: split.random_split(r, test_size=1.5), "test_size"),
        (lambda r: split.random_split(r, test_size=0), "test_size"),
        (lambda r: split.kfold(r, n_splits=1), "n_splits"),
        (lambda r: split.leave_k_out(r, k=0), "k must be"),
        (lambda r: split.temporal_split(r.drop(columns="timestamp")), "timestamp"),
    ],
)
def test_bad_split_parameters_are_rejected(ratings, call, message):
    with pytest.raises(ValueError, match=message):
        call(ratings)
