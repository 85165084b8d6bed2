import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import ndcg_score

from cinelab import recsys
from cinelab.recsys import metrics

RECOMMENDED = ["a", "b", "c", "d", "e"]
RELEVANT = {"b", "e", "z"}  # z was never recommended


def test_precision_recall_hit_rate_by_hand():
    assert metrics.precision_at_k(RECOMMENDED, RELEVANT, 5) == pytest.approx(2 / 5)
    assert metrics.precision_at_k(RECOMMENDED, RELEVANT, 2) == pytest.approx(1 / 2)
    assert metrics.recall_at_k(RECOMMENDED, RELEVANT, 5) == pytest.approx(2 / 3)
    assert metrics.hit_rate_at_k(RECOMMENDED, RELEVANT, 1) == 0.0
    assert metrics.hit_rate_at_k(RECOMMENDED, RELEVANT, 2) == 1.0


def test_average_precision_by_hand():
    # hits at ranks 2 and 5: (1/2 + 2/5) / min(3, 5)
    assert metrics.average_precision_at_k(RECOMMENDED, RELEVANT, 5) == pytest.approx(0.3)
    assert metrics.average_precision_at_k(RECOMMENDED, set(), 5) == 0.0


def test_ndcg_by_hand_and_against_sklearn():
    expected = (1 / np.log2(3) + 1 / np.log2(6)) / (1 + 1 / np.log2(3) + 1 / np.log2(4))
    assert metrics.ndcg_at_k(RECOMMENDED, RELEVANT, 5) == pytest.approx(expected)
    rng = np.random.default_rng(0)
    for _ in range(20):
        gains = rng.integers(0, 4, size=12).astype(float)
        scores = rng.permutation(12).astype(float)  # no ties
        ranking = list(np.argsort(-scores))
        graded = {i: g for i, g in enumerate(gains) if g > 0}
        for k in (1, 3, 10):
            reference = ndcg_score([gains], [scores], k=k)
            assert metrics.ndcg_at_k(ranking, graded, k) == pytest.approx(reference)


def test_rating_errors_by_hand_and_bad_shapes():
    assert metrics.rmse([1, 2, 3], [2, 2, 5]) == pytest.approx(np.sqrt(5 / 3))
    assert metrics.mae([1, 2, 3], [2, 2, 5]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="equal length"):
        metrics.rmse([1, 2], [1])
    with pytest.raises(ValueError, match="positive integer"):
        metrics.precision_at_k(RECOMMENDED, RELEVANT, 0)


def test_coverage_novelty_diversity_by_hand():
    lists = {1: ["a", "b"], 2: ["b", "c"]}
    assert metrics.catalogue_coverage(lists, 6) == pytest.approx(3 / 6)
    popularity = {"a": 0.5, "b": 0.25, "c": 1.0}
    assert metrics.novelty(lists, popularity) == pytest.approx((1 + 2 + 2 + 0) / 4)
    features = pd.DataFrame({"x": [1.0, 1.0, 0.0], "y": [0.0, 0.0, 1.0]}, index=["a", "b", "c"])
    # list 1: identical films (distance 0); list 2: orthogonal films (distance 1)
    assert metrics.intra_list_diversity(lists, features) == pytest.approx(0.5)


def test_mean_over_users_is_map(ratings):
    recommendations = {1: ["a", "b"], 2: ["c"]}
    relevant = {1: {"b"}, 2: {"c"}}
    assert metrics.mean_over_users(
        metrics.average_precision_at_k, recommendations, relevant, 2
    ) == pytest.approx((0.5 + 1.0) / 2)


def test_evaluate_reports_rating_and_ranking_metrics(ratings):
    train, test = ratings.iloc[::4], ratings.drop(ratings.index[::4])
    results = recsys.evaluate(
        recsys.Baseline(), ratings.drop(ratings.index[::4]), ratings.iloc[::4]
    )
    assert {"rmse", "mae", "ndcg@10", "map@10", "coverage", "novelty"} <= set(results)
    assert "rmse" not in recsys.evaluate(recsys.EASE(), train, test, k=5)
    with pytest.raises(ValueError, match="rating >= 9"):
        recsys.evaluate(recsys.Baseline(), train, test, relevance_threshold=9)


def gini_by_mean_difference(values):
    """Textbook definition: mean absolute difference over all pairs, divided by twice the mean."""
    values = np.asarray(values, dtype=float)
    differences = sum(abs(a - b) for a, b in itertools.product(values, values))
    return differences / (2 * len(values) ** 2 * values.mean())


def test_gini_by_hand():
    # sorted 1, 2, 3, 4: n = 4, total = 10, weights 2i - n - 1 = -3, -1, 1, 3
    # G = (-3*1 - 1*2 + 1*3 + 3*4) / (4 * 10) = 10 / 40
    assert metrics.gini([3, 1, 4, 2]) == pytest.approx(0.25)
    # same by mean difference: |pairs| over ordered pairs = 2 * (1+2+3+1+2+1) = 20, / (2*16*2.5)
    assert gini_by_mean_difference([3, 1, 4, 2]) == pytest.approx(0.25)


def test_gini_of_equal_counts_is_zero():
    assert metrics.gini([3, 3, 3, 3]) == 0.0


def test_gini_when_one_film_takes_every_slot():
    assert metrics.gini([0, 0, 0, 4]) == pytest.approx(0.75)  # (n - 1) / n for n = 4


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gini_matches_the_mean_difference_definition(seed):
    counts = np.random.default_rng(seed).poisson(3.0, size=25)
    assert metrics.gini(counts) == pytest.approx(gini_by_mean_difference(counts))


def test_gini_ignores_order_and_handles_all_zero():
    assert metrics.gini([5, 0, 1]) == pytest.approx(metrics.gini([0, 1, 5]))
    assert metrics.gini([0, 0]) == 0.0


@pytest.mark.parametrize(
    ("counts", "message"),
    [([], "non-empty 1-D"), ([[1, 2]], "non-empty 1-D"), (3, "non-empty 1-D"),
     ([1, -1], "non-negative"), ([1, np.nan], "finite")],
)  # fmt: skip
def test_gini_refuses_bad_counts(counts, message):
    with pytest.raises(ValueError, match=message):
        metrics.gini(counts)
