import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics.pairwise import cosine_similarity

from cinelab.data.examples import ARTICLE_RATINGS
from cinelab.recsys.similarity import (
    co_rated_counts,
    nearest_neighbours,
    pairwise_similarity,
    shrink,
)


def test_zero_filled_cosine_matches_sklearn():
    assert np.allclose(pairwise_similarity(ARTICLE_RATINGS), cosine_similarity(ARTICLE_RATINGS))


def test_worked_example_values_the_article_got_wrong():
    similarity = pairwise_similarity(ARTICLE_RATINGS)
    # The article printed 0.7071, 0 and 0; the zero-filled matrix gives these instead.
    assert similarity[0, 1] == pytest.approx(53 / np.sqrt(116 * 129))  # U1.U2 = 15+20+12+6
    assert similarity[1, 2] > 0.5 and similarity[0, 3] > 0.5


def test_pearson_matches_numpy_on_co_rated_items():
    similarity = pairwise_similarity(ARTICLE_RATINGS, metric="pearson")
    for a in range(5):
        for b in range(5):
            both = (ARTICLE_RATINGS[a] > 0) & (ARTICLE_RATINGS[b] > 0)
            expected = np.corrcoef(ARTICLE_RATINGS[a, both], ARTICLE_RATINGS[b, both])[0, 1]
            assert similarity[a, b] == pytest.approx(expected, abs=1e-12)


def test_co_rated_cosine_uses_only_shared_films():
    x = np.array([[5.0, 1.0, 0.0], [5.0, 0.0, 3.0]])
    # only film 0 is shared: cosine of (5) and (5) is 1, while zero-filled cosine is lower
    assert pairwise_similarity(x, metric="cosine_corated")[0, 1] == pytest.approx(1.0)
    assert pairwise_similarity(x)[0, 1] < 1.0


def test_sparse_and_dense_inputs_agree_and_y_can_differ():
    sparse = sp.csr_matrix(ARTICLE_RATINGS)
    dense = pairwise_similarity(ARTICLE_RATINGS[:2], ARTICLE_RATINGS, metric="pearson")
    assert np.allclose(pairwise_similarity(sparse[:2], sparse, metric="pearson"), dense)


def test_shrinkage_follows_its_formula():
    counts = co_rated_counts(ARTICLE_RATINGS)
    assert counts[0, 1] == 4
    raw = pairwise_similarity(ARTICLE_RATINGS, metric="pearson")
    shrunk = pairwise_similarity(ARTICLE_RATINGS, metric="pearson", shrinkage=10)
    assert np.allclose(shrunk, raw * counts / (counts + 10))
    assert np.allclose(shrink(raw, counts, 0), raw)


def test_constant_rows_give_zero_not_nan():
    x = np.array([[3.0, 3.0, 3.0], [1.0, 2.0, 5.0]])
    assert pairwise_similarity(x, metric="pearson")[0, 1] == 0.0


def test_bad_input_is_rejected_with_a_clear_message():
    with pytest.raises(ValueError, match="unknown similarity metric"):
        pairwise_similarity(ARTICLE_RATINGS, metric="jaccard")
    with pytest.raises(ValueError, match="same number of columns"):
        pairwise_similarity(ARTICLE_RATINGS, ARTICLE_RATINGS[:, :3])
    with pytest.raises(ValueError, match="NaN"):
        pairwise_similarity(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="shrinkage"):
        shrink(np.ones((1, 1)), np.ones((1, 1)), -1)


def brute_force_neighbours(dense, target, k, metric, shrinkage):
    """Loop over every other row: co-rated columns, the similarity by numpy, shrink, sort."""
    found = []
    for other in range(len(dense)):
        both = (dense[target] != 0) & (dense[other] != 0)
        if other == target or not both.any():
            continue
        a, b = dense[target], dense[other]
        if metric == "cosine":  # zero-filled: every rating enters the norms
            value = a @ b / (np.linalg.norm(a) * np.linalg.norm(b))
        elif metric == "cosine_corated":
            value = a[both] @ b[both] / (np.linalg.norm(a[both]) * np.linalg.norm(b[both]))
        else:
            centred_a, centred_b = a[both] - a[both].mean(), b[both] - b[both].mean()
            spread = np.linalg.norm(centred_a) * np.linalg.norm(centred_b)
            value = centred_a @ centred_b / spread if both.sum() >= 2 and spread > 0 else 0.0
        n = both.sum()
        found.append((other, value * n / (n + shrinkage), n))
    found.sort(key=lambda row: (-round(row[1], 12), row[0]))  # ties: lower index first
    return found[:k]


@pytest.mark.parametrize("metric", ["cosine", "cosine_corated", "pearson"])
@pytest.mark.parametrize("shrinkage", [0.0, 3.0])
def test_nearest_neighbours_match_brute_force(metric, shrinkage):
    rng = np.random.default_rng(7)
    dense = rng.integers(1, 6, size=(12, 9)).astype(float)  # (n_rows, n_columns)
    dense[rng.random(dense.shape) < 0.55] = 0.0  # sparse: 0 = not rated
    dense[5] = 0.0
    dense[5, 0] = 4.0  # row 5 shares at most column 0 with the others
    for target in (0, 5, 11):
        expected = brute_force_neighbours(dense, target, 6, metric, shrinkage)
        found = nearest_neighbours(sp.csr_matrix(dense), target, 6, metric, shrinkage)
        assert list(found["index"]) == [row[0] for row in expected]
        np.testing.assert_allclose(found["similarity"], [row[1] for row in expected], atol=1e-12)
        assert list(found["co_rated"]) == [row[2] for row in expected]


def test_nearest_neighbours_cosine_matches_sklearn_and_skips_strangers():
    found = nearest_neighbours(ARTICLE_RATINGS, 0, k=10)  # dense input: 0 = not rated
    reference = cosine_similarity(ARTICLE_RATINGS)[0]  # (5,)
    others = [row for row in np.argsort(-reference, kind="stable") if row != 0]
    assert list(found["index"]) == others  # every other row shares a film with row 0
    np.testing.assert_allclose(found["similarity"], reference[others])
    assert found["similarity"].is_monotonic_decreasing
    loner = np.array([[5.0, 0.0], [0.0, 3.0], [4.0, 2.0]])
    assert list(nearest_neighbours(loner, 0, k=5)["index"]) == [2]  # row 1 shares nothing


@pytest.mark.parametrize(
    ("target", "k", "error", "message"),
    [
        (5, 3, ValueError, "target 5 is not a row position"),
        (-1, 3, ValueError, "target -1 is not a row position"),
        ("U1", 3, TypeError, "target must be a row position"),
        (0, 0, ValueError, "k must be a positive integer"),
    ],
)
def test_nearest_neighbours_refuses_bad_arguments(target, k, error, message):
    with pytest.raises(error, match=message):
        nearest_neighbours(ARTICLE_RATINGS, target, k)
