"""`evaluate`: one call that scores a model the way the notebooks and benchmarks do."""

from __future__ import annotations

import pandas as pd

from cinelab.progress import progress_bar
from cinelab.recsys.base import Recommender
from cinelab.recsys.metrics import (
    average_precision_at_k,
    catalogue_coverage,
    hit_rate_at_k,
    mae,
    mean_over_users,
    ndcg_at_k,
    novelty,
    precision_at_k,
    recall_at_k,
    rmse,
)


def evaluate(
    model: Recommender,
    train: pd.DataFrame,
    test: pd.DataFrame,
    k: int = 10,
    relevance_threshold: float = 4.0,
    fit: bool = True,
) -> dict[str, float]:
    """Fit `model` on `train` (unless ``fit=False``) and measure it on `test`.

    Rating metrics (RMSE, MAE) use every test pair. Top-N metrics ask for each test user's
    top-`k` among all films they did not rate in train; a test film is relevant when its
    rating is at least `relevance_threshold`. Users without a relevant test film, or unknown
    to the model, are skipped (their count is returned as ``n_users``).
    """
    if fit:
        model.fit(train)
    results: dict[str, float] = {}
    if model.predicts_ratings:
        predictions = model.predict(test[["user_id", "item_id"]])
        results["rmse"] = rmse(test["rating"], predictions)
        results["mae"] = mae(test["rating"], predictions)
    results.update(ranking_metrics(model, train, test, k, relevance_threshold))
    return results


def ranking_metrics(
    model: Recommender, train: pd.DataFrame, test: pd.DataFrame, k: int, threshold: float
) -> dict[str, float]:
    """Top-N metrics of a fitted model (see `evaluate`)."""
    liked = test[test["rating"] >= threshold]
    relevant = {
        user: set(group["item_id"])
        for user, group in liked.groupby("user_id")
        if user in model.user_ids_
    }
    if not relevant:
        raise ValueError(f"no test user has a rating >= {threshold}: nothing to rank against.")
    lists = {
        user: model.recommend(user, n=k)["item_id"].tolist()
        for user in progress_bar(relevant, desc="top-N lists", leave=False)
    }
    popularity = train.groupby("item_id").size() / train["user_id"].nunique()
    return {
        f"precision@{k}": mean_over_users(precision_at_k, lists, relevant, k),
        f"recall@{k}": mean_over_users(recall_at_k, lists, relevant, k),
        f"ndcg@{k}": mean_over_users(ndcg_at_k, lists, relevant, k),
        f"map@{k}": mean_over_users(average_precision_at_k, lists, relevant, k),
        f"hit_rate@{k}": mean_over_users(hit_rate_at_k, lists, relevant, k),
        "coverage": catalogue_coverage(lists, len(model.item_ids_)),
        "novelty": novelty(lists, popularity.to_dict()),
        "n_users": float(len(relevant)),
    }


__all__ = ["evaluate", "ranking_metrics"]
