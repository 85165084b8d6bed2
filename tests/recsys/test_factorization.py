"""FunkSVD and ALS internals against plain references: numpy's SVD, a per-rating SGD loop,
and predictions computed rating by rating."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from cinelab import recsys
from cinelab.recsys.factorization import truncated_svd


def low_rank_plus_noise(n_rows=60, n_cols=45, seed=0):
    rng = np.random.default_rng(seed)
    strengths = np.array([9.0, 6.0, 4.0, 3.0])  # four clear directions, then faint noise
    signal = rng.normal(size=(n_rows, 4)) * strengths @ rng.normal(size=(4, n_cols))
    return sp.csr_matrix(signal + rng.normal(0, 0.01, (n_rows, n_cols)))


def test_truncated_svd_matches_numpy_svd():
    matrix = low_rank_plus_noise()
    left, singular, right = truncated_svd(matrix, 3, np.random.default_rng(0))
    ref_left, ref_singular, ref_right_t = np.linalg.svd(matrix.toarray(), full_matrices=False)
    assert left.shape == (60, 3) and singular.shape == (3,) and right.shape == (45, 3)
    assert np.allclose(singular, ref_singular[:3], rtol=1e-9)
    # singular vectors are defined up to sign: compare |cosines|
    assert np.allclose(np.abs(np.sum(left * ref_left[:, :3], axis=0)), 1.0, atol=1e-9)
    assert np.allclose(np.abs(np.sum(right * ref_right_t[:3].T, axis=0)), 1.0, atol=1e-9)


def test_truncated_svd_pads_directions_a_small_matrix_lacks_with_zeros():
    rank_one = sp.csr_matrix(np.outer([1.0, 2.0, 0.0], [3.0, 0.0, 1.0]))  # (3, 3)
    left, singular, right = truncated_svd(rank_one, 5, np.random.default_rng(0))
    assert singular == pytest.approx([np.sqrt(5 * 10), 0, 0, 0, 0])
    assert np.allclose((left * singular) @ right.T, rank_one.toarray())
    assert not left[:, 1:].any() and not right[:, 1:].any()
    left, singular, right = truncated_svd(sp.csr_matrix((4, 3)), 2, np.random.default_rng(0))
    assert not singular.any() and left.shape == (4, 2) and right.shape == (3, 2)


@pytest.mark.parametrize("model_class", [recsys.FunkSVD, recsys.ALS])
def test_start_is_the_best_low_rank_fit_of_the_baseline_residuals(model_class, ratings):
    no_training = {"epochs": 0} if model_class is recsys.FunkSVD else {"iterations": 0}
    model = model_class(factors=3, init_std=0.0, **no_training).fit(ratings)
    users = model.user_ids_.get_indexer(ratings["user_id"])
    items = model.item_ids_.get_indexer(ratings["item_id"])
    residuals = np.zeros(model.matrix_.shape)  # (n_users, n_items), unrated pairs are 0
    residuals[users, items] = ratings["rating"] - model.baseline_.predict(users, items)
    u, s, vt = np.linalg.svd(residuals)
    best_rank_3 = (u[:, :3] * s[:3]) @ vt[:3]  # (n_users, n_items) Eckart-Young
    start = model.user_factors_ @ model.item_factors_.T  # (n_users, n_items)
    # random sketching is near-optimal, not exact, on this flat noisy spectrum
    best_error = np.linalg.norm(residuals - best_rank_3)
    assert best_error <= np.linalg.norm(residuals - start) < 1.001 * best_error
    assert np.array_equal(model.user_bias_, model.baseline_.user)
    assert np.array_equal(model.item_bias_, model.baseline_.item)
    assert model.history_.empty


def test_als_training_rmse_from_normal_equations_equals_rating_by_rating(ratings):
    model = recsys.ALS(factors=3, iterations=3, regularization=0.2).fit(ratings)
    errors = (
        model._predict_known(
            model.user_ids_.get_indexer(ratings["user_id"]),
            model.item_ids_.get_indexer(ratings["item_id"]),
        )
        - ratings["rating"].to_numpy()
    )
    direct = np.sqrt(np.mean(errors**2))
    assert model.history_["train_rmse"].iloc[-1] == pytest.approx(direct, rel=1e-9)
    assert len(model.history_) == 3 and model.history_["train_rmse"].is_monotonic_decreasing


def sgd_batch_by_loop(model, users, items, ratings):
    """Reference: per-rating SGD steps from one shared starting point, summed per row, each
    row's sum scaled down to at most `max_steps_per_row` steps."""
    lr, reg, cap = model.learning_rate, model.regularization, model.max_steps_per_row
    user_factors, item_factors = model.user_factors_.copy(), model.item_factors_.copy()
    user_bias, item_bias = model.user_bias_.copy(), model.item_bias_.copy()
    steps = {"user": {}, "item": {}}
    for u, i, r in zip(users, items, ratings, strict=True):
        error = r - (model.global_mean_ + user_bias[u] + item_bias[i])
        error -= user_factors[u] @ item_factors[i]
        for side, row, other in (("user", u, item_factors[i]), ("item", i, user_factors[u])):
            own = (user_factors if side == "user" else item_factors)[row]
            bias = (user_bias if side == "user" else item_bias)[row]
            factor_step, bias_step = steps[side].get(row, (0.0, 0.0))
            steps[side][row] = (
                factor_step + lr * (error * other - reg * own),
                bias_step + lr * (error - reg * bias),
            )
    for side, factors, biases in (
        ("user", user_factors, user_bias),
        ("item", item_factors, item_bias),
    ):
        counts = pd.Series(users if side == "user" else items).value_counts()
        for row, (factor_step, bias_step) in steps[side].items():
            scale = min(1.0, cap / counts[row])
            factors[row] += scale * factor_step
            biases[row] += scale * bias_step
    return user_factors, item_factors, user_bias, item_bias


def test_funk_svd_mini_batch_step_sums_the_per_rating_sgd_steps(ratings):
    model = recsys.FunkSVD(factors=3, epochs=1, max_steps_per_row=3, batch_size=64).fit(ratings)
    rng = np.random.default_rng(5)
    batch = np.sort(rng.choice(model.matrix_.nnz, size=200, replace=False))  # sorted by user
    coo = model.matrix_.tocoo()
    users, items, values = coo.row[batch], coo.col[batch], coo.data[batch]
    assert np.bincount(users).max() > 3 and np.bincount(items).max() > 3  # the cap matters
    expected = sgd_batch_by_loop(model, users, items, values)
    model._sgd_step(users, items, values, np.argsort(items, kind="stable"))
    learned = (model.user_factors_, model.item_factors_, model.user_bias_, model.item_bias_)
    for got, want in zip(learned, expected, strict=True):
        assert np.allclose(got, want, atol=1e-12)


def test_funk_svd_batches_cover_every_rating_once_sorted_both_ways(ratings):
    model = recsys.FunkSVD(batch_size=100).fit(ratings)
    coo = model.matrix_.tocoo()
    by_item = np.argsort(coo.col, kind="stable")
    order, to_item_order = model._shuffled_batches(np.random.default_rng(0), by_item)
    assert np.array_equal(np.sort(order), np.arange(coo.nnz))
    for start in range(0, coo.nnz, 100):
        batch = order[start : start + 100]
        assert np.array_equal(np.sort(to_item_order[start : start + 100]), np.arange(len(batch)))
        assert np.all(np.diff(coo.row[batch]) >= 0)
        assert np.all(np.diff(coo.col[batch[to_item_order[start : start + 100]]]) >= 0)
