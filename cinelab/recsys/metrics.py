"""Rating and top-N metrics, written out so each definition can be read in one place.

Conventions: `recommended` is a ranked sequence of item ids (best first); `relevant` is a set of
item ids, or a mapping ``{item_id: gain}`` for graded relevance (NDCG only; other metrics treat
any listed item as relevant). Only the first `k` recommendations count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from cinelab.arguments import positive_int
from cinelab.recsys.similarity import pairwise_similarity


def rmse(y_true, y_pred) -> float:
    """Root mean squared error: punishes big misses more than small ones."""
    y_true, y_pred = _paired(y_true, y_pred)
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


def mae(y_true, y_pred) -> float:
    """Mean absolute error: the average miss, in stars."""
    y_true, y_pred = _paired(y_true, y_pred)
    return float(np.mean(np.abs(y_true - y_pred)))


def precision_at_k(recommended: Sequence, relevant: Iterable, k: int) -> float:
    """Share of the top-k that is relevant: ``|top-k & relevant| / k``."""
    return _hits(recommended, relevant, k).sum() / _check_k(k)


def recall_at_k(recommended: Sequence, relevant: Iterable, k: int) -> float:
    """Share of the relevant items found in the top-k: ``|top-k & relevant| / |relevant|``."""
    relevant = set(relevant)
    return _hits(recommended, relevant, k).sum() / len(relevant) if relevant else 0.0


def hit_rate_at_k(recommended: Sequence, relevant: Iterable, k: int) -> float:
    """1 if at least one relevant item is in the top-k, else 0."""
    return float(_hits(recommended, relevant, k).any())


def average_precision_at_k(recommended: Sequence, relevant: Iterable, k: int) -> float:
    """Mean of precision@i over the ranks i where a relevant item sits, divided by
    ``min(|relevant|, k)`` (the most hits the top-k could hold). Rewards early hits."""
    relevant = set(relevant)
    hits = _hits(recommended, relevant, k)  # (<= k,)
    if not relevant or not hits.any():
        return 0.0
    precision_at_each_rank = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float((precision_at_each_rank * hits).sum() / min(len(relevant), k))


def ndcg_at_k(recommended: Sequence, relevant: Iterable | Mapping, k: int) -> float:
    """Discounted cumulative gain of the top-k divided by that of the ideal top-k.

    ``DCG = sum_i gain_i / log2(i + 1)`` over ranks i = 1..k, where gain is 1 for a relevant
    item (or its value in a `relevant` mapping). Same definition as `sklearn.metrics.ndcg_score`.
    """
    gains = relevant if isinstance(relevant, Mapping) else dict.fromkeys(relevant, 1.0)
    k = _check_k(k)
    top = list(recommended)[:k]
    discounts = 1.0 / np.log2(np.arange(2, k + 2))  # (k,)
    dcg = sum(gains.get(item, 0.0) * discounts[rank] for rank, item in enumerate(top))
    ideal = np.sort(np.fromiter(gains.values(), dtype=float))[::-1][:k]
    idcg = float((ideal * discounts[: len(ideal)]).sum())
    return float(dcg / idcg) if idcg > 0 else 0.0


def mean_over_users(metric, recommendations: Mapping, relevant: Mapping, k: int) -> float:
    """Average `metric` over the users of `relevant` (MAP@k is this with average precision)."""
    if not relevant:
        raise ValueError("relevant is empty: no user has a relevant held-out item.")
    return float(np.mean([metric(recommendations.get(u, []), relevant[u], k) for u in relevant]))


def catalogue_coverage(recommendations: Mapping, n_items: int) -> float:
    """Share of the catalogue that appears in at least one user's list."""
    shown = set().union(*map(set, recommendations.values())) if recommendations else set()
    return len(shown) / n_items


def gini(counts) -> float:
    """Gini index of non-negative counts: 0 when all are equal, near 1 when one takes all.

    ``G = sum_i (2 i - n - 1) x_(i) / (n sum x)`` with ``x_(1) <= ... <= x_(n)`` sorted; films
    never shown count as zeros, which is exactly what makes a narrow system score high.
    """
    values = np.asarray(counts, dtype=np.float64)  # (n,)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(f"gini needs a non-empty 1-D array of counts, got shape {values.shape}.")
    if (values < 0).any() or not np.isfinite(values).all():
        raise ValueError("gini needs finite, non-negative counts.")
    values = np.sort(values)  # (n,) ascending: x_(1) <= ... <= x_(n)
    total = values.sum()
    if total == 0:
        return 0.0
    n = len(values)
    ranks = np.arange(1, n + 1)  # (n,)
    return float(((2 * ranks - n - 1) * values).sum() / (n * total))


def novelty(recommendations: Mapping, popularity: Mapping) -> float:
    """Mean self-information ``-log2 p(item)`` of recommended items, with ``p`` the share of
    users who rated the item: recommending only blockbusters scores low."""
    values = [
        -np.log2(popularity[item])
        for items in recommendations.values()
        for item in items
        if popularity.get(item, 0) > 0
    ]
    return float(np.mean(values)) if values else 0.0


def intra_list_diversity(recommendations: Mapping, item_features: pd.DataFrame) -> float:
    """Mean cosine *distance* between pairs of items within each list (features indexed by item
    id, e.g. one-hot genres), averaged over lists with at least two items."""
    scores = []
    for items in recommendations.values():
        known = [i for i in items if i in item_features.index]
        if len(known) < 2:
            continue
        similarity = pairwise_similarity(item_features.loc[known].to_numpy(dtype=float))
        upper = np.triu_indices(len(known), k=1)
        scores.append(float(np.mean(1.0 - similarity[upper])))
    return float(np.mean(scores)) if scores else 0.0


def _paired(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape or y_true.ndim != 1 or len(y_true) == 0:
        raise ValueError(
            f"y_true and y_pred must be non-empty 1-D arrays of equal length, got shapes "
            f"{y_true.shape} and {y_pred.shape}."
        )
    return y_true, y_pred


def _check_k(k: int) -> int:
    return positive_int(k, "k")


def _hits(recommended: Sequence, relevant: Iterable, k: int) -> np.ndarray:
    relevant = set(relevant)
    return np.array([item in relevant for item in list(recommended)[: _check_k(k)]], dtype=float)
