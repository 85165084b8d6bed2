"""Recommenders built by hand: similarities, neighbours, baselines, factorisation, metrics.

    from cinelab import data, recsys
    train, test = data.split.random_split(data.load("cinelab").ratings, seed=0)
    model = recsys.ALS(seed=0).fit(train)
    model.predict(test[["user_id", "item_id"]])     # numpy array
    model.recommend(user_id, n=10)                  # DataFrame item_id, score
    model.recommend_for_new_user({item_id: 5.0}, n=10)
    model.explain(user_id, item_id)                 # typed terms whose "value" sums to the prediction
    recsys.explanation.reason(terms, titles)        # the kit's one-line "why this film?"
    person = model.fold_in({item_id: 5.0})          # fold a new user in once, then ask many
    person.recommend(n=10); person.explain(item_id); person.predict([item_id])
    recsys.evaluate(model, train, test, k=10)       # dict of metrics

Every model: unknown users or films fall back to the baseline (global mean + known biases);
predictions are clipped to the rating range seen in `fit`; seeds make results reproducible.
"""

from cinelab.recsys import explanation, metrics, registry, similarity, truth
from cinelab.recsys.base import Biases, FoldedInUser, Recommender, fit_biases
from cinelab.recsys.baseline import Baseline, Popularity
from cinelab.recsys.content import ContentBased, Hybrid
from cinelab.recsys.evaluation import evaluate
from cinelab.recsys.explanation import Term, TermKind, reason
from cinelab.recsys.factorization import ALS, FunkSVD, solve_user
from cinelab.recsys.knn import ItemKNN, UserKNN
from cinelab.recsys.ranking import EASE
from cinelab.recsys.registry import MODELS, build_model

__all__ = [
    "ALS",
    "EASE",
    "MODELS",
    "Baseline",
    "Biases",
    "ContentBased",
    "FoldedInUser",
    "FunkSVD",
    "Hybrid",
    "ItemKNN",
    "Popularity",
    "Recommender",
    "Term",
    "TermKind",
    "UserKNN",
    "build_model",
    "evaluate",
    "explanation",
    "fit_biases",
    "metrics",
    "reason",
    "registry",
    "similarity",
    "solve_user",
    "truth",
]
