"""Benchmarks run by hand: ``cinelab bench cf --data PATH``.

``cf`` runs a k-fold protocol on any MovieLens folder (or the embedded data with
``--data cinelab``) and prints, per model, RMSE, MAE, fit and predict time. When
scikit-surprise is installed (``pip install -e '.[bench]'``) its SVD, SVD++ and KNNBasic run on
the very same folds in the same process, and the ratios are printed. Then it measures top-N
quality (NDCG@10 of EASE vs Popularity on one split) and the latency of
``recommend_for_new_user`` with 10 ratings, which the live widgets depend on.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd

from cinelab import data, recsys
from cinelab.recsys.registry import build_model, model_names


def _kit_models() -> dict[str, Callable[[], recsys.Recommender]]:
    """The registry's rating predictors that learn from ratings alone (`cinelab.recsys.registry`)."""
    names = ["Baseline", *model_names("collaborative")]
    return {name: partial(build_model, name) for name in names}


def _surprise_models() -> dict[str, Callable]:
    try:
        import surprise
    except ImportError:
        print(
            "scikit-surprise is not installed: skipping the comparison (pip install -e '.[bench]')."
        )
        return {}
    return {
        "Surprise SVD": lambda: surprise.SVD(random_state=0),
        "Surprise SVD++": lambda: surprise.SVDpp(random_state=0),
        "Surprise KNNBasic (user)": lambda: surprise.KNNBasic(verbose=False),
        "Surprise KNNBasic (item)": lambda: surprise.KNNBasic(
            sim_options={"user_based": False}, verbose=False
        ),
    }


def _time_kit(factory, train: pd.DataFrame, test: pd.DataFrame) -> dict[str, float]:
    model = factory()
    start = time.perf_counter()
    model.fit(train)
    fitted = time.perf_counter()
    predictions = model.predict(test[["user_id", "item_id"]])
    done = time.perf_counter()
    return _scores(test, predictions, fitted - start, done - fitted)


def _time_surprise(factory, train: pd.DataFrame, test: pd.DataFrame, scale) -> dict[str, float]:
    import surprise

    reader = surprise.Reader(rating_scale=scale)
    columns = ["user_id", "item_id", "rating"]
    trainset = surprise.Dataset.load_from_df(train[columns], reader).build_full_trainset()
    testset = list(test[columns].itertuples(index=False, name=None))
    model = factory()
    start = time.perf_counter()
    model.fit(trainset)
    fitted = time.perf_counter()
    predictions = np.array([p.est for p in model.test(testset)])
    done = time.perf_counter()
    return _scores(test, predictions, fitted - start, done - fitted)


def _scores(test, predictions, fit_seconds, predict_seconds) -> dict[str, float]:
    truth = test["rating"].to_numpy()
    return {
        "rmse": recsys.metrics.rmse(truth, predictions),
        "mae": recsys.metrics.mae(truth, predictions),
        "fit_s": fit_seconds,
        "predict_s": predict_seconds,
    }


def rating_table(ratings: pd.DataFrame, n_folds: int, scale) -> pd.DataFrame:
    """Mean over folds of RMSE, MAE, fit and predict seconds, one row per model."""
    rows = []
    folds = data.split.kfold(ratings, n_splits=n_folds, seed=0)
    for fold, (train, test) in enumerate(folds):
        for name, factory in _kit_models().items():
            rows.append({"model": name, "fold": fold, **_time_kit(factory, train, test)})
        for name, factory in _surprise_models().items():
            rows.append(
                {"model": name, "fold": fold, **_time_surprise(factory, train, test, scale)}
            )
        print(f"fold {fold + 1}/{n_folds} done", file=sys.stderr, flush=True)
    table = pd.DataFrame(rows).groupby("model", sort=False)[["rmse", "mae", "fit_s", "predict_s"]]
    return table.mean()


def ratios(table: pd.DataFrame) -> list[str]:
    """The comparisons the issue asks for, as readable lines."""
    if "Surprise SVD" not in table.index:
        return []
    kit = table.loc[list(_kit_models())]
    best = kit["rmse"].idxmin()
    total = table["fit_s"] + table["predict_s"]
    lines = [
        (
            f"best kit RMSE ({best}) / Surprise SVD++ RMSE = "
            f"{table.loc[best, 'rmse'] / table.loc['Surprise SVD++', 'rmse']:.3f}"
        ),
    ]
    for name in ("FunkSVD", "ALS"):
        lines.append(
            f"{name} fit / Surprise SVD fit = "
            f"{table.loc[name, 'fit_s'] / table.loc['Surprise SVD', 'fit_s']:.2f}"
        )
    for name, side in (("User-KNN", "user"), ("Item-KNN", "item")):
        reference = total[f"Surprise KNNBasic ({side})"]
        lines.append(
            f"{name} fit+predict speed-up vs Surprise KNNBasic ({side}) = "
            f"{reference / total[name]:.1f}x"
        )
    return lines


def ranking_lines(ratings: pd.DataFrame) -> list[str]:
    """NDCG@10 of EASE and Popularity on one random 80/20 split (relevant: rating >= 4)."""
    train, test = data.split.random_split(ratings, test_size=0.2, seed=0)
    results = {
        name: recsys.evaluate(model, train, test, k=10)
        for name, model in (("Popularity", recsys.Popularity()), ("EASE", recsys.EASE()))
    }
    lines = [
        f"{name}: ndcg@10 {r['ndcg@10']:.4f}, precision@10 {r['precision@10']:.4f}, "
        f"recall@10 {r['recall@10']:.4f}, map@10 {r['map@10']:.4f}, coverage {r['coverage']:.3f}"
        for name, r in results.items()
    ]
    ratio = results["EASE"]["ndcg@10"] / results["Popularity"]["ndcg@10"]
    return [*lines, f"EASE / Popularity ndcg@10 = {ratio:.2f}x"]


def new_user_latency(ratings: pd.DataFrame, trials: int = 100) -> pd.DataFrame:
    """p50 / p95 milliseconds of recommend_for_new_user with 10 ratings of a real user."""
    rng = np.random.default_rng(0)
    rows = []
    users = ratings.groupby("user_id").filter(lambda g: len(g) >= 10)["user_id"].unique()
    given = []
    for user in rng.choice(users, size=trials):
        theirs = ratings[ratings["user_id"] == user].sample(10, random_state=int(rng.integers(1e9)))
        given.append(dict(zip(theirs["item_id"], theirs["rating"], strict=True)))
    models = {
        **_kit_models(),
        **{name: partial(build_model, name) for name in ("EASE (top-N)", "Popularity")},
    }
    for name, factory in models.items():
        model = factory().fit(ratings)
        times = []
        for new_user in given:
            start = time.perf_counter()
            model.recommend_for_new_user(new_user, n=10)
            times.append((time.perf_counter() - start) * 1000)
        rows.append(
            {"model": name, "p50_ms": np.percentile(times, 50), "p95_ms": np.percentile(times, 95)}
        )
    return pd.DataFrame(rows).set_index("model")


def _load(path: str) -> data.Dataset:
    return data.load(path) if path in data.DATASET_NAMES else data.load_movielens(path)


def run_cf(args: argparse.Namespace) -> int:
    dataset = _load(args.data)
    ratings = dataset.ratings
    print(dataset.describe())
    print(f"\nRating prediction, {args.folds}-fold (mean over folds):")
    table = rating_table(ratings, args.folds, dataset.rating_scale)
    print(table.round(4).to_string())
    for line in ratios(table):
        print(line)
    print("\nTop-N on one 80/20 split (relevant = test rating >= 4, candidates = unrated films):")
    for line in ranking_lines(ratings):
        print(line)
    print("\nrecommend_for_new_user with 10 ratings (100 trials):")
    print(new_user_latency(ratings).round(2).to_string())
    return 0
