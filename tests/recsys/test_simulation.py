"""The feedback-loop simulation: the loop's bookkeeping (growth, exploration, what people rate)
against the planted truth. The Gini index it reports is tested in test_metrics.py."""

import numpy as np
import pandas as pd
import pytest

from cinelab import recsys
from cinelab.recsys.simulation import (
    METRIC_COLUMNS,
    TrueTastes,
    _show,
    _watch_and_rate,
    simulate_feedback_loop,
)
from tests.widgets.tiny_data import tiny_dataset


@pytest.fixture(scope="module")
def dataset():
    return tiny_dataset()


def test_expected_ratings_match_the_truth_per_user(dataset):
    truth = dataset.truth
    users = np.array([3, 1, 3, 2])
    items = np.array([10, 11, 12, 10])
    expected = [truth.expected_rating(u, [i])[0] for u, i in zip(users, items, strict=True)]
    np.testing.assert_allclose(TrueTastes(truth)(users, items), expected)


def test_without_noise_people_rate_their_rounded_true_taste(dataset):
    shown = {1: [10, 11, 12], 2: [20, 21, 22]}
    tastes = TrueTastes(dataset.truth)
    rated = _watch_and_rate(tastes, shown, 2, 0.0, np.random.default_rng(0))
    assert list(zip(rated["user_id"], rated["item_id"], strict=True)) == [
        (1, 10), (1, 11), (2, 20), (2, 21)
    ]  # fmt: skip
    expected = [
        dataset.truth.expected_rating(u, [i])[0]
        for u, i in zip(rated["user_id"], rated["item_id"], strict=True)
    ]
    np.testing.assert_array_equal(rated["rating"], np.clip(np.rint(expected), 1, 5))


def test_shown_lists_never_repeat_seen_films(dataset):
    model = recsys.Popularity().fit(dataset.ratings)
    catalogue = dataset.truth.item_bias.index.to_numpy()
    seen = set(dataset.ratings.loc[dataset.ratings["user_id"] == 1, "item_id"])
    for exploration in (0.0, 0.5, 1.0):
        shown = _show(model, 1, seen, catalogue, 10, exploration, np.random.default_rng(0))
        assert len(shown) == len(set(shown)) == 10
        assert not set(shown) & seen


def test_no_exploration_shows_exactly_the_models_list(dataset):
    model = recsys.ItemKNN().fit(dataset.ratings)
    catalogue = dataset.truth.item_bias.index.to_numpy()
    shown = _show(model, 5, set(), catalogue, 10, 0.0, np.random.default_rng(0))
    assert shown == list(model.recommend(5, n=10)["item_id"])


def test_loop_grows_the_data_by_what_people_watch(dataset):
    result = simulate_feedback_loop(
        dataset.ratings, dataset.truth, recsys.Baseline, rounds=3, n_users=20,
        watched_per_round=2, progress=False,
    )  # fmt: skip
    assert list(result.columns) == ["round", "n_ratings", *METRIC_COLUMNS]
    assert list(result["round"]) == [1, 2, 3]
    assert list(result["n_ratings"]) == [len(dataset.ratings) + 40 * r for r in range(3)]
    assert result[["coverage", "head_share", "liked_share", "gini"]].stack().between(0, 1).all()


def test_each_round_is_reported_as_soon_as_it_is_measured(dataset):
    reported = []
    result = simulate_feedback_loop(
        dataset.ratings, dataset.truth, recsys.Baseline, rounds=2, n_users=5,
        progress=False, on_round=reported.append,
    )  # fmt: skip
    assert reported == result.to_dict("records")


def test_loop_is_reproducible_with_a_seed(dataset):
    def run(seed):
        return simulate_feedback_loop(
            dataset.ratings, dataset.truth, recsys.Popularity, rounds=2, n_users=30,
            exploration=0.3, seed=seed, progress=False,
        )  # fmt: skip

    pd.testing.assert_frame_equal(run(0), run(0))
    assert not run(0).equals(run(1))


def test_popularity_without_exploration_is_the_filter_bubble():
    dataset = tiny_dataset(n_films=200, n_users=200)  # a catalogue larger than the lists

    def run(exploration):
        return simulate_feedback_loop(
            dataset.ratings, dataset.truth, recsys.Popularity, rounds=1, n_users=60,
            exploration=exploration, progress=False,
        ).iloc[0]  # fmt: skip

    closed, exploring = run(0.0), run(0.5)
    # Popularity shows every user the same few most-rated unseen films.
    assert closed["coverage"] < 0.5 < exploring["coverage"]
    assert closed["gini"] > exploring["gini"]
    assert closed["head_share"] > 0.8 > exploring["head_share"]


def test_full_exploration_covers_the_catalogue_evenly(dataset):
    first = simulate_feedback_loop(
        dataset.ratings, dataset.truth, recsys.Popularity, rounds=1, n_users=150,
        exploration=1.0, head_fraction=0.2, progress=False,
    ).iloc[0]  # fmt: skip
    assert first["coverage"] == 1.0
    assert first["head_share"] < 0.3  # random unseen films: about the head's 20%, not all


def test_ranking_only_models_have_no_rating_accuracy(dataset):
    result = simulate_feedback_loop(
        dataset.ratings, dataset.truth, recsys.EASE, rounds=1, n_users=10, progress=False
    )
    assert np.isnan(result["rmse"].iloc[0])


def test_accuracy_is_rmse_against_the_truth_on_probe_pairs(dataset):
    result = simulate_feedback_loop(
        dataset.ratings, dataset.truth, recsys.Baseline, rounds=1, n_users=10,
        n_probe_pairs=500, seed=4, progress=False,
    )  # fmt: skip
    rng = np.random.default_rng(4)
    everyone = dataset.truth.user_bias.index.to_numpy()
    rng.choice(everyone, size=10, replace=False)  # the simulated users
    people = rng.choice(everyone, size=100, replace=False)  # the probed people
    users = rng.choice(people, size=500)
    items = rng.choice(dataset.truth.item_bias.index.to_numpy(), size=500)
    model = recsys.Baseline().fit(dataset.ratings)
    predicted = model.predict(pd.DataFrame({"user_id": users, "item_id": items}))
    truth = np.array([dataset.truth.expected_rating(u, [i])[0] for u, i in zip(users, items)])
    assert result["rmse"].iloc[0] == pytest.approx(np.sqrt(np.mean((predicted - truth) ** 2)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rounds": 0}, "rounds must be a positive integer"),
        ({"n_users": 2.5}, "n_users must be a positive integer"),
        ({"watched_per_round": 11}, "cannot exceed list_length"),
        ({"exploration": 1.5}, r"exploration must be a number in \[0, 1\], got 1.5"),
        ({"head_fraction": 1.0}, r"head_fraction must be a number in \(0, 1\), got 1.0"),
    ],
)
def test_bad_settings_are_refused(dataset, kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate_feedback_loop(dataset.ratings, dataset.truth, recsys.Baseline, **kwargs)
