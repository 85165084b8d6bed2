"""The two models every recommender must beat: popularity and user/film biases.

Both are a few lines, both are surprisingly strong, and the baseline is also what every other
model in the kit falls back on for users or films it has never seen.
"""

from __future__ import annotations

import numpy as np

from cinelab.arguments import non_negative_number, positive_int
from cinelab.recsys.base import Biases, Recommender, fit_biases, fold_in_user_bias
from cinelab.recsys.explanation import Term, TermKind


class Baseline(Recommender):
    """``r_ui ~ mu + b_u + b_i``: global mean plus how generous the user is and how good the film is.

    The biases are ridge-regularised means (see `fit_biases`): a film needs about
    `item_regularization` ratings before its bias is trusted as much as the data.

    Parameters
    ----------
    user_regularization, item_regularization : float
        Pseudo-ratings of 0 residual added to every user / film; larger means more shrinkage.
    iterations : int
        Alternations between film and user biases.
    """

    def __init__(
        self,
        user_regularization: float = 15.0,
        item_regularization: float = 10.0,
        iterations: int = 10,
    ):
        self.user_regularization = user_regularization
        self.item_regularization = item_regularization
        self.iterations = iterations

    def _check_hyper_parameters(self) -> None:
        non_negative_number(self.user_regularization, "user_regularization")
        non_negative_number(self.item_regularization, "item_regularization")
        positive_int(self.iterations, "iterations")

    def _fit_baseline(self) -> Biases:
        return fit_biases(
            self.matrix_, self.user_regularization, self.item_regularization, self.iterations
        )

    def _fit(self) -> None:
        self.biases_ = self.baseline_  # the one set of biases, under the name students expect

    def _user_state(self, user: int) -> float:
        return float(self.baseline_.user[user])

    def _fold_in(self, items: np.ndarray, ratings: np.ndarray) -> float:
        return fold_in_user_bias(self.baseline_, items, ratings, self.user_regularization)

    def _score(self, user_bias: float, items: np.ndarray) -> np.ndarray:
        return self.baseline_.global_mean + user_bias + self.baseline_.item[items]  # (n_items,)

    def _predict_known(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        return self.baseline_.predict(users, items)

    def _explain(self, user_bias: float, item: int) -> list[Term]:
        return bias_terms(self.baseline_.global_mean, user_bias, self.baseline_.item[item])


def bias_terms(global_mean: float, user_bias: float, item_bias: float) -> list[Term]:
    """The three baseline terms, shared by every model that has biases."""
    return [
        Term(TermKind.GLOBAL_MEAN, float(global_mean)),
        Term(TermKind.USER_BIAS, float(user_bias)),
        Term(TermKind.FILM_BIAS, float(item_bias)),
    ]


class Popularity(Recommender):
    """Recommend what most people rated; predict a film's damped mean rating.

    It ignores who you are, which is exactly why it is the yardstick for top-N lists: the
    films many people watched are the films a random held-out rating is most likely about.

    Parameters
    ----------
    item_regularization : float
        Damping of the film's mean rating towards the global mean (used by `predict` only).
    """

    def __init__(self, item_regularization: float = 10.0):
        self.item_regularization = item_regularization

    def _check_hyper_parameters(self) -> None:
        non_negative_number(self.item_regularization, "item_regularization")

    def _fit_baseline(self) -> Biases:
        return fit_biases(self.matrix_, np.inf, self.item_regularization, iterations=1)

    def _fit(self) -> None:
        self.counts_ = np.bincount(self.matrix_.indices, minlength=self.matrix_.shape[1])
        self.biases_ = self.baseline_

    def _user_state(self, user: int) -> None:
        return None

    def _fold_in(self, items: np.ndarray, ratings: np.ndarray) -> None:
        return None

    def _score_all(self, state) -> np.ndarray:
        return self.counts_.astype(np.float64)  # (n_items,) ranking by number of ratings

    def _fallback_scores(self) -> np.ndarray:
        return self.counts_.astype(np.float64)

    def _score(self, state, items: np.ndarray) -> np.ndarray:
        return self.baseline_.global_mean + self.baseline_.item[items]

    def _predict_known(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        return self._score(None, items)

    def _baseline_terms(self, user: int, item: int) -> list[Term]:
        """Popularity ignores who you are: even for a stranger, the film's count is the reason."""
        return self._explain(None, item) if item >= 0 else super()._baseline_terms(-1, item)

    def _explain(self, state, item: int) -> list[Term]:
        """The damped mean as mean + film bias; `support` says how many people rated it."""
        return [
            Term(TermKind.GLOBAL_MEAN, self.baseline_.global_mean),
            Term(
                TermKind.FILM_BIAS,
                float(self.baseline_.item[item]),
                support=int(self.counts_[item]),
            ),
        ]
