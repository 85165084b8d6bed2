"""A model aimed at top-N lists rather than at rating values: EASE (Steck, 2019).

A rating predictor answers "how much would you like this film *if* you watched it?". A top-N
list needs "which films are you likely to watch *and* like?". EASE learns, from who-watched-what
alone, a film-to-film weight matrix ``B`` that reconstructs each user's watched films from
their other watched films:

    minimise |X - X B|^2 + reg |B|^2   subject to diag(B) = 0

It has a closed-form solution: with ``P = (X^T X + reg I)^-1``, ``B_ij = -P_ij / P_jj`` (and 0
on the diagonal). The score of film i for a user is ``sum_j x_j B_ji``: each watched film j
votes for i with weight ``B_ji``, which is also the explanation.
"""

from __future__ import annotations

import numpy as np

from cinelab.arguments import positive_int, positive_number
from cinelab.recsys.base import Recommender
from cinelab.recsys.explanation import Term, TermKind


class EASE(Recommender):
    """Embarrassingly shallow autoencoder: a closed-form film-to-film model for top-N.

    Scores are not ratings (``predicts_ratings = False``): `predict` returns ranking scores
    and `evaluate` skips RMSE for it.

    Parameters
    ----------
    regularization : float
        Ridge penalty; EASE needs a large one (hundreds) because ``X^T X`` holds counts.
    max_films : int
        The ``films x films`` matrix is dense, so only the most-rated `max_films` films get
        weights (others score 0). This keeps memory bounded at MovieLens-25M scale.
    """

    predicts_ratings = False

    def __init__(self, regularization: float = 250.0, max_films: int = 4000):
        self.regularization = regularization
        self.max_films = max_films

    def _check_hyper_parameters(self) -> None:
        positive_number(self.regularization, "regularization")
        positive_int(self.max_films, "max_films")

    def _fit(self) -> None:
        watched = self.matrix_.copy()
        watched.data = np.ones_like(watched.data)  # (n_users, n_items) who watched what
        counts = np.asarray(watched.sum(axis=0)).ravel()  # (n_items,)
        keep = np.sort(np.argsort(-counts, kind="stable")[: self.max_films])  # (n_kept,)
        gram = (watched[:, keep].T @ watched[:, keep]).toarray()  # (n_kept, n_kept)
        gram[np.diag_indices_from(gram)] += self.regularization
        precision = np.linalg.inv(gram)  # (n_kept, n_kept)
        weights = -precision / np.diag(precision)[None, :]  # (n_kept, n_kept)
        np.fill_diagonal(weights, 0.0)
        self.modelled_films_ = keep
        self.weights_ = weights
        self.position_ = np.full(self.matrix_.shape[1], -1)  # item index -> row of weights_
        self.position_[keep] = np.arange(len(keep))

    def _fold_in(self, items: np.ndarray, ratings: np.ndarray) -> np.ndarray:
        return items  # only *which* films were rated matters

    def _score(self, watched: np.ndarray, items: np.ndarray) -> np.ndarray:
        rows = self.position_[watched]
        rows = rows[rows >= 0]  # watched films the model has weights for
        columns = self.position_[items]  # (n_items,)
        scores = np.zeros(len(items))
        modelled = columns >= 0
        scores[modelled] = self.weights_[np.ix_(rows, columns[modelled])].sum(axis=0)
        return scores

    def _explain(self, watched: np.ndarray, item: int) -> list[Term]:
        """One vote ``B_ji`` per watched film j; EASE uses no rating, only who watched what."""
        column = self.position_[item]
        rows = self.position_[watched]
        used = (rows >= 0) & (column >= 0)
        votes = self.weights_[rows[used], column] if column >= 0 else np.zeros(0)  # (n_used,)
        ids = self.item_ids_[watched[used]]
        return [
            Term(TermKind.FILM_NEIGHBOUR, float(vote), refers_to=film, similarity=float(vote))
            for film, vote in zip(ids, votes, strict=True)
        ]
