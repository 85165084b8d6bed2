"""What every recommender in the kit shares: ids, the baseline fallback, clipping and the API.

A model only implements a few hooks on *internal* indices (0..n-1); this class turns them into
the public API on the dataset's own ids:

* ``_fit()`` learns from ``self.matrix_`` (users x films, CSR, ratings as values);
* ``_user_state(u)`` / ``_fold_in(items, ratings)`` describe a known or a brand-new user in
  whatever form the model needs (factors, a rating row, a bias...);
* ``_score(state, items)`` returns the raw prediction of that user for those films;
* ``_explain(state, item)`` returns the typed `Term`s whose sum is that raw prediction.

Because a known user and a folded-in user are both just a "state", `predict`, `recommend`,
`recommend_for_new_user`, `explain` and `explain_for_new_user` share one code path.

Folding someone in is the costly step for a new user (User-KNN compares them with every
training user), so `fold_in` does it once and returns a `FoldedInUser` that answers many
questions: a live widget asks for a top-N list and ten explanations after every rating.

Unknown users or films never raise: they get the baseline prediction, global mean plus
whichever of the user's and film's biases is known. Rating predictions are clipped to the
range of ratings seen in `fit`; the clipping appears as its own term in `explain`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator

from cinelab.arguments import positive_int
from cinelab.data import validate_ratings
from cinelab.recsys.explanation import Term, TermKind, reason, terms_frame
from cinelab.recsys.similarity import RatingRows


@dataclass(frozen=True)
class Biases:
    """``global_mean + user[u] + item[i]``: the baseline every model falls back on."""

    global_mean: float
    user: np.ndarray  # (n_users,)
    item: np.ndarray  # (n_items,)

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Baseline for internal indices; an index of -1 (unknown) contributes no bias."""
        users, items = np.asarray(users), np.asarray(items)
        user_part = np.where(users >= 0, self.user[np.maximum(users, 0)], 0.0)  # (n_pairs,)
        item_part = np.where(items >= 0, self.item[np.maximum(items, 0)], 0.0)  # (n_pairs,)
        return self.global_mean + user_part + item_part


def fit_biases(
    matrix: sp.csr_matrix,
    user_regularization: float = 15.0,
    item_regularization: float = 10.0,
    iterations: int = 10,
) -> Biases:
    """Regularised user and film biases by alternating damped means.

    Each film bias is the mean of its residuals shrunk towards 0 by ``item_regularization``
    pseudo-ratings (a film with 2 ratings of 5 is not "the best film ever"), then each user
    bias the same way; a few alternations converge to the ridge-regression solution.
    """
    coo = matrix.tocoo()
    users, items, ratings = coo.row, coo.col, coo.data  # (n_ratings,) each
    n_users, n_items = matrix.shape
    global_mean = float(ratings.mean())
    user_bias = np.zeros(n_users)
    item_bias = np.zeros(n_items)
    user_counts = np.bincount(users, minlength=n_users)  # (n_users,)
    item_counts = np.bincount(items, minlength=n_items)  # (n_items,)
    for _ in range(iterations):
        residual = ratings - global_mean - user_bias[users]  # (n_ratings,)
        item_bias = np.bincount(items, residual, n_items) / (item_counts + item_regularization)
        residual = ratings - global_mean - item_bias[items]  # (n_ratings,)
        user_bias = np.bincount(users, residual, n_users) / (user_counts + user_regularization)
    return Biases(global_mean, user_bias, item_bias)


def fold_in_user_bias(biases: Biases, items: np.ndarray, ratings: np.ndarray, reg: float) -> float:
    """The bias of a new user given fixed film biases: one damped mean, no refit."""
    residual = ratings - biases.global_mean - biases.item[items]  # (n_rated,)
    return float(residual.sum() / (len(residual) + reg))


class Recommender(BaseEstimator):
    """Base class: subclasses set hyper-parameters in ``__init__`` and implement the hooks."""

    predicts_ratings = True
    bias_user_regularization = 15.0
    bias_item_regularization = 10.0

    def __new__(cls, *args, **kwargs):
        """Refuse an unknown keyword naming *this* class and the likely intended name.

        Without this, ``ItemKNN(n_neighbors=10)`` would fail inside a private base class's
        ``__init__``. The kit spells "neighbours" and "regularization"; the other spellings are
        pointed to the right name.
        """
        try:
            known = cls._get_param_names()
        except RuntimeError:  # a subclass taking *args: let its own __init__ decide
            return super().__new__(cls)
        for name in kwargs:
            if name not in known:
                raise TypeError(_unknown_parameter(cls.__name__, name, known))
        return super().__new__(cls)

    # ------------------------------------------------------------------ fitting
    def fit(self, ratings: pd.DataFrame) -> Recommender:
        """Learn from a ratings frame with columns ``user_id, item_id, rating``; returns self.

        Hyper-parameters are checked first, so a setting that cannot work is refused before
        any work, with its name; training that diverges raises instead of predicting NaN.
        """
        self._check_hyper_parameters()
        ratings = validate_ratings(ratings)
        self.user_ids_ = pd.Index(np.sort(ratings["user_id"].unique()))
        self.item_ids_ = pd.Index(self._item_universe(ratings))
        users = self.user_ids_.get_indexer(ratings["user_id"])  # (n_ratings,)
        items = self.item_ids_.get_indexer(ratings["item_id"])  # (n_ratings,)
        values = ratings["rating"].to_numpy(dtype=np.float64)  # (n_ratings,)
        shape = (len(self.user_ids_), len(self.item_ids_))
        self.matrix_ = sp.csr_matrix((values, (users, items)), shape=shape)  # (n_users, n_items)
        self.matrix_.sort_indices()
        self.rating_range_ = (float(values.min()), float(values.max()))
        self.baseline_ = self._fit_baseline()
        self._fit()
        self._check_finite()
        return self

    def _check_hyper_parameters(self) -> None:
        """Refuse settings that cannot work (each model checks its own, via `cinelab.arguments`)."""

    def _check_finite(self) -> None:
        """A model whose fallback scores are not finite would predict NaN: say so instead."""
        scores = self._fallback_scores()  # (n_items,)
        if not np.all(np.isfinite(scores)):
            raise FloatingPointError(
                f"{type(self).__name__} learned non-finite values with {self.get_params()}: "
                "check its hyper-parameters."
            )

    def _fit_baseline(self) -> Biases:
        """The one set of biases this model falls back on (and builds on, for most models).
        `Baseline` and `Popularity` override it with their own hyper-parameters, so what they
        predict for a known film and their fallback for an unknown one never disagree."""
        return fit_biases(
            self.matrix_, self.bias_user_regularization, self.bias_item_regularization
        )

    def _item_universe(self, ratings: pd.DataFrame) -> np.ndarray:
        """Films the model knows; content models add catalogue films nobody rated yet."""
        return np.sort(ratings["item_id"].unique())

    def _fit(self) -> None:
        """Model-specific learning on ``self.matrix_``; the baseline is already fitted."""

    # ------------------------------------------------------------------ hooks
    def _user_state(self, user: int):
        items, ratings = self._user_row(user)
        return self._fold_in(items, ratings)

    def _fold_in(self, items: np.ndarray, ratings: np.ndarray):
        raise NotImplementedError

    def _score(self, state, items: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _explain(self, state, item: int) -> list[Term]:
        raise NotImplementedError

    def _predict_known(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Raw predictions for known (user, film) index pairs, one user at a time."""
        out = np.empty(len(users))
        order = np.argsort(users, kind="stable")
        boundaries = np.flatnonzero(np.diff(users[order])) + 1
        for group in np.split(order, boundaries):
            if len(group):
                out[group] = self._score(self._user_state(users[group[0]]), items[group])
        return out

    # ------------------------------------------------------------------ public API
    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        """Predicted rating (score, for ranking models) for each row of ``user_id, item_id``."""
        self._check_fitted()
        users, items = self._pair_indices(pairs)
        raw = self.baseline_.predict(users, items)  # (n_pairs,) fallback for unknown ids
        known = (users >= 0) & (items >= 0)
        if known.any():
            raw[known] = self._predict_known(users[known], items[known])
        return self._clip(raw)

    def recommend(self, user_id, n: int = 10, exclude_seen: bool = True) -> pd.DataFrame:
        """Top-`n` films for a known user as a frame ``item_id, score`` (best first).

        Films are ranked by raw (unclipped) score so that predictions above the top of the
        scale still order correctly. An unknown user gets the films with the best baseline.
        """
        self._check_fitted()
        _check_n(n)
        user = self.user_ids_.get_indexer([user_id])[0]
        if user < 0:
            return self._top_n(self._fallback_scores(), n, seen=np.array([], dtype=int))
        seen = self._user_row(user)[0] if exclude_seen else np.array([], dtype=int)
        return self._top_n(self._score_all(self._user_state(user)), n, seen)

    def fold_in(self, ratings: Mapping) -> FoldedInUser:
        """Fold in someone not in the training data, given as ``{item_id: rating}``, once.

        The model is not refitted: the person's bias, factors or neighbours are computed
        against the frozen model. Ask the returned `FoldedInUser` as many questions as needed
        (`recommend`, `predict`, `explain`); they all reuse that one fold-in.
        """
        return FoldedInUser(self, ratings)

    def recommend_for_new_user(self, ratings: Mapping, n: int = 10) -> pd.DataFrame:
        """Top-`n` films for someone not in the training data, from ``{item_id: rating}``.

        Shortcut for ``fold_in(ratings).recommend(n)``: milliseconds, no refit. Films the
        model does not know are ignored; the rated films are excluded from the answer.
        """
        return self.fold_in(ratings).recommend(n)

    def explain(self, user_id, item_id) -> pd.DataFrame:
        """The terms whose ``value`` column sums to ``predict`` for this (user, film).

        Returns the typed terms (`cinelab.recsys.explanation.Term`) as a frame with columns
        ``term, kind, value`` (neighbour models add ``neighbour_id, similarity, rating``;
        `terms_of` turns it back into terms). ``.attrs["prediction"]`` holds the prediction
        and ``.attrs["reason"]`` the kit's one-line reason (`cinelab.recsys.explanation.reason`).
        """
        self._check_fitted()
        user = self.user_ids_.get_indexer([user_id])[0]
        item = self.item_ids_.get_indexer([item_id])[0]
        if user < 0 or item < 0:
            return self._finish(self._baseline_terms(user, item))
        return self._finish(self._explain(self._user_state(user), item))

    def explain_for_new_user(self, ratings: Mapping, item_id) -> pd.DataFrame:
        """`explain` for a user given as ``{item_id: rating}``; ``fold_in(ratings).explain``."""
        return self.fold_in(ratings).explain(item_id)

    def predict_for_new_user(self, ratings: Mapping, item_ids) -> np.ndarray:
        """Predictions for a folded-in user on the given films; ``fold_in(ratings).predict``."""
        return self.fold_in(ratings).predict(item_ids)

    def residual_matrix(self) -> sp.csr_matrix:
        """``rating - (mu + b_u + b_i)`` for every training rating, users x films (CSR)."""
        coo = self.matrix_.tocoo()
        baseline = self.baseline_.predict(coo.row, coo.col)  # (n_ratings,)
        residual = sp.csr_matrix((coo.data - baseline, (coo.row, coo.col)), self.matrix_.shape)
        residual.sort_indices()
        return residual

    def rating_rows(self, side: str = "films") -> RatingRows:
        """The training ratings as film rows (or user rows) to compare, with the residuals that
        "pearson_baseline" compares: the similarities the neighbour models use, for the
        neighbour explorer and the exercises."""
        self._check_fitted()
        if side not in ("films", "users"):
            raise ValueError(f"side must be 'films' or 'users', got {side!r}.")
        ratings, residuals = self.matrix_, self.residual_matrix()
        if side == "films":
            ratings, residuals = ratings.T.tocsr(), residuals.T.tocsr()
        return RatingRows(ratings, residuals)

    # ------------------------------------------------------------------ helpers
    def _check_fitted(self) -> None:
        if not hasattr(self, "matrix_"):
            raise RuntimeError(
                f"This {type(self).__name__} is not fitted yet: call .fit(ratings) first."
            )

    def _user_row(self, user: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.matrix_.indptr[user], self.matrix_.indptr[user + 1]
        return self.matrix_.indices[start:end], self.matrix_.data[start:end]

    def _score_all(self, state) -> np.ndarray:
        return self._score(state, np.arange(len(self.item_ids_)))

    def _fallback_scores(self) -> np.ndarray:
        """Ranking for someone we know nothing about: the films' baseline."""
        return self.baseline_.global_mean + self.baseline_.item  # (n_items,)

    def _clip(self, raw: np.ndarray) -> np.ndarray:
        return np.clip(raw, *self.rating_range_) if self.predicts_ratings else raw

    def _top_n(self, scores: np.ndarray, n: int, seen: np.ndarray) -> pd.DataFrame:
        scores = scores.astype(np.float64, copy=True)  # (n_items,)
        scores[seen] = -np.inf
        n = min(n, int(np.isfinite(scores).sum()))
        best = np.argpartition(-scores, n - 1)[:n] if n else np.array([], dtype=int)
        best = best[np.lexsort((best, -scores[best]))]  # by score, ties by index: deterministic
        return pd.DataFrame({"item_id": self.item_ids_[best], "score": scores[best]})

    def _pair_indices(self, pairs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        if not isinstance(pairs, pd.DataFrame):
            raise TypeError(
                f"predict expects a DataFrame with columns user_id, item_id, got "
                f"{type(pairs).__name__}."
            )
        missing = [c for c in ("user_id", "item_id") if c not in pairs.columns]
        if missing:
            raise ValueError(
                f"predict needs columns ['user_id', 'item_id']; missing {missing} in "
                f"{list(pairs.columns)}."
            )
        users = self.user_ids_.get_indexer(pairs["user_id"])  # (n_pairs,)
        items = self.item_ids_.get_indexer(pairs["item_id"])  # (n_pairs,)
        return users, items

    def _parse_new_user(self, ratings: Mapping) -> tuple[np.ndarray, np.ndarray]:
        if not isinstance(ratings, Mapping):
            raise TypeError(
                f"a new user is a dict {{item_id: rating}}, got {type(ratings).__name__}."
            )
        low, high = self.rating_range_
        for item_id, value in ratings.items():
            if not isinstance(value, int | float | np.number) or not np.isfinite(value):
                raise ValueError(f"rating for film {item_id!r} must be a number, got {value!r}.")
            if not low <= value <= high:
                raise ValueError(
                    f"rating for film {item_id!r} is {value}, outside this model's scale "
                    f"[{low:g}, {high:g}]."
                )
        ids = pd.Index(list(ratings.keys()))
        items = self.item_ids_.get_indexer(ids) if len(ids) else np.array([], dtype=int)
        values = np.array(list(ratings.values()), dtype=np.float64)  # (n_rated,)
        known = items >= 0
        order = np.argsort(items[known])
        return items[known][order], values[known][order]

    def _baseline_terms(self, user: int, item: int) -> list[Term]:
        """The fallback's terms; an unknown user or film contributes a term of 0 that says so."""
        biases = self.baseline_
        user_term = (
            Term(TermKind.USER_BIAS, float(biases.user[user]))
            if user >= 0
            else Term(TermKind.UNKNOWN_USER, 0.0)
        )
        film_term = (
            Term(TermKind.FILM_BIAS, float(biases.item[item]))
            if item >= 0
            else Term(TermKind.UNKNOWN_FILM, 0.0)
        )
        return [Term(TermKind.GLOBAL_MEAN, biases.global_mean), user_term, film_term]

    def _finish(self, terms: list[Term]) -> pd.DataFrame:
        """Add the clipping term, so the values sum to exactly what `predict` returns."""
        raw = float(sum(term.value for term in terms))
        prediction = float(self._clip(np.array([raw]))[0])
        if prediction != raw:
            terms = [*terms, Term(TermKind.CLIP, prediction - raw)]
        frame = terms_frame(terms)
        frame.attrs["prediction"] = prediction
        frame.attrs["reason"] = reason(terms)
        return frame


@dataclass(frozen=True)
class Standing:
    """A film's place in one person's ranking: ``rank`` (1 = best; None when not ranked) of
    ``out_of`` films, and ``top_n_score``, the score of the last film in their top n."""

    rank: int | None
    out_of: int
    top_n_score: float | None


class FoldedInUser:
    """A person who is not in the training data, folded into a fitted model once.

    Made by `Recommender.fold_in`. Every question below reuses the one fold-in, and the
    scores of the whole catalogue are computed at most once, so a top-N list, its ten
    explanations and a "why not this film?" cost one fold-in instead of a dozen. The ratings
    are copied: a later change to the caller's dict needs a new `fold_in`.

    Attributes
    ----------
    model : Recommender
        The fitted model the person was folded into.
    ratings : dict
        ``{item_id: rating}`` as given (films the model does not know are kept here but
        ignored by the model).
    """

    def __init__(self, model: Recommender, ratings: Mapping):
        model._check_fitted()
        self.model = model
        self._items, values = model._parse_new_user(ratings)  # (n_rated,) internal, sorted
        self.ratings = dict(ratings)
        self._state = model._fold_in(self._items, values) if len(self._items) else None
        self._scores = None

    def recommend(self, n: int = 10) -> pd.DataFrame:
        """Top-`n` films as a frame ``item_id, score`` (best first), rated films excluded.

        With no usable rating, the films with the best baseline (`Popularity`: the most rated).
        """
        _check_n(n)
        return self.model._top_n(self._all_scores(), n, seen=self._items)

    def predict(self, item_ids) -> np.ndarray:
        """Predicted rating (score, for ranking models) of each film; unknown films: baseline."""
        model = self.model
        targets = model.item_ids_.get_indexer(pd.Index(item_ids))  # (n_targets,)
        raw = model.baseline_.predict(np.full(len(targets), -1), targets)  # (n_targets,)
        known = targets >= 0
        if len(self._items) and known.any():
            raw[known] = model._score(self._state, targets[known])
        return model._clip(raw)

    def explain(self, item_id) -> pd.DataFrame:
        """The terms whose ``value`` sums to `predict` for this film, as `Recommender.explain`."""
        model = self.model
        item = model.item_ids_.get_indexer([item_id])[0]
        if len(self._items) == 0 or item < 0:
            return model._finish(model._baseline_terms(-1, item))
        return model._finish(model._explain(self._state, item))

    def standing(self, item_id, n: int = 10) -> Standing:
        """Where one film stands in this person's ranking (the "why not this film?" question):
        its rank among the films they have not rated (None if unknown to the model or rated),
        out of how many, and the score of the last film in their top `n`."""
        _check_n(n)
        ranking = self.recommend(n=len(self.model.item_ids_))
        position = np.flatnonzero(ranking["item_id"].to_numpy() == item_id)  # (0 or 1,)
        last = ranking["score"].iloc[min(n, len(ranking)) - 1] if len(ranking) else None
        rank = int(position[0]) + 1 if len(position) else None
        return Standing(rank, len(ranking), None if last is None else float(last))

    def _all_scores(self) -> np.ndarray:
        """Raw scores of every film the model knows, computed on the first question only."""
        if self._scores is None:
            empty = len(self._items) == 0
            model = self.model
            self._scores = model._fallback_scores() if empty else model._score_all(self._state)
        return self._scores  # (n_items,)


def _check_n(n: int) -> None:
    positive_int(n, "n")


# The kit's spelling of each parameter, for the other spellings people type.
_OTHER_SPELLINGS = (("neighbors", "neighbours"), ("regularisation", "regularization"))


def _unknown_parameter(model: str, name: str, known: list[str]) -> str:
    respelled = name
    for other, kit in _OTHER_SPELLINGS:
        respelled = respelled.replace(other, kit)
    hint = f" The kit spells it {respelled!r}." if respelled in known else ""
    return f"{model} has no parameter {name!r}.{hint} Its parameters are {known}."
