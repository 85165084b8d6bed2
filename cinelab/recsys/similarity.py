"""Similarity between rows of a ratings matrix: the one implementation the kit uses everywhere.

A "row" is a user (for user-based neighbours) or a film (for item-based neighbours, pass the
transposed matrix). Rows are sparse: a stored entry is a rating, a missing entry means "not
rated". Dense arrays are accepted for small hand-made examples and follow the paper-and-pencil
convention that ``0`` means "not rated".

Why several similarities? They answer different questions:

* ``"cosine"`` treats "not rated" as a rating of 0 (zero-filled). Simple, fast, and what
  `sklearn.metrics.pairwise.cosine_similarity` computes, but two users who rated different
  films look dissimilar only because of what they did *not* watch.
* ``"cosine_corated"`` only looks at films both rated: the norms use co-rated entries only.
* ``"pearson"`` is the correlation on co-rated entries (each row centred on its own mean over
  the co-rated films), so a harsh and a generous critic with the same taste score 1.

Every product below is a sparse matrix product, so nothing ever builds a dense users x films
matrix; the result is dense only in the (rows of X) x (rows of Y) shape the caller asked for.
`nearest_neighbours` ranks the rows most similar to one row, and `RatingRows` adds the models'
"pearson_baseline" and the evidence behind one similarity, as the neighbour explorer shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cinelab.arguments import non_negative_number, positive_int

METRICS = ("cosine", "cosine_corated", "pearson")


def as_sparse_rows(matrix) -> sp.csr_matrix:
    """A CSR copy of `matrix`; dense input keeps only its non-zero entries (0 = not rated)."""
    if sp.issparse(matrix):
        return sp.csr_matrix(matrix, dtype=np.float64)
    array = np.asarray(matrix, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"expected a 2-D ratings matrix, got an array of shape {array.shape}.")
    if not np.isfinite(array).all():
        raise ValueError("the ratings matrix holds NaN or infinite values; use 0 for 'not rated'.")
    return sp.csr_matrix(array)


def rated_pattern(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """1.0 wherever an entry is stored (even a stored 0 after centring), else empty."""
    pattern = matrix.copy()
    pattern.data = np.ones_like(pattern.data)
    return pattern


def co_rated_counts(x, y=None) -> np.ndarray:
    """How many columns each pair of rows both rated: `(n_x, n_y)` integers."""
    x = as_sparse_rows(x)
    y = x if y is None else as_sparse_rows(y)
    return _dense(rated_pattern(x) @ rated_pattern(y).T)


def shrink(similarity: np.ndarray, co_rated: np.ndarray, shrinkage: float) -> np.ndarray:
    """Significance weighting: ``s * n / (n + shrinkage)`` with `n` the co-rated count.

    A similarity of 1.0 computed from two shared films is weak evidence; shrinking pulls such
    pairs towards 0 while leaving pairs with many co-rated films almost untouched.
    """
    if non_negative_number(shrinkage, "shrinkage") == 0:
        return similarity
    return similarity * co_rated / (co_rated + shrinkage)


def pairwise_similarity(x, y=None, metric: str = "cosine", shrinkage: float = 0.0) -> np.ndarray:
    """Similarity of every row of `x` to every row of `y` (default: `x` itself).

    Parameters
    ----------
    x, y : sparse matrix or 2-D array, shapes ``(n_x, n_columns)`` and ``(n_y, n_columns)``
        Rows to compare. Dense arrays use 0 for "not rated".
    metric : {"cosine", "cosine_corated", "pearson"}
        See the module docstring. Pairs with nothing to compare (no co-rated column, or a
        zero variance) get similarity 0, never NaN.
    shrinkage : float
        Significance weighting strength (see `shrink`); 0 turns it off.

    Returns
    -------
    ndarray, shape ``(n_x, n_y)``
    """
    if metric not in METRICS:
        raise ValueError(f"unknown similarity metric {metric!r}; choose one of {METRICS}.")
    x = as_sparse_rows(x)
    y = x if y is None else as_sparse_rows(y)
    if x.shape[1] != y.shape[1]:
        raise ValueError(
            f"x and y must have the same number of columns, got {x.shape[1]} and {y.shape[1]}."
        )
    similarity = {"cosine": _cosine, "cosine_corated": _cosine_corated, "pearson": _pearson}[
        metric
    ](x, y)
    if shrinkage:
        similarity = shrink(similarity, co_rated_counts(x, y), shrinkage)
    return similarity


def nearest_neighbours(
    rows, target: int, k: int, metric: str = "cosine", shrinkage: float = 0.0
) -> pd.DataFrame:
    """The `k` rows most similar to row `target` among those sharing a rated column with it.

    A row is never its own neighbour, and rows with nothing in common are left out (their
    similarity says nothing). Negative similarities are kept, after all positive ones.

    Parameters
    ----------
    rows : sparse matrix or 2-D array, shape ``(n_rows, n_columns)``
        Films x users to find similar films, users x films for similar users (0 = not rated
        in a dense array).
    target : int
        Row position (0-based) whose neighbours are wanted.
    k : int
        How many neighbours at most.
    metric, shrinkage
        As in `pairwise_similarity`.

    Returns
    -------
    DataFrame
        ``index`` (row position), ``similarity``, ``co_rated`` (columns both rated), most
        similar first; ties (equal up to round-off) go to the lower index.
    """
    rows = as_sparse_rows(rows)
    n_rows = rows.shape[0]
    if isinstance(target, bool) or not isinstance(target, int | np.integer):
        raise TypeError(f"target must be a row position (int), got {type(target).__name__}.")
    if not 0 <= target < n_rows:
        raise ValueError(f"target {target} is not a row position: there are {n_rows} rows.")
    positive_int(k, "k")
    one = rows[[target]]  # (1, n_columns)
    similarity = pairwise_similarity(one, rows, metric=metric, shrinkage=shrinkage)[0]  # (n_rows,)
    co_rated = co_rated_counts(one, rows)[0]  # (n_rows,)
    candidates = np.flatnonzero(co_rated > 0)
    candidates = candidates[candidates != target]
    rank_key = np.round(similarity[candidates], 12)  # round-off must not break a tie
    chosen = candidates[np.lexsort((candidates, -rank_key))[:k]]
    return pd.DataFrame(
        {
            "index": chosen,
            "similarity": similarity[chosen],
            "co_rated": co_rated[chosen].astype(int),
        }
    )


def _dense(product) -> np.ndarray:
    return product.toarray() if sp.issparse(product) else np.asarray(product)


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.zeros_like(numerator, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 1e-12)
    return out


def _cosine(x: sp.csr_matrix, y: sp.csr_matrix) -> np.ndarray:
    dot = _dense(x @ y.T)  # (n_x, n_y)
    norm_x = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())  # (n_x,)
    norm_y = np.sqrt(np.asarray(y.multiply(y).sum(axis=1)).ravel())  # (n_y,)
    return _safe_divide(dot, np.outer(norm_x, norm_y))


def _cosine_corated(x: sp.csr_matrix, y: sp.csr_matrix) -> np.ndarray:
    dot = _dense(x @ y.T)  # (n_x, n_y)
    x_squares_on_common = _dense(x.multiply(x) @ rated_pattern(y).T)  # (n_x, n_y)
    y_squares_on_common = _dense(rated_pattern(x) @ y.multiply(y).T)  # (n_x, n_y)
    return _safe_divide(dot, np.sqrt(x_squares_on_common * y_squares_on_common))


def _pearson(x: sp.csr_matrix, y: sp.csr_matrix) -> np.ndarray:
    pattern_x, pattern_y = rated_pattern(x), rated_pattern(y)
    n = _dense(pattern_x @ pattern_y.T)  # (n_x, n_y) co-rated counts
    sum_x = _dense(x @ pattern_y.T)  # (n_x, n_y) sum of x over co-rated columns
    sum_y = _dense(pattern_x @ y.T)  # (n_x, n_y)
    sum_xx = _dense(x.multiply(x) @ pattern_y.T)  # (n_x, n_y)
    sum_yy = _dense(pattern_x @ y.multiply(y).T)  # (n_x, n_y)
    sum_xy = _dense(x @ y.T)  # (n_x, n_y)
    n_safe = np.maximum(n, 1)
    covariance = sum_xy - sum_x * sum_y / n_safe
    variance_x = _variance(sum_xx, sum_x, n_safe)  # (n_x, n_y)
    variance_y = _variance(sum_yy, sum_y, n_safe)  # (n_x, n_y)
    similarity = _safe_divide(covariance, np.sqrt(variance_x * variance_y))
    similarity[n < 2] = 0.0
    return np.clip(similarity, -1.0, 1.0)


def _variance(sum_squares: np.ndarray, sums: np.ndarray, n: np.ndarray) -> np.ndarray:
    """n * variance from running sums; round-off on constant rows is snapped to exactly 0."""
    variance = sum_squares - sums**2 / n
    variance[variance < 1e-9 * np.maximum(sum_squares, 1.0)] = 0.0
    return variance


SIMILARITIES = (*METRICS, "pearson_baseline")


@dataclass(frozen=True)
class Evidence:
    """What one similarity rests on: the columns both rows rated and the numbers compared."""

    columns: np.ndarray  # (n_common,) positions of the columns both rows rated
    target: np.ndarray  # (n_common,) the target row's ratings there
    neighbour: np.ndarray  # (n_common,) the neighbour row's ratings there
    raw: float  # the similarity before shrinkage
    similarity: float  # after shrinkage


class RatingRows:
    """One side of a ratings matrix (films or users) with every similarity the kit offers.

    ``"pearson_baseline"`` is what the default `ItemKNN` and `UserKNN` use: co-rated cosine of
    the *residuals* ``rating - (mu + b_u + b_i)``, so it needs them. The other metrics compare
    the ratings themselves.

    Parameters
    ----------
    ratings : sparse matrix, shape ``(n_rows, n_columns)``
        One row per film (or user), a stored entry per rating.
    residuals : sparse matrix, optional
        The same pattern holding ``rating - baseline``; required for "pearson_baseline".
    """

    def __init__(self, ratings, residuals=None):
        self.ratings = as_sparse_rows(ratings)
        self.residuals = None if residuals is None else as_sparse_rows(residuals)

    def compared(self, similarity: str) -> tuple[sp.csr_matrix, str]:
        """The rows `pairwise_similarity` compares for `similarity`, and with which metric."""
        if similarity not in SIMILARITIES:
            raise ValueError(f"similarity must be one of {SIMILARITIES}, got {similarity!r}.")
        if similarity != "pearson_baseline":
            return self.ratings, similarity
        if self.residuals is None:
            raise ValueError("'pearson_baseline' needs the baseline residuals of the ratings.")
        return self.residuals, "cosine_corated"

    def neighbours(self, target: int, k: int, similarity: str, shrinkage: float) -> pd.DataFrame:
        """`nearest_neighbours` of row `target` under any of `SIMILARITIES`."""
        rows, metric = self.compared(similarity)
        return nearest_neighbours(rows, target, k, metric, shrinkage)

    def evidence(self, target: int, neighbour: int, similarity: str, shrinkage: float) -> Evidence:
        """The co-rated columns of two rows, their ratings there, and their similarity."""
        rows, metric = self.compared(similarity)
        pair = rows[[target, neighbour]]  # (2, n_columns)
        ratings = self.ratings[[target, neighbour]].toarray()  # (2, n_columns), 0 = unrated
        both = np.flatnonzero((ratings[0] != 0) & (ratings[1] != 0))  # (n_common,)
        raw = pairwise_similarity(pair[0], pair[1], metric=metric)[0, 0]
        shrunk = pairwise_similarity(pair[0], pair[1], metric=metric, shrinkage=shrinkage)[0, 0]
        return Evidence(both, ratings[0, both], ratings[1, both], float(raw), float(shrunk))
