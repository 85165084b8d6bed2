"""Matrix factorisation with biases: ``r_ui ~ mu + b_u + b_i + p_u . q_i``.

Each user and film gets a short vector of "tastes" (``factors`` numbers); their dot product is
how much this user's tastes match this film beyond the biases. Two ways to learn them:

* `FunkSVD`: stochastic gradient descent on the squared error plus an L2 penalty. The updates
  of one mini-batch are computed together with numpy (a vectorised epoch), which is what makes
  plain Python fast enough.
* `ALS`: alternate exact ridge regressions. With film vectors fixed, each user's vector (and
  bias) is the solution of a small linear system, and vice versa. No learning rate to tune.

Both fold a new user in the same way: keep the films fixed and solve that user's ridge
regression from the few ratings given (`solve_user`), which takes well under a millisecond.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from tqdm.auto import tqdm

from cinelab.recsys.base import Recommender
from cinelab.recsys.baseline import bias_terms

_CHUNK_ELEMENTS = 20_000_000  # bound on the Gram matrices held at once by ALS


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
        taste = np.einsum("nk,nk->n", self.user_factors_[users], self.item_factors_[items])
        return self.global_mean_ + self.user_bias_[users] + self.item_bias_[items] + taste

    def _explain(self, state, item: int) -> pd.DataFrame:
        factors, bias = state
        terms = bias_terms(self.global_mean_, bias, self.item_bias_[item])
        taste = pd.DataFrame(
            {"term": ["taste match (factors)"], "value": [factors @ self.item_factors_[item]]}
        )
        return pd.concat([terms, taste], ignore_index=True)

    def _record(self, epoch: int, train_rmse: float, validation) -> None:
        row = {"epoch": epoch, "train_rmse": train_rmse}
        if validation is not None:
            truth = validation["rating"].to_numpy(dtype=np.float64)
            row["validation_rmse"] = float(
                np.sqrt(np.mean((self.predict(validation) - truth) ** 2))
            )
        self._history.append(row)

    def _training_rmse(self, users, items, ratings) -> float:
        return float(np.sqrt(np.mean((self._predict_known(users, items) - ratings) ** 2)))

    def fit(self, ratings: pd.DataFrame, validation: pd.DataFrame | None = None) -> _FactorModel:
        """Learn from `ratings`; with `validation`, `history_` also tracks its RMSE per epoch."""
        self._validation = validation
        try:
            super().fit(ratings)
        finally:
            del self._validation
        return self


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
        Standard deviation of the random initial factors.
    seed : int
        Makes the initial factors and the order of ratings reproducible.
    """

    def __init__(
        self,
        factors: int = 30,
        epochs: int = 20,
        learning_rate: float = 0.01,
        regularization: float = 0.05,
        batch_size: int = 4096,
        init_std: float = 0.1,
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

    def _fit(self) -> None:
        rng = np.random.default_rng(self.seed)
        n_users, n_items = self.matrix_.shape
        coo = self.matrix_.tocoo()
        users, items, ratings = coo.row, coo.col, coo.data  # (n_ratings,) each
        self.global_mean_ = float(ratings.mean())
        self.user_bias_ = np.zeros(n_users)
        self.item_bias_ = np.zeros(n_items)
        self.user_factors_ = rng.normal(0, self.init_std, (n_users, self.factors))  # (n_users, k)
        self.item_factors_ = rng.normal(0, self.init_std, (n_items, self.factors))  # (n_items, k)
        self._history = []
        for epoch in tqdm(range(1, self.epochs + 1), desc="FunkSVD epochs", leave=False):
            order = rng.permutation(len(ratings))  # (n_ratings,)
            for start in range(0, len(order), self.batch_size):
                batch = order[start : start + self.batch_size]
                self._sgd_step(users[batch], items[batch], ratings[batch])
            self._record(epoch, self._training_rmse(users, items, ratings), self._validation)
        self.history_ = pd.DataFrame(self._history)
        del self._history

    def _sgd_step(self, users: np.ndarray, items: np.ndarray, ratings: np.ndarray) -> None:
        user_factors = self.user_factors_[users]  # (batch, k)
        item_factors = self.item_factors_[items]  # (batch, k)
        taste = np.einsum("nk,nk->n", user_factors, item_factors)  # (batch,)
        prediction = self.global_mean_ + self.user_bias_[users] + self.item_bias_[items] + taste
        error = ratings - prediction  # (batch,)
        self._step(self.user_factors_, self.user_bias_, users, error, item_factors)
        self._step(self.item_factors_, self.item_bias_, items, error, user_factors)

    def _step(self, factors, biases, rows, error, other_factors) -> None:
        """One update of the rows of `factors` (and `biases`) that appear in the batch."""
        unique, inverse, counts = np.unique(rows, return_inverse=True, return_counts=True)
        scale = np.minimum(1.0, self.max_steps_per_row / counts)  # (n_unique,)
        weight = scale[inverse]  # (batch,)
        one_hot = sp.csr_matrix(
            (weight, (inverse, np.arange(len(rows)))), shape=(len(unique), len(rows))
        )
        lr, reg = self.learning_rate, self.regularization
        steps = counts * scale  # (n_unique,) how many ratings each row stands for
        factors[unique] += lr * (
            one_hot @ (error[:, None] * other_factors) - reg * steps[:, None] * factors[unique]
        )
        biases[unique] += lr * (one_hot @ error - reg * steps * biases[unique])


class ALS(_FactorModel):
    """Biased matrix factorisation by alternating least squares (exact ridge solves).

    With the films fixed, the best user vector and bias solve, for every user at once,
    ``(Q_u^T Q_u + reg n_u I) [p_u, b_u] = Q_u^T (r_u - mu - b_i)`` where ``Q_u`` holds the
    factors (and a column of ones) of the films the user rated; then the same for films.
    Regularisation grows with the number of ratings ("weighted-lambda"), which keeps heavy
    raters and obscure films on the same footing.

    The matrices ``Q_u^T Q_u`` of all users come out of one sparse product: the rated-pattern
    matrix times every film's outer product ``q_i q_i^T`` flattened into a row.

    Parameters
    ----------
    factors : int
        Length of each taste vector.
    iterations : int
        Alternations (each solves all users, then all films).
    regularization : float
        Ridge penalty per rating.
    init_std : float
        Standard deviation of the random initial factors.
    seed : int
        Makes the initial factors reproducible.
    """

    def __init__(
        self,
        factors: int = 20,
        iterations: int = 6,
        regularization: float = 0.1,
        init_std: float = 0.1,
        seed: int = 0,
    ):
        self.factors = factors
        self.iterations = iterations
        self.regularization = regularization
        self.init_std = init_std
        self.seed = seed

    def _fit(self) -> None:
        rng = np.random.default_rng(self.seed)
        n_users, n_items = self.matrix_.shape
        coo = self.matrix_.tocoo()
        users, items, ratings = coo.row, coo.col, coo.data  # (n_ratings,) each
        self.global_mean_ = float(ratings.mean())
        self.user_bias_ = np.zeros(n_users)
        self.item_bias_ = np.zeros(n_items)
        self.user_factors_ = rng.normal(0, self.init_std, (n_users, self.factors))  # (n_users, k)
        self.item_factors_ = rng.normal(0, self.init_std, (n_items, self.factors))  # (n_items, k)
        by_user = self.matrix_  # (n_users, n_items)
        by_item = self.matrix_.T.tocsr()  # (n_items, n_users)
        self._history = []
        for iteration in tqdm(range(1, self.iterations + 1), desc="ALS iterations", leave=False):
            residual = by_user.copy()
            residual.data = by_user.data - self.global_mean_ - self.item_bias_[by_user.indices]
            self.user_factors_, self.user_bias_ = self._solve_side(residual, self.item_factors_)
            residual = by_item.copy()
            residual.data = by_item.data - self.global_mean_ - self.user_bias_[by_item.indices]
            self.item_factors_, self.item_bias_ = self._solve_side(residual, self.user_factors_)
            self._record(iteration, self._training_rmse(users, items, ratings), self._validation)
        self.history_ = pd.DataFrame(self._history)
        del self._history

    def _solve_side(
        self, residuals: sp.csr_matrix, other_factors: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Solve every row's ridge regression against the fixed `other_factors`, in chunks of
        rows so that memory stays bounded at MovieLens-25M scale."""
        n_rows, k = residuals.shape[0], other_factors.shape[1]
        design = np.hstack([other_factors, np.ones((len(other_factors), 1))])  # (n_other, k + 1)
        outer = np.einsum("na,nb->nab", design, design).reshape(
            len(design), -1
        )  # (n_other, (k+1)^2)
        pattern = residuals.copy()
        pattern.data = np.ones_like(pattern.data)
        factors, biases = np.empty((n_rows, k)), np.empty(n_rows)
        chunk = max(1, _CHUNK_ELEMENTS // (k + 1) ** 2)
        for start in range(0, n_rows, chunk):
            rows = slice(start, start + chunk)
            gram = (pattern[rows] @ outer).reshape(-1, k + 1, k + 1)  # (n_chunk, k + 1, k + 1)
            counts = np.diff(residuals.indptr[start : start + chunk + 1])  # (n_chunk,)
            gram += (self.regularization * np.maximum(counts, 1))[:, None, None] * np.eye(k + 1)
            right = residuals[rows] @ design  # (n_chunk, k + 1)
            solution = np.linalg.solve(gram, right[:, :, None])[:, :, 0]  # (n_chunk, k + 1)
            factors[rows], biases[rows] = solution[:, :k], solution[:, k]
        return factors, biases
