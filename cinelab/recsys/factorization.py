"""Matrix factorisation with biases: ``r_ui ~ mu + b_u + b_i + p_u . q_i``.

Each user and film gets a short vector of "tastes" (``factors`` numbers); their dot product is
how much this user's tastes match this film beyond the biases. Two ways to learn them:

* `FunkSVD`: stochastic gradient descent on the squared error plus an L2 penalty. The updates
  of one mini-batch are computed together with numpy (a vectorised epoch), which is what makes
  plain Python fast enough.
* `ALS`: alternate exact ridge regressions. With film vectors fixed, each user's vector (and
  bias) is the solution of a small linear system, and vice versa. No learning rate to tune.

Both start from the baseline biases and a truncated SVD of what the baseline leaves
unexplained (`truncated_svd`): a start that already points the right way needs a few passes,
where a random one spends its first passes finding the directions.

Both fold a new user in the same way: keep the films fixed and solve that user's ridge
regression from the few ratings given (`solve_user`), which takes well under a millisecond.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cinelab.arguments import non_negative_int, non_negative_number, positive_int, positive_number
from cinelab.progress import progress_bar
from cinelab.recsys.base import Recommender
from cinelab.recsys.baseline import bias_terms
from cinelab.recsys.explanation import Term, TermKind

_CHUNK_ELEMENTS = 20_000_000  # bound on the Gram matrices held at once by ALS
_CHUNK_RATINGS = 32_768  # ratings scored at once for the training RMSE (temporaries stay cached)


class _FactorModel(Recommender):
    """Shared prediction, fold-in and explanation for the two factorisation models."""

    def _user_state(self, user: int) -> tuple[np.ndarray, float]:
        return self.user_factors_[user], float(self.user_bias_[user])

    def _fold_in(self, items: np.ndarray, ratings: np.ndarray) -> tuple[np.ndarray, float]:
        return solve_user(
            self.item_factors_[items],
            ratings - self.global_mean_ - self.item_bias_[items],
            self.regularization * len(items),
        )

    def _score(self, state, items: np.ndarray) -> np.ndarray:
        factors, bias = state
        taste = self.item_factors_[items] @ factors  # (n_items,)
        return self.global_mean_ + bias + self.item_bias_[items] + taste

    def _predict_known(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        user_factors = np.take(self.user_factors_, users, axis=0)  # (n_pairs, k)
        item_factors = np.take(self.item_factors_, items, axis=0)  # (n_pairs, k)
        taste = np.einsum("nk,nk->n", user_factors, item_factors)  # (n_pairs,)
        return self.global_mean_ + self.user_bias_[users] + self.item_bias_[items] + taste

    def _explain(self, state, item: int) -> list[Term]:
        factors, bias = state
        taste = float(factors @ self.item_factors_[item])
        terms = bias_terms(self.global_mean_, bias, self.item_bias_[item])
        return [*terms, Term(TermKind.FACTORS, taste)]

    def _record(self, epoch: int, train_rmse: float, validation) -> None:
        self._check_converging(epoch, train_rmse)
        row = {"epoch": epoch, "train_rmse": train_rmse}
        if validation is not None:
            truth = validation["rating"].to_numpy(dtype=np.float64)
            row["validation_rmse"] = float(
                np.sqrt(np.mean((self.predict(validation) - truth) ** 2))
            )
        self._history.append(row)

    def _training_rmse(self, users, items, ratings) -> float:
        """RMSE on the training ratings, a chunk at a time (no 25M-row temporaries)."""
        squared_error = 0.0
        for start in range(0, len(ratings), _CHUNK_RATINGS):
            part = slice(start, start + _CHUNK_RATINGS)
            errors = self._predict_known(users[part], items[part]) - ratings[part]  # (chunk,)
            squared_error += float(np.sum(errors**2))
        return float(np.sqrt(squared_error / len(ratings)))

    def _start(self, rng: np.random.Generator) -> None:
        """Start from the baseline and the best rank-`factors` fit of what it leaves over.

        The residuals ``r_ui - mu - b_u - b_i`` of the rated pairs form a sparse matrix; its
        truncated SVD ``U S V^T`` (unrated pairs counted as 0) already points the taste vectors
        in roughly the right directions, so ``p_u = U_u sqrt(S)``, ``q_i = V_i sqrt(S)`` saves
        the first several passes a random start would spend finding them. `init_std` adds
        Gaussian noise on top (with the seed, it is what makes two runs differ).
        """
        biases = self.baseline_
        n_users = self.matrix_.shape[0]
        users = np.repeat(np.arange(n_users), np.diff(self.matrix_.indptr))  # (n_ratings,)
        residuals = _shifted(self.matrix_, biases.predict(users, self.matrix_.indices))
        left, singular, right = truncated_svd(residuals, self.factors, rng)
        root = np.sqrt(singular)  # (k,)
        self.global_mean_ = biases.global_mean
        self.user_bias_ = biases.user.copy()  # (n_users,)
        self.item_bias_ = biases.item.copy()  # (n_items,)
        noise = self.init_std
        self.user_factors_ = left * root + rng.normal(0, noise, left.shape)  # (n_users, k)
        self.item_factors_ = right * root + rng.normal(0, noise, right.shape)  # (n_items, k)

    def fit(self, ratings: pd.DataFrame, validation: pd.DataFrame | None = None) -> _FactorModel:
        """Learn from `ratings`; with `validation`, `history_` also tracks its RMSE per epoch."""
        self._validation = validation
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is raised, not warned
                super().fit(ratings)
        finally:
            del self._validation
        return self

    def _check_converging(self, epoch: int, train_rmse: float) -> None:
        """Training RMSE wider than the rating scale is worse than guessing: it diverged."""
        low, high = self.rating_range_
        if not np.isfinite(train_rmse) or train_rmse > max(high - low, 1.0):
            settings = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
            raise FloatingPointError(
                f"{type(self).__name__} diverged: after epoch {epoch} the training RMSE is "
                f"{train_rmse:.3g} on a {low:g}-{high:g} scale ({settings}). Lower the "
                "learning_rate or raise the regularization."
            )


def solve_user(
    item_factors: np.ndarray, residuals: np.ndarray, regularization: float
) -> tuple[np.ndarray, float]:
    """Ridge regression of one user's residuals on the films' factors, with a bias column.

    Minimises ``sum (residual - b - p . q_i)^2 + regularization * (|p|^2 + b^2)``: the exact
    ALS step for one user, and how a new user is folded in. Both models penalise each rating's
    vectors (SGD applies ``reg`` at every rating), so a user with n ratings gets ``reg * n``.
    """
    n_factors = item_factors.shape[1]
    design = np.hstack([item_factors, np.ones((len(residuals), 1))])  # (n_rated, k + 1)
    gram = design.T @ design + regularization * np.eye(n_factors + 1)  # (k + 1, k + 1)
    solution = np.linalg.solve(gram, design.T @ residuals)  # (k + 1,)
    return solution[:n_factors], float(solution[n_factors])


def truncated_svd(
    matrix: sp.csr_matrix,
    rank: int,
    rng: np.random.Generator,
    power_iterations: int = 2,
    oversampling: int = 10,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The `rank` largest singular values and vectors of a sparse matrix, by random sketching.

    Halko, Martinsson & Tropp (2011): multiply by a few more random vectors than needed, let
    ``matrix matrix^T`` amplify the strongest directions (`power_iterations`), then solve the
    small problem inside the space they span. Only sparse products and ``(rank + oversampling)``
    sized eigen-problems: a multithreaded QR of a tall matrix can stall for a fraction of a
    second on a busy machine.

    Returns ``left`` (n_rows, rank), ``singular`` (rank,) largest first, ``right``
    (n_cols, rank); directions a small or rank-deficient matrix does not have are zeros.
    """
    width = min(rank + oversampling, *matrix.shape)
    sketch = matrix @ rng.standard_normal((matrix.shape[1], width))  # (n_rows, width)
    for _ in range(power_iterations):
        sketch = matrix @ (matrix.T @ _orthonormal_columns(sketch))  # (n_rows, width)
    basis = _orthonormal_columns(sketch)  # (n_rows, m)
    projected = matrix.T @ basis  # (n_cols, m) the matrix seen from inside the basis
    values, rotation = np.linalg.eigh(projected.T @ projected)  # (m,), (m, m) ascending
    top = np.argsort(values)[::-1][:rank]
    singular = np.sqrt(np.maximum(values[top], 0.0))  # (<= rank,)
    left = basis @ rotation[:, top]  # (n_rows, <= rank)
    scaled_right = projected @ rotation[:, top]  # (n_cols, <= rank) right vectors times singular
    right = np.divide(scaled_right, singular, out=np.zeros_like(scaled_right), where=singular > 0)
    missing = rank - len(top)
    return (
        np.pad(left, ((0, 0), (0, missing))),
        np.pad(singular, (0, missing)),
        np.pad(right, ((0, 0), (0, missing))),
    )


def _orthonormal_columns(vectors: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the columns' span: ``Y E / sqrt(w)`` where ``Y^T Y = E diag(w) E^T``.

    Directions with ``w`` below ``1e-12`` of the largest are too weak to resolve and are
    dropped, so the basis may have fewer columns than `vectors`.
    """
    values, rotation = np.linalg.eigh(vectors.T @ vectors)  # (m,), (m, m)
    keep = values > 1e-12 * max(values.max(initial=0.0), np.finfo(float).tiny)
    return vectors @ (rotation[:, keep] / np.sqrt(values[keep]))  # (n, <= m)


class FunkSVD(_FactorModel):
    """Biased matrix factorisation trained by mini-batch stochastic gradient descent.

    For each rating, with error ``e = r_ui - prediction``, gradient descent moves
    ``b_u += lr (e - reg b_u)``, ``b_i += lr (e - reg b_i)``,
    ``p_u += lr (e q_i - reg p_u)``, ``q_i += lr (e p_u - reg q_i)``. A mini-batch computes these
    for `batch_size` ratings at once and adds them up per user and per film.

    Parameters
    ----------
    factors : int
        Length of each taste vector.
    epochs : int
        Passes over the training ratings.
    learning_rate : float
        Step size ``lr``.
    regularization : float
        L2 penalty ``reg``: larger values keep vectors small and fight over-fitting.
    batch_size : int
        Ratings per vectorised update. 1 would be classic SGD (slow in Python).
    max_steps_per_row : int
        A user with 200 ratings in one batch would take 200 summed steps from the same point
        and overshoot; their summed gradient is scaled down to at most this many steps.
    init_std : float
        Standard deviation of the Gaussian noise added to the starting factors (a truncated
        SVD of the baseline's residuals, see `_start`).
    seed : int
        Makes the starting factors and the order of ratings reproducible.

    ``history_`` holds, per epoch, the RMSE on the training ratings (and on `validation` when
    given to `fit`), measured after the epoch.
    """

    def __init__(
        self,
        factors: int = 10,
        epochs: int = 10,
        learning_rate: float = 0.02,
        regularization: float = 0.08,
        batch_size: int = 4096,
        init_std: float = 0.01,
        max_steps_per_row: int = 16,
        seed: int = 0,
    ):
        self.max_steps_per_row = max_steps_per_row
        self.factors = factors
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.batch_size = batch_size
        self.init_std = init_std
        self.seed = seed

    def _check_hyper_parameters(self) -> None:
        for name in ("factors", "batch_size", "max_steps_per_row"):
            positive_int(getattr(self, name), name)
        non_negative_int(self.epochs, "epochs")  # 0: the untrained start, for teaching
        positive_number(self.learning_rate, "learning_rate")
        non_negative_number(self.regularization, "regularization")
        non_negative_number(self.init_std, "init_std")
        non_negative_int(self.seed, "seed")

    def _fit(self) -> None:
        rng = np.random.default_rng(self.seed)
        coo = self.matrix_.tocoo()  # ratings ordered by user (CSR order)
        users, items, ratings = coo.row, coo.col, coo.data  # (n_ratings,) each
        by_item = np.argsort(items, kind="stable")  # (n_ratings,) ordered by film, then user
        self._start(rng)
        self._history = []
        for epoch in progress_bar(range(1, self.epochs + 1), desc="FunkSVD epochs", leave=False):
            order, to_item_order = self._shuffled_batches(rng, by_item)
            # (n_ratings,) each: batch after batch, by user within a batch
            epoch_users, epoch_items, epoch_ratings = users[order], items[order], ratings[order]
            for start in range(0, len(ratings), self.batch_size):
                batch = slice(start, start + self.batch_size)
                self._sgd_step(
                    epoch_users[batch], epoch_items[batch], epoch_ratings[batch],
                    to_item_order[batch],
                )  # fmt: skip
            self._record(epoch, self._training_rmse(users, items, ratings), self._validation)
        self.history_ = pd.DataFrame(self._history)
        del self._history

    def _shuffled_batches(
        self, rng: np.random.Generator, by_item: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Deal the ratings into random mini-batches, each batch's ratings sorted by user.

        Returns ``order`` (n_ratings,), the ratings batch after batch, and ``to_item_order``
        (n_ratings,), for each batch the positions within it that list its ratings by film.
        Sorted this way, each user's (each film's) steps in a batch are consecutive and add
        up without a scatter (see `_step`).

        A stable sort by batch number keeps the order the ratings already had: the CSR order
        (by user) or the `by_item` order. Batch numbers are small integers, which numpy sorts
        with a radix sort in linear time.
        """
        n_ratings, size = len(by_item), self.batch_size
        batch_of = np.arange(n_ratings) // size  # (n_ratings,) batch numbers...
        batch_of = batch_of.astype(np.min_scalar_type(batch_of[-1]))
        rng.shuffle(batch_of)  # ...dealt to the ratings at random
        order = np.argsort(batch_of, kind="stable")  # (n_ratings,)
        by_film = by_item[np.argsort(batch_of[by_item], kind="stable")]  # (n_ratings,)
        position = np.empty_like(order)
        position[order] = np.arange(n_ratings)  # (n_ratings,) where each rating is in `order`
        batch_start = np.arange(n_ratings) // size * size  # (n_ratings,)
        return order, position[by_film] - batch_start

    def _sgd_step(
        self, users: np.ndarray, items: np.ndarray, ratings: np.ndarray, to_item_order: np.ndarray
    ) -> None:
        """One mini-batch, its ratings sorted by user; ``to_item_order`` sorts them by film."""
        user_factors = np.take(self.user_factors_, users, axis=0)  # (batch, k)
        item_factors = np.take(self.item_factors_, items, axis=0)  # (batch, k)
        taste = np.einsum("nk,nk->n", user_factors, item_factors)  # (batch,)
        prediction = self.global_mean_ + self.user_bias_[users] + self.item_bias_[items] + taste
        error = ratings - prediction  # (batch,)
        self._step(self.user_factors_, self.user_bias_, users, error, item_factors)
        self._step(
            self.item_factors_, self.item_bias_, items[to_item_order], error[to_item_order],
            np.take(user_factors, to_item_order, axis=0),
        )  # fmt: skip

    def _step(self, factors, biases, sorted_rows, error, other_factors) -> None:
        """Update the rows of `factors` (and `biases`) in the batch; `sorted_rows` is sorted.

        Each row's ratings are consecutive, so a sparse matrix holding one run of weighted
        errors per row sums ``e q_i`` over them in one product (built straight from the run
        boundaries: no sorting, no scatter).
        """
        n_batch = len(sorted_rows)
        changes = np.flatnonzero(sorted_rows[1:] != sorted_rows[:-1]) + 1
        starts = np.concatenate(([0], changes))  # (n_unique,) first rating of each row
        counts = np.diff(starts, append=n_batch)  # (n_unique,)
        rows = sorted_rows[starts]  # (n_unique,)
        scale = np.minimum(1.0, self.max_steps_per_row / counts)  # (n_unique,)
        weighted_error = np.repeat(scale, counts) * error  # (batch,)
        error_runs = sp.csr_matrix(
            (weighted_error, np.arange(n_batch), np.append(starts, n_batch)),
            shape=(len(rows), n_batch),
        )  # (n_unique, batch)
        lr = self.learning_rate
        shrink = 1.0 - lr * self.regularization * counts * scale  # (n_unique,) weight decay
        current = np.take(factors, rows, axis=0)  # (n_unique, k)
        factors[rows] = shrink[:, None] * current + lr * (error_runs @ other_factors)
        biases[rows] = shrink * biases[rows] + lr * np.add.reduceat(weighted_error, starts)


class ALS(_FactorModel):
    """Biased matrix factorisation by alternating least squares (exact ridge solves).

    With the films fixed, the best user vector and bias solve, for every user at once,
    ``(Q_u^T Q_u + reg n_u I) [p_u, b_u] = Q_u^T (r_u - mu - b_i)`` where ``Q_u`` holds the
    factors (and a column of ones) of the films the user rated; then the same for films.
    Regularisation grows with the number of ratings ("weighted-lambda"), which keeps heavy
    raters and obscure films on the same footing.

    The matrices ``Q_u^T Q_u`` of all users come out of one sparse product: the rated-pattern
    matrix times every film's outer product ``q_i q_i^T`` flattened into a row (its upper
    triangle: the matrices are symmetric). The systems are then solved all at once by
    `np.linalg.solve` on the stack.

    Parameters
    ----------
    factors : int
        Length of each taste vector.
    iterations : int
        Alternations (each solves all users, then all films).
    regularization : float
        Ridge penalty per rating.
    init_std : float
        Standard deviation of the Gaussian noise added to the starting factors (a truncated
        SVD of the baseline's residuals, see `_start`).
    seed : int
        Makes the starting factors reproducible.

    ``history_`` holds, per iteration, the RMSE on the training ratings (and on `validation`
    when given to `fit`), measured after the iteration.
    """

    def __init__(
        self,
        factors: int = 10,
        iterations: int = 4,
        regularization: float = 0.15,
        init_std: float = 0.01,
        seed: int = 0,
    ):
        self.factors = factors
        self.iterations = iterations
        self.regularization = regularization
        self.init_std = init_std
        self.seed = seed

    def _check_hyper_parameters(self) -> None:
        positive_int(self.factors, "factors")
        non_negative_int(self.iterations, "iterations")  # 0: the untrained start, for teaching
        positive_number(self.regularization, "regularization")  # 0 leaves the systems singular
        non_negative_number(self.init_std, "init_std")
        non_negative_int(self.seed, "seed")

    def _fit(self) -> None:
        self._start(np.random.default_rng(self.seed))
        by_user = self.matrix_  # (n_users, n_items)
        by_item = self.matrix_.T.tocsr()  # (n_items, n_users)
        self._history = []
        for iteration in progress_bar(
            range(1, self.iterations + 1), desc="ALS iterations", leave=False
        ):
            residual = _shifted(by_user, self.global_mean_ + self.item_bias_[by_user.indices])
            self.user_factors_, self.user_bias_ = self._solve_side(residual, self.item_factors_)
            residual = _shifted(by_item, self.global_mean_ + self.user_bias_[by_item.indices])
            self.item_factors_, self.item_bias_ = self._solve_side(residual, self.user_factors_)
            train_rmse = self._rmse_after_item_step(residual)
            self._record(iteration, train_rmse, self._validation)
        self.history_ = pd.DataFrame(self._history)
        del self._history

    def _penalties(self, residuals: sp.csr_matrix) -> np.ndarray:
        """Ridge penalty of each row: ``regularization`` per rating (at least one)."""
        return self.regularization * np.maximum(np.diff(residuals.indptr), 1)  # (n_rows,)

    def _solve_side(
        self, residuals: sp.csr_matrix, other_factors: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Solve every row's ridge regression against the fixed `other_factors`, in chunks of
        rows so that memory stays bounded at MovieLens-25M scale.

        ``Q_u^T Q_u`` is symmetric, so the sparse product only builds its upper triangle
        (``(k+1)(k+2)/2`` numbers per row instead of ``(k+1)^2``); `np.take` then mirrors it.
        """
        k = other_factors.shape[1]
        design = _with_ones(other_factors)  # (n_other, k + 1)
        upper_rows, upper_cols = np.triu_indices(k + 1)
        outer = design[:, upper_rows] * design[:, upper_cols]  # (n_other, n_upper)
        mirror = _symmetric_positions(k + 1)  # (k + 1, k + 1) column of outer for each entry
        right = residuals @ design  # (n_rows, k + 1)
        penalties = self._penalties(residuals)  # (n_rows,)
        solution = np.empty_like(right)  # (n_rows, k + 1)
        chunk = max(1, _CHUNK_ELEMENTS // (k + 1) ** 2)
        for start in range(0, residuals.shape[0], chunk):
            rows = slice(start, start + chunk)
            packed = _rated_pattern(residuals[rows]) @ outer  # (n_chunk, n_upper)
            gram = np.take(packed, mirror, axis=1)  # (n_chunk, k + 1, k + 1)
            gram[:, np.arange(k + 1), np.arange(k + 1)] += penalties[rows, None]
            solution[rows] = np.linalg.solve(gram, right[rows, :, None])[:, :, 0]
        return solution[:, :k], solution[:, k]

    def _rmse_after_item_step(self, residuals: sp.csr_matrix) -> float:
        """Training RMSE straight from the films' normal equations, without predicting.

        For a film with target residuals ``t``, design ``D`` (user factors and a column of ones)
        and solution ``x`` of ``(D^T D + lam I) x = D^T t``, the squared error is
        ``|t - D x|^2 = t.t - x.(D^T t) - lam |x|^2``: three numbers per film instead of a dot
        product per rating.
        """
        solution = _with_ones(self.item_factors_)  # (n_items, k + 1)
        solution[:, -1] = self.item_bias_
        right = residuals @ _with_ones(self.user_factors_)  # (n_items, k + 1)
        squared_error = (
            np.sum(residuals.data**2)
            - np.sum(solution * right)
            - np.sum(self._penalties(residuals) * np.sum(solution**2, axis=1))
        )
        return float(np.sqrt(max(squared_error, 0.0) / residuals.nnz))


def _with_ones(factors: np.ndarray) -> np.ndarray:
    """Factors with a column of ones appended, so the bias is solved as one more factor."""
    return np.hstack([factors, np.ones((len(factors), 1))])  # (n, k + 1)


def _shifted(matrix: sp.csr_matrix, offsets: np.ndarray) -> sp.csr_matrix:
    """The same sparse pattern with ``offsets`` (one per stored rating) subtracted."""
    return sp.csr_matrix((matrix.data - offsets, matrix.indices, matrix.indptr), matrix.shape)


def _rated_pattern(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Ones where `matrix` stores a rating: multiplying by it sums over each row's films."""
    return sp.csr_matrix((np.ones(matrix.nnz), matrix.indices, matrix.indptr), matrix.shape)


def _symmetric_positions(size: int) -> np.ndarray:
    """For each entry (a, b) of a symmetric matrix, its position in the packed upper triangle."""
    upper_rows, upper_cols = np.triu_indices(size)
    positions = np.empty((size, size), dtype=np.intp)
    positions[upper_rows, upper_cols] = np.arange(len(upper_rows))
    positions[upper_cols, upper_rows] = np.arange(len(upper_rows))
    return positions
