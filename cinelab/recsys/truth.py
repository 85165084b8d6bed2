"""Evaluation against the planted truth: what a model *should* have said, not what was observed.

The embedded ratings were sampled from known tastes (`cinelab.data.synth`), so for every user
and every film, rated or not, the kit knows the noise-free expected rating. That answers two
questions observed ratings never can:

* **How good can a rating predictor get?** The oracle, which predicts the expected rating
  itself, still misses by the rating noise (and the rounding to whole stars): its RMSE is the
  *noise floor*. `share_of_gap_closed` says how much of the way from a baseline to that floor
  a model went.
* **Are the top-N lists good?** Observed test ratings only exist for films a user chose to
  watch (missing not at random), so observational top-N metrics reward predicting *exposure*.
  `true_top_n` instead judges each list against the user's true tastes over *every* film they
  have not rated in train, which is what a recommender is for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from cinelab.recsys.base import Recommender
from cinelab.recsys.metrics import mean_over_users, ndcg_at_k, precision_at_k, recall_at_k

RELEVANT_STARS = 4.5  # a film the user would truly rate 4.5 or more counts as a good pick


def expected_ratings(truth, pairs: pd.DataFrame) -> np.ndarray:
    """Noise-free rating, clipped to 1..5, for each row ``user_id, item_id`` of `pairs`.

    `truth` is `Dataset.truth` (a `SyntheticTruth`). Vectorised over pairs: the same numbers as
    ``truth.expected_rating(user, [item])`` one pair at a time. Returns (n_pairs,).
    """
    _check_truth(truth)
    users = pd.Index(truth.user_bias.index).get_indexer(pairs["user_id"])  # (n_pairs,)
    items = pd.Index(truth.item_bias.index).get_indexer(pairs["item_id"])  # (n_pairs,)
    unknown = [
        f"{column} {pairs[column].to_numpy()[positions < 0][0].item()!r}"
        for column, positions in (("user_id", users), ("item_id", items))
        if (positions < 0).any()
    ]
    if unknown:
        raise KeyError(f"the planted truth has no {' and no '.join(unknown)}.")
    user_factors = truth.user_factors.to_numpy()[users]  # (n_pairs, n_factors)
    item_factors = truth.item_factors.to_numpy()[items]  # (n_pairs, n_factors)
    taste = np.einsum("nk,nk->n", user_factors, item_factors)  # (n_pairs,)
    score = (
        truth.global_mean
        + truth.user_bias.to_numpy()[users]
        + truth.item_bias.to_numpy()[items]
        + taste
    )
    return np.clip(score, 1.0, 5.0)


def share_of_gap_closed(model_rmse: float, baseline_rmse: float, oracle_rmse: float) -> float:
    """``(baseline - model) / (baseline - oracle)``: 0 = no better than the baseline, 1 = as
    good as knowing the true tastes (only the rating noise is left)."""
    gap = baseline_rmse - oracle_rmse
    if not gap > 0:
        raise ValueError(
            f"the baseline RMSE ({baseline_rmse}) must be above the oracle's ({oracle_rmse})."
        )
    return float((baseline_rmse - model_rmse) / gap)


def true_relevant(
    truth, train: pd.DataFrame, users: Iterable, threshold: float = RELEVANT_STARS
) -> dict:
    """For each user, the films they have not rated in `train` whose expected rating is at
    least `threshold`; candidates are the films rated in `train` (every model can rank them).
    Users with no such film are left out."""
    catalogue = np.sort(train["item_id"].unique())  # (n_films,)
    seen = train.groupby("user_id")["item_id"].agg(set)
    relevant = {}
    for user in users:
        unseen = [item for item in catalogue if item not in seen.get(user, set())]
        pairs = pd.DataFrame({"user_id": user, "item_id": unseen})
        liked = pairs["item_id"].to_numpy()[expected_ratings(truth, pairs) >= threshold]
        if len(liked):
            relevant[user] = set(liked.tolist())
    return relevant


def true_top_n(
    model: Recommender,
    truth,
    train: pd.DataFrame,
    users: Iterable,
    k: int = 10,
    threshold: float = RELEVANT_STARS,
    relevant: Mapping | None = None,
) -> dict[str, float]:
    """Judge a fitted model's top-`k` lists against the users' true tastes.

    For each user in `users` (known to the model, with at least one truly relevant unseen film,
    see `true_relevant`), the model ranks every film the user did not rate in `train`. Returns
    precision@k, recall@k and NDCG@k against the truly relevant films, and the mean *expected*
    rating of the films in the lists (a graded view: 3 = mediocre picks, 4.5 = excellent).
    Pass `relevant` (from `true_relevant`) to score several models on the same users.
    """
    if relevant is None:
        relevant = true_relevant(truth, train, users, threshold)
    relevant = {user: films for user, films in relevant.items() if user in model.user_ids_}
    if not relevant:
        raise ValueError("no user has a truly relevant unseen film that the model knows.")
    lists = {user: model.recommend(user, n=k)["item_id"].tolist() for user in relevant}
    picked = pd.DataFrame(
        [(user, item) for user, items in lists.items() for item in items],
        columns=["user_id", "item_id"],
    )
    return {
        f"precision@{k}": mean_over_users(precision_at_k, lists, relevant, k),
        f"recall@{k}": mean_over_users(recall_at_k, lists, relevant, k),
        f"ndcg@{k}": mean_over_users(ndcg_at_k, lists, relevant, k),
        "mean_true_rating": float(expected_ratings(truth, picked).mean()),
        "n_users": float(len(relevant)),
    }


def _check_truth(truth) -> None:
    needed = ("global_mean", "user_bias", "item_bias", "user_factors", "item_factors")
    if truth is None or not all(hasattr(truth, name) for name in needed):
        raise ValueError(
            "this needs the planted truth of a synthetic dataset (data.load('cinelab').truth); "
            "real data such as MovieLens has none."
        )


__all__ = [
    "RELEVANT_STARS",
    "expected_ratings",
    "share_of_gap_closed",
    "true_relevant",
    "true_top_n",
]
