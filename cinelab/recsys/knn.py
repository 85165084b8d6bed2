"""Neighbourhood models: predict from the k most similar users (`UserKNN`) or films (`ItemKNN`).

For a user u and a film i, with ``N_k`` the k most similar neighbours that have a rating to
offer (other users who rated i, or films that u rated) and positive similarity ``s``:

    r_ui = base_ui + sum_{n in N_k} s_n * value_n / (damping + sum_{n in N_k} s_n)

``centering`` chooses what "base" and "value" are:

* ``"none"``:     base = 0,                   value = the neighbour's rating (the damping's
  virtual neighbour, below, rates the film at the baseline);
* ``"mean"``:     base = the target's mean,    value = rating - the neighbour's mean;
* ``"baseline"``: base = mu + b_u + b_i,       value = rating - (mu + b_n + b_i) (user-based).

Neighbours only correct the baseline for what it cannot know, which is why "baseline" is the
default and the most accurate. Without any neighbour the prediction is the base (for "none",
the baseline). User-based and item-based are the same algorithm on the transposed matrix, so
one class holds it and the two public classes only pick the side.

Why ``damping``? Without it (the textbook formula, ``damping=0``) a film backed by a single
neighbour of similarity 0.02 gets that neighbour's whole deviation: someone who rated five
films sees a list of obscure films, each pushed up by one weak link, with raw scores above the
top of the scale. ``damping`` acts as one more, virtual neighbour with that similarity who
agrees with the base (for "none": who predicts the baseline), so the correction is scaled by
``sum s / (sum s + damping)``: strong, well-supported neighbourhoods are barely touched, a lone
weak one hardly moves the base. The default, 0.25 with "baseline" centering, was chosen on
ml-latest-small: it lowers the 5-fold RMSE of both models and roughly doubles precision@10 for
people folded in from 5 ratings (benchmarks/README.md, "Live demos").
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from cinelab.arguments import non_negative_number, one_of, positive_int
from cinelab.recsys.base import Recommender, fold_in_user_bias
from cinelab.recsys.baseline import bias_terms
from cinelab.recsys.explanation import Term, TermKind
from cinelab.recsys.similarity import SIMILARITIES, pairwise_similarity

CENTERINGS = ("none", "mean", "baseline")
_CACHE_LIMIT_BYTES = 600e6  # keep the full similarity matrix when it fits in this much memory
_BLOCK_ELEMENTS = 4_000_000  # at most this many similarities computed at once
DEFAULT_DAMPING = 0.25  # best of 0, 0.1, 0.25, 0.5, 1, 2, 4 on ml-latest-small (docstring)


@dataclass(frozen=True)
class _NewUser:
    """A folded-in user: their rated films and ratings, their base, and (user-based models
    only) their similarity to every training user, the costly part, computed once."""

    items: np.ndarray  # (n_rated,)
    ratings: np.ndarray  # (n_rated,)
    user_bias: float
    mean: float
    user_similarity: np.ndarray | None = None  # (n_users,) float32


@dataclass(frozen=True)
class _Neighbours:
    """For each (target) pair, the neighbours kept after top-k: flat arrays of equal length."""

    pair: np.ndarray  # (n_kept,) which target pair
    neighbour: np.ndarray  # (n_kept,) internal index of the neighbour user or film
    similarity: np.ndarray  # (n_kept,)
    value: np.ndarray  # (n_kept,) what the neighbour contributes (see `centering`)
    rating: np.ndarray  # (n_kept,) the neighbour's raw rating


class NeighbourModel(Recommender):
    """What `UserKNN`, `ItemKNN` and `ContentBased` share: the neighbourhood formula above,
    run on users (``user_based``) or on films. Not used directly: pick one of those three."""

    user_based: bool

    def __init__(
        self,
        n_neighbours: int = 40,
        similarity: str = "pearson_baseline",
        shrinkage: float = 100.0,
        centering: str = "baseline",
        damping: float | None = None,
    ):
        self.n_neighbours = n_neighbours
        self.similarity = similarity
        self.shrinkage = shrinkage
        self.centering = centering
        self.damping = damping

    # ------------------------------------------------------------------ fit
    def _fit(self) -> None:
        self.damping_ = _resolve_damping(self.damping, self.centering)
        coo = self.matrix_.tocoo()
        self.user_means_ = _row_means(self.matrix_)  # (n_users,)
        self.item_means_ = _row_means(self.matrix_.T.tocsr())  # (n_items,)
        residual = self.residual_matrix()  # (n_users, n_items)
        compared = residual if self.similarity == "pearson_baseline" else self.matrix_
        self.entity_rows_ = compared.T.tocsr() if not self.user_based else compared.tocsr()
        values = self._values(coo.row, coo.col, coo.data)  # (n_ratings,)
        value_matrix = sp.csr_matrix((values, (coo.row, coo.col)), self.matrix_.shape)
        rating_matrix = self.matrix_
        if self.user_based:  # candidates for (u, i): the users who rated i
            value_matrix, rating_matrix = value_matrix.T, rating_matrix.T
        self.candidate_values_ = _sorted_csr(value_matrix)  # (n_contexts, n_entities)
        self.candidate_ratings_ = _sorted_csr(rating_matrix)  # same pattern, raw ratings
        n_entities = self.entity_rows_.shape[0]
        self.similarity_cache_ = None
        if n_entities**2 * 4 <= _CACHE_LIMIT_BYTES:
            self.similarity_cache_ = self._similarities(np.arange(n_entities), None)

    def _check_hyper_parameters(self) -> None:
        one_of(self.similarity, "similarity", SIMILARITIES)
        one_of(self.centering, "centering", CENTERINGS)
        positive_int(self.n_neighbours, "n_neighbours")
        non_negative_number(self.shrinkage, "shrinkage")
        if self.damping is not None:
            non_negative_number(self.damping, "damping")

    def _values(self, users, items, ratings, user_bias=None, user_mean=None) -> np.ndarray:
        """What each rating contributes as a neighbour, per `centering`."""
        if self.centering == "none":
            return ratings
        if self.centering == "mean":
            if self.user_based:
                return ratings - (self.user_means_[users] if user_mean is None else user_mean)
            return ratings - self.item_means_[items]
        bias = self.baseline_.user[users] if user_bias is None else user_bias
        return ratings - (self.baseline_.global_mean + bias + self.baseline_.item[items])

    def _similarities(self, rows: np.ndarray, columns: np.ndarray | None) -> np.ndarray:
        """Similarity of entities `rows` to entities `columns` (None: all), float32."""
        metric = "cosine_corated" if self.similarity == "pearson_baseline" else self.similarity
        others = self.entity_rows_ if columns is None else self.entity_rows_[columns]
        block = max(1, _BLOCK_ELEMENTS // max(others.shape[0], 1))
        out = np.empty((len(rows), others.shape[0]), dtype=np.float32)
        for start in range(0, len(rows), block):
            chunk = rows[start : start + block]
            out[start : start + block] = pairwise_similarity(
                self.entity_rows_[chunk], others, metric=metric, shrinkage=self.shrinkage
            )
        return out

    def _similarity_block(self, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """Similarities ``(len(rows), len(columns))``, from the cache or computed now."""
        if self.similarity_cache_ is not None:
            return self.similarity_cache_[np.ix_(rows, columns)]
        return self._similarities(rows, columns)

    # ------------------------------------------------------------------ neighbours
    def _known_neighbours(self, users: np.ndarray, items: np.ndarray) -> _Neighbours:
        """Many known pairs: pairs sharing a context (the film for user-based, the user for
        item-based) share one candidate list, so each context is one dense block."""
        entities, contexts = (users, items) if self.user_based else (items, users)
        indptr = self.candidate_values_.indptr
        order = np.argsort(contexts, kind="stable")
        parts = []
        for group in np.split(order, np.flatnonzero(np.diff(contexts[order])) + 1):
            start, end = indptr[contexts[group[0]]], indptr[contexts[group[0]] + 1]
            candidates = self.candidate_values_.indices[start:end]  # (n_candidates,)
            block = self._similarity_block(entities[group], candidates)  # (n_group, n_candidates)
            block[entities[group][:, None] == candidates[None, :]] = 0.0  # never your own neighbour
            parts.append(
                self._select(
                    group,
                    block,
                    candidates,
                    self.candidate_values_.data[start:end],
                    self.candidate_ratings_.data[start:end],
                )
            )
        fields = ("pair", "neighbour", "similarity", "value", "rating")
        return _Neighbours(*(np.concatenate([getattr(p, f) for p in parts]) for f in fields))

    def _one_user_neighbours(self, state, items: np.ndarray) -> _Neighbours:
        """One user (known index or folded-in `_NewUser`), many films."""
        if self.user_based:
            return self._ranked_raters(self._user_similarity(state), items, state)
        if isinstance(state, _NewUser):
            candidates, ratings = state.items, state.ratings
            values = self._values(-1, candidates, ratings, state.user_bias, state.mean)
        else:
            start, end = (
                self.candidate_values_.indptr[state],
                self.candidate_values_.indptr[state + 1],
            )
            candidates = self.candidate_values_.indices[start:end]
            values = self.candidate_values_.data[start:end]
            ratings = self.candidate_ratings_.data[start:end]
        block = self._similarity_block(items, candidates)  # (n_items, n_rated)
        block[items[:, None] == candidates[None, :]] = 0.0
        return self._select(np.arange(len(items)), block, candidates, values, ratings)

    def _user_similarity(self, state) -> np.ndarray:
        """User-based: similarity of one user to every training user, float32 (n_users,).

        A copy for a known user (the caller zeroes the user's own entry); the folded-in
        user's own array otherwise, which the caller must not modify."""
        if isinstance(state, _NewUser):
            return state.user_similarity
        if self.similarity_cache_ is not None:
            return self.similarity_cache_[state].copy()
        return self._similarities(np.array([state]), None)[0]

    def _new_user_similarity(self, items: np.ndarray, ratings: np.ndarray, bias: float):
        """Similarity of a folded-in user (rated `items`) to every training user, float32."""
        metric = "cosine_corated" if self.similarity == "pearson_baseline" else self.similarity
        compared = ratings
        if self.similarity == "pearson_baseline":
            compared = ratings - (self.baseline_.global_mean + bias + self.baseline_.item[items])
        row = sp.csr_matrix((compared, items, [0, len(items)]), shape=(1, self.matrix_.shape[1]))
        similarity = pairwise_similarity(row, self.entity_rows_, metric, self.shrinkage)[0]
        return similarity.astype(np.float32)  # (n_users,)

    def _ranked_raters(self, similarity: np.ndarray, items: np.ndarray, state) -> _Neighbours:
        """User-based, one user: rank all users once; each film's neighbours are then simply
        its first k raters in that ranking (ties go to the lower index, as in `_select`)."""
        if not isinstance(state, _NewUser):
            similarity[state] = 0.0
        positive = np.flatnonzero(similarity > 0)
        ranked = positive[np.argsort(-similarity[positive], kind="stable")]  # (n_ranked,)
        values = self.candidate_values_
        positions = sp.csr_matrix(
            (np.arange(1, values.nnz + 1, dtype=np.float64), values.indices, values.indptr),
            shape=values.shape,
        )
        ranked_positions = positions[items][:, ranked]  # (n_items, n_ranked), column = rank
        ranked_positions.sort_indices()
        counts = np.diff(ranked_positions.indptr)  # (n_items,)
        offset = np.arange(ranked_positions.nnz) - np.repeat(ranked_positions.indptr[:-1], counts)
        keep = offset < self.n_neighbours
        pair = np.repeat(np.arange(len(items)), counts)[keep]
        neighbour = ranked[ranked_positions.indices[keep]]
        position = ranked_positions.data[keep].astype(np.int64) - 1
        return _Neighbours(
            pair,
            neighbour,
            similarity[neighbour].astype(np.float64),
            values.data[position],
            self.candidate_ratings_.data[position],
        )

    def _select(self, pairs, block, candidates, values, ratings) -> _Neighbours:
        """Keep, in each row of `block`, the `n_neighbours` largest positive similarities.

        Ties at the cut are broken towards the lower candidate index, so every code path
        picks the same neighbours (and `explain` always matches `predict`).
        """
        k = self.n_neighbours
        if block.shape[1] > k:
            kth = -np.partition(-block, k - 1, axis=1)[:, k - 1 : k]  # (n_rows, 1) k-th largest
            above = block > kth
            at_cut = block == kth
            room = k - above.sum(axis=1, keepdims=True)  # (n_rows, 1)
            chosen = above | (at_cut & (np.cumsum(at_cut, axis=1) <= room))
        else:
            chosen = np.ones(block.shape, dtype=bool)
        chosen &= block > 0
        rows, columns = np.nonzero(chosen)
        return _Neighbours(
            pairs[rows],
            candidates[columns],
            block[rows, columns].astype(np.float64),
            values[columns],
            ratings[columns],
        )

    # ------------------------------------------------------------------ predictions
    def _base(self, users, items, user_bias=None, user_mean=None) -> np.ndarray:
        """The prediction before neighbours (for "none": the fallback when there are none)."""
        if self.centering == "mean" and self.user_based:
            return self.user_means_[users] if user_mean is None else np.full(len(items), user_mean)
        if self.centering == "mean":
            return self.item_means_[items]
        bias = self.baseline_.user[users] if user_bias is None else user_bias
        return self.baseline_.global_mean + bias + self.baseline_.item[items]

    def _combine(self, neighbours: _Neighbours, base: np.ndarray) -> np.ndarray:
        """``base + sum s v / (sum s + damping)``; for "none", the fallback `base` is the
        damping's virtual neighbour: ``(damping base + sum s r) / (sum s + damping)``."""
        n_pairs = len(base)
        weight = np.bincount(neighbours.pair, neighbours.similarity, n_pairs)  # (n_pairs,)
        weighted = np.bincount(neighbours.pair, neighbours.similarity * neighbours.value, n_pairs)
        has = weight > 0
        out = base.copy()  # (n_pairs,)
        if self.centering == "none":
            out[has] *= self.damping_ / (weight[has] + self.damping_)
        out[has] += weighted[has] / (weight[has] + self.damping_)
        return out

    def _predict_known(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        return self._combine(self._known_neighbours(users, items), self._base(users, items))

    def _user_state(self, user: int) -> int:
        return int(user)

    def _fold_in(self, items: np.ndarray, ratings: np.ndarray) -> _NewUser:
        bias = fold_in_user_bias(self.baseline_, items, ratings, self.bias_user_regularization)
        similarity = self._new_user_similarity(items, ratings, bias) if self.user_based else None
        return _NewUser(items, ratings, bias, float(ratings.mean()), similarity)

    def _score(self, state, items: np.ndarray) -> np.ndarray:
        neighbours = self._one_user_neighbours(state, items)
        if isinstance(state, _NewUser):
            return self._combine(neighbours, self._base(None, items, state.user_bias, state.mean))
        return self._combine(neighbours, self._base(np.full(len(items), state), items))

    neighbour_kind = TermKind.FILM_NEIGHBOUR  # what a neighbour term is (see the subclasses)

    def _explain(self, state, item: int) -> list[Term]:
        """Base terms, then one term ``s v / (sum s + damping)`` per neighbour."""
        neighbours = self._one_user_neighbours(state, np.array([item]))
        if isinstance(state, _NewUser):
            base = self._base_terms(-1, item, state.user_bias, state.mean)
        else:
            base = self._base_terms(state, item, None, None)
        weight = neighbours.similarity.sum()
        if weight == 0:
            return base
        if self.centering == "none":  # the base only enters through the damping
            share = self.damping_ / (weight + self.damping_)
            base = [replace(t, value=t.value * share) for t in base] if self.damping_ > 0 else []
        ids = (self.user_ids_ if self.user_based else self.item_ids_)[neighbours.neighbour]
        values = neighbours.similarity * neighbours.value / (weight + self.damping_)  # (n_kept,)
        kind = TermKind.USER_NEIGHBOUR if self.user_based else self.neighbour_kind
        return base + [
            Term(kind, float(value), refers_to=neighbour, similarity=float(s), rating=float(r))
            for neighbour, value, s, r in zip(
                ids, values, neighbours.similarity, neighbours.rating, strict=True
            )
        ]

    def _base_terms(self, user: int, item: int, user_bias, user_mean) -> list[Term]:
        """`_base` for one pair as terms (user = -1 for a folded-in user)."""
        if self.centering == "mean" and self.user_based:
            mean = self.user_means_[user] if user_mean is None else user_mean
            return [Term(TermKind.USER_MEAN, float(mean))]
        if self.centering == "mean":
            return [Term(TermKind.FILM_MEAN, float(self.item_means_[item]))]
        bias = self.baseline_.user[user] if user_bias is None else user_bias
        return bias_terms(self.baseline_.global_mean, bias, self.baseline_.item[item])


class UserKNN(NeighbourModel):
    """User-based neighbours: people who rated like you, and what they thought of this film.

    Parameters
    ----------
    n_neighbours : int
        How many of the most similar users (who rated the film) are averaged.
    similarity : {"pearson_baseline", "pearson", "cosine", "cosine_corated"}
        See `cinelab.recsys.similarity`; "pearson_baseline" is co-rated cosine on the
        residuals of the baseline.
    shrinkage : float
        Significance weighting: similarities from few co-rated films are pulled towards 0.
    centering : {"baseline", "mean", "none"}
        What neighbours' ratings are corrected by before averaging (module docstring).
    damping : float or None
        Similarity of a virtual neighbour who agrees with the base: the neighbours' correction
        is scaled by ``sum s / (sum s + damping)``, so one weak neighbour cannot carry a film
        (module docstring). None: `DEFAULT_DAMPING` with "baseline" centering, 0 with "mean"
        and "none", which keeps those the plain weighted averages computed by hand.
    """

    user_based = True


class ItemKNN(NeighbourModel):
    """Item-based neighbours: films similar to this one, and how *you* rated them.

    Film-film similarities are steadier than user-user ones (a film has many more raters than a
    user has ratings), which usually makes this the more accurate of the two. Parameters as in
    `UserKNN`, with neighbours being films the user rated.
    """

    user_based = False


def _resolve_damping(damping: float | None, centering: str) -> float:
    """The damping a model uses: the given number, or for None the kit's default (see
    `UserKNN`), which applies to "baseline" centering only."""
    if damping is not None:
        return float(damping)
    return DEFAULT_DAMPING if centering == "baseline" else 0.0


def _sorted_csr(matrix) -> sp.csr_matrix:
    matrix = sp.csr_matrix(matrix)
    matrix.sort_indices()
    return matrix


def _row_means(matrix: sp.csr_matrix) -> np.ndarray:
    counts = np.diff(matrix.indptr)  # (n_rows,)
    sums = np.asarray(matrix.sum(axis=1)).ravel()  # (n_rows,)
    return np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
