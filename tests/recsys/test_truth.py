"""Evaluation against the planted truth: hand-computed fixtures and the generator's own numbers."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from cinelab.data import synth
from cinelab.data.embedded import read_films
from cinelab.recsys import truth as truth_eval


def tiny_truth():
    """2 users x 4 films; user 1 truly loves films 10 and 20, user 2 only film 40."""
    users, films = [1, 2], [10, 20, 30, 40]
    return SimpleNamespace(
        global_mean=3.0,
        user_bias=pd.Series([0.5, 0.0], index=users),
        item_bias=pd.Series([0.0, 0.0, 0.0, 0.0], index=films),
        user_factors=pd.DataFrame([[1.0], [-1.0]], index=users),
        item_factors=pd.DataFrame([[1.5], [1.0], [-1.0], [-2.5]], index=films),
    )


class ListModel:
    """A fitted-model stand-in that always recommends the same list per user."""

    def __init__(self, lists):
        self.lists = lists
        self.user_ids_ = pd.Index(list(lists))

    def recommend(self, user, n=10):
        return pd.DataFrame({"item_id": self.lists[user][:n]})


def test_expected_ratings_are_the_clipped_noise_free_ratings():
    pairs = pd.DataFrame({"user_id": [1, 1, 2, 2], "item_id": [10, 30, 10, 40]})
    # 3 + 0.5 + 1.5 = 5.0; 3 + 0.5 - 1 = 2.5; 3 - 1.5 = 1.5; 3 + 2.5 = 5.5 -> clipped to 5
    assert np.allclose(truth_eval.expected_ratings(tiny_truth(), pairs), [5.0, 2.5, 1.5, 5.0])


def test_expected_ratings_match_the_generators_own_per_user_formula():
    items = read_films().head(60)
    truth = synth.plant_truth(items, synth.SynthConfig(n_users=12, seed=3))
    rng = np.random.default_rng(0)
    pairs = pd.DataFrame(
        {
            "user_id": rng.choice(truth.user_bias.index, 40),
            "item_id": rng.choice(items["item_id"], 40),
        }
    )
    one_by_one = [
        truth.expected_rating(u, [i])[0] for u, i in zip(pairs["user_id"], pairs["item_id"])
    ]
    assert np.allclose(truth_eval.expected_ratings(truth, pairs), one_by_one)


def test_unknown_ids_and_missing_truth_are_refused_with_a_clear_error():
    with pytest.raises(KeyError, match="item_id 99"):
        truth_eval.expected_ratings(tiny_truth(), pd.DataFrame({"user_id": [1], "item_id": [99]}))
    with pytest.raises(ValueError, match="planted truth"):
        truth_eval.expected_ratings(None, pd.DataFrame({"user_id": [1], "item_id": [10]}))


def test_share_of_gap_closed_by_hand():
    assert truth_eval.share_of_gap_closed(0.85, 0.91, 0.71) == pytest.approx(0.3)
    assert truth_eval.share_of_gap_closed(0.71, 0.91, 0.71) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="above the oracle"):
        truth_eval.share_of_gap_closed(0.8, 0.7, 0.7)


def test_true_top_n_by_hand():
    truth = tiny_truth()
    # user 1 rated film 10 in train; unseen 20 (4.5, relevant), 30 (2.5), 40 (1.0)
    # user 2 rated film 20; unseen 10 (1.5), 30 (4.0), 40 (5.0, relevant)
    # user 9 makes films 30 and 40 part of the catalogue
    train = pd.DataFrame({"user_id": [1, 2, 9, 9], "item_id": [10, 20, 30, 40], "rating": 3})
    relevant = truth_eval.true_relevant(truth, train, [1, 2])
    assert relevant == {1: {20}, 2: {40}}
    model = ListModel({1: [30, 20], 2: [40, 30]})
    scores = truth_eval.true_top_n(model, truth, train, [1, 2], k=2)
    assert scores["precision@2"] == pytest.approx(0.5)  # one hit in two slots, each user
    assert scores["recall@2"] == pytest.approx(1.0)
    assert scores["ndcg@2"] == pytest.approx((1 / np.log2(3) + 1) / 2)
    assert scores["mean_true_rating"] == pytest.approx((2.5 + 4.5 + 5.0 + 4.0) / 4)
    assert scores["n_users"] == 2


def test_true_top_n_refuses_when_nobody_can_be_judged():
    model = ListModel({7: [10]})
    train = pd.DataFrame({"user_id": [1], "item_id": [10], "rating": [4]})
    with pytest.raises(ValueError, match="truly relevant"):
        truth_eval.true_top_n(model, tiny_truth(), train, [1], k=1)
