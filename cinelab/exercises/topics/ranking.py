"""Exercises for notebook 04, ranking and evaluation (reference: `cinelab.recsys.metrics`)."""

from __future__ import annotations

from functools import cache

import numpy as np

from cinelab.data.download import load
from cinelab.data.split import random_split
from cinelab.exercises.checks import (
    Case,
    ChoiceCheck,
    Diagnosis,
    Exercise,
    FunctionCheck,
    Mistake,
    OpenCheck,
    ValueCheck,
)
from cinelab.recsys.baseline import Popularity
from cinelab.recsys.evaluation import evaluate
from cinelab.recsys.factorization import ALS
from cinelab.recsys.metrics import ndcg_at_k, novelty
from cinelab.recsys.truth import true_top_n


def _ndcg_cases(rng: np.random.Generator) -> list[Case]:
    films = [f"film {number}" for number in range(40)]
    cases = [
        Case(
            (["Up", "Heat", "Jaws", "Big", "Alien"], {"Heat", "Big", "Fargo"}, 5),
            "a list of 5 with 2 hits out of 3 relevant films, k = 5",
        ),
        Case(
            (["Up", "Heat", "Jaws"], {"Jaws", "Up", "Heat", "Big"}, 3),
            "a list of 3 where every film is relevant, and a 4th relevant film is missing, k = 3",
            "The ideal list holds at most k films: the best possible top-3.",
        ),
        Case((["Up", "Heat"], {"Fargo"}, 2), "no relevant film in the list, k = 2"),
        Case(
            (["Up", "Heat", "Jaws", "Big"], {"Big": 3.0, "Up": 1.0, "Jaws": 2.0}, 4),
            "graded relevance {Big: 3, Up: 1, Jaws: 2}, k = 4",
            "With a mapping, the gain of a film is its value; the ideal list sorts the gains.",
        ),
    ]
    for _ in range(3):
        ranked = list(rng.permutation(films)[:15])
        relevant = set(rng.choice(films, size=6, replace=False))
        cases.append(Case((ranked, relevant, 10), "a random list of 15 films, k = 10"))
    return cases


def _discounts(k: int, offset: int = 2) -> np.ndarray:
    return 1.0 / np.log2(np.arange(offset, k + offset))  # (k,)


def _gains(recommended, relevant, k) -> tuple[np.ndarray, np.ndarray]:
    values = relevant if isinstance(relevant, dict) else dict.fromkeys(relevant, 1.0)
    gains = np.array([values.get(item, 0.0) for item in list(recommended)[:k]])  # (<= k,)
    ideal = np.sort(np.fromiter(values.values(), dtype=float))[::-1]  # (n_relevant,)
    return gains, ideal


def _dcg_only(case, student, expected) -> bool:
    gains, _ = _gains(*case.args)
    return np.isclose(student, (gains * _discounts(len(gains))).sum()) and expected > 0


def _ideal_not_cut_at_k(case, student, expected) -> bool:
    k = case.args[2]
    gains, ideal = _gains(*case.args)
    if len(ideal) <= k:
        return False
    ideal_dcg = (ideal * _discounts(len(ideal))).sum()
    return np.isclose(student, (gains * _discounts(len(gains))).sum() / ideal_dcg)


def _off_by_one_rank(case, student, expected) -> bool:
    gains, ideal = _gains(*case.args)
    k = case.args[2]
    ideal = ideal[:k]
    dcg = (gains * _discounts(len(gains), offset=3)).sum()
    return np.isclose(student, dcg / (ideal * _discounts(len(ideal), offset=3)).sum())


def _novelty_cases(rng: np.random.Generator) -> list[Case]:
    films = [f"film {number}" for number in range(30)]
    shares = dict(zip(films, rng.uniform(0.01, 0.9, size=len(films)).round(3), strict=True))
    lists = {
        user: list(rng.choice(films, size=int(rng.integers(2, 8)), replace=False))
        for user in range(6)
    }
    return [
        Case(
            ({"ann": ["Up", "Heat"], "bob": ["Up"]}, {"Up": 0.5, "Heat": 0.125}),
            "two lists: Up (rated by half the users) twice, Heat (1 in 8) once",
        ),
        Case(
            ({"ann": ["Up", "Heat", "Jaws"], "bob": ["Up"]}, {"Up": 0.25, "Heat": 0.5}),
            "lists of different lengths, Jaws has no popularity",
            "A film without a popularity (nobody rated it in train) is skipped, not counted "
            "as 0 bits or infinity.",
        ),
        Case((lists, shares), "6 random lists of 2 to 7 films out of 30"),
    ]


def _natural_log(case, student, expected) -> bool:
    recommendations, popularity = case.args
    values = [
        -np.log(popularity[item])
        for items in recommendations.values()
        for item in items
        if popularity.get(item, 0) > 0
    ]
    return bool(values) and np.isclose(student, np.mean(values))


def _mean_of_list_means(case, student, expected) -> bool:
    recommendations, popularity = case.args
    means = [
        np.mean([-np.log2(popularity[item]) for item in items if popularity.get(item, 0) > 0])
        for items in recommendations.values()
        if any(popularity.get(item, 0) > 0 for item in items)
    ]
    return not np.isclose(np.mean(means), expected) and np.isclose(student, np.mean(means))


# ---------------------------------------------------------------- answers by hand

RECOMMENDED = ["Up", "Heat", "Jaws", "Big", "Alien", "Fargo"]  # the exercises' list, best first
LIKED = {"Heat", "Fargo", "Psycho", "Big"}


def _discounted(ranks) -> float:
    """Σ 1 / log2(rank + 1) over 1-based ranks."""
    return float((1 / np.log2(np.asarray(ranks, dtype=float) + 1)).sum())


@cache  # fitted once per session: several mistakes reuse them
def _fitted_on_train(dataset: str = "cinelab", seed: int = 0):
    """04.7: the data, its split, Popularity and ALS fitted on train, the first 300 test users."""
    ds = load(dataset)
    train, test = random_split(ds.ratings, test_size=0.2, seed=seed)
    models = [Popularity().fit(train), ALS(seed=seed).fit(train)]
    return ds, train, test, models, test["user_id"].unique()[:300]


def _true_precision(threshold: float = 4.5) -> list[float]:
    ds, train, _, models, users = _fitted_on_train()
    return [
        true_top_n(model, ds.truth, train, users, threshold=threshold)["precision@10"]
        for model in models
    ]


def _observed_precision() -> list[float]:
    _, train, test, models, users = _fitted_on_train()
    judged = test[test["user_id"].isin(users)]
    return [evaluate(model, train, judged, fit=False)["precision@10"] for model in models]


EXERCISES = [
    Exercise(
        "04.1",
        "Precision and recall by hand",
        1,
        "by hand",
        ValueCheck([2 / 5, 2 / 4], decimals=3),
        hint="precision@k = hits in the top-k / k; recall@k = hits in the top-k / number of "
        "relevant films.",
        mistakes={
            "swapped": Mistake(
                "Precision and recall are swapped: precision divides by k, recall by the "
                "number of relevant films.",
                [0.5, 0.4],
            ),
            "whole_list": Mistake(
                "Only the first k = 5 films count: the 6th is not in the top-5.",
                [3 / 6, 3 / 4],
            ),
        },
    ),
    Exercise(
        "04.2",
        "NDCG by hand",
        2,
        "by hand",
        ValueCheck(lambda: ndcg_at_k(RECOMMENDED, LIKED, 5), decimals=3),
        hint="DCG = Σ gain / log2(rank + 1) over the top-5; divide by the DCG of the best "
        "possible top-5.",
        mistakes={
            "dcg_only": Mistake(
                "That is the DCG: divide it by the ideal DCG (the best possible list).",
                lambda: _discounted([2, 4]),
            ),
            "ideal_too_long": Mistake(
                "The ideal top-5 holds the 4 liked films and then nothing: there is "
                "no 5th relevant film to count.",
                lambda: _discounted([2, 4]) / _discounted(range(1, 6)),
            ),
            "off_by_one_rank": Mistake(
                "The first rank is discounted by log2(1 + 1) = 1: use log2(rank + 1) "
                "with ranks starting at 1.",
                lambda: _discounted([3, 5]) / _discounted(range(2, 6)),
            ),
        },
    ),
    Exercise(
        "04.3",
        "Average precision by hand",
        2,
        "by hand",
        ValueCheck((1 / 2 + 2 / 4) / 4, decimals=3),
        hint="Precision@i at each rank i holding a hit, summed, divided by min(|relevant|, k).",
        mistakes={
            "divided_by_hits": Mistake(
                "The kit divides by min(|relevant|, k) = 4, the most hits the "
                "top-5 could hold, not by the hits found: missing films must cost something.",
                (1 / 2 + 2 / 4) / 2,
            ),
            "divided_by_k": Mistake(
                "Divide by min(|relevant|, k) = 4, not by k.",
                (1 / 2 + 2 / 4) / 5,
            ),
        },
    ),
    Exercise(
        "04.4",
        "Popularity at top-N, in a plot",
        2,
        "plot",
        ChoiceCheck("b", options=("a", "b", "c", "d")),
        hint="Read both panels: which model wins which metric?",
        mistakes={
            "lowest_rmse_wins": Mistake(
                "Compare the panels: the best rating predictor (lowest RMSE) is "
                "not the best list-maker (highest NDCG@10).",
                "a",
            ),
            "popularity_best_rmse": Mistake(
                "Read the left panel again: Popularity has the highest RMSE "
                "(it predicts a film's mean, the same for everyone), yet it makes the best lists.",
                "c",
            ),
            "same_order": Mistake(
                "Compare the panels: the order of the three bars flips between RMSE and NDCG@10.",
                "d",
            ),
        },
    ),
    Exercise(
        "04.5",
        "Implement NDCG@k",
        3,
        "implement",
        FunctionCheck(
            reference=ndcg_at_k,
            cases=_ndcg_cases,
            reference_name="cinelab.recsys.metrics.ndcg_at_k",
            argument_names=("recommended", "relevant", "k"),
            diagnoses=(
                Diagnosis("dcg_only", _dcg_only),
                Diagnosis("ideal_not_cut_at_k", _ideal_not_cut_at_k),
                Diagnosis("off_by_one_rank", _off_by_one_rank),
            ),
        ),
        hint="DCG of your top-k divided by the DCG of the ideal top-k (the largest gains "
        "first); 0 when nothing is relevant.",
        mistakes={
            "dcg_only": "You return the DCG: divide by the ideal DCG.",
            "ideal_not_cut_at_k": "The ideal list has at most k entries: keep the k largest gains.",
            "off_by_one_rank": "Rank 1 has discount 1/log2(2) = 1: use log2(rank + 1), ranks from 1.",
        },
    ),
    Exercise(
        "04.6",
        "Why popularity wins at top-N",
        3,
        "open",
        OpenCheck(
            min_words=30,
            after="Did you separate 'would like it if watched' from 'will watch it', mention "
            "that test ratings are themselves biased towards popular films, and say why that "
            "flatters popularity?",
        ),
        hint="Which films end up in a user's *test* ratings in the first place?",
    ),
    Exercise(
        "04.7",
        "Judge the lists against true tastes (planted truth)",
        3,
        "in code",
        ValueCheck(_true_precision, decimals=3),
        hint="Per user: the films rated in train by anyone but not by this user; those whose "
        "true expected rating is >= 4.5 are relevant; precision@10 of the model's list; "
        "average over the users with at least one relevant film.",
        mistakes={
            "observed_relevance": Mistake(
                "Those are the observational numbers (relevant = a test "
                "rating >= 4). Use the planted truth: ds.truth.expected_rating(user, films).",
                _observed_precision,
            ),
            "threshold_four": Mistake(
                "Relevant means a true expected rating of at least 4.5, not 4.",
                lambda: _true_precision(threshold=4.0),
            ),
            "swapped": Mistake(
                "Check the order: [Popularity, ALS].",
                lambda: _true_precision()[::-1],
            ),
        },
    ),
    Exercise(
        "04.8",
        "Implement novelty",
        3,
        "implement",
        FunctionCheck(
            reference=novelty,
            cases=_novelty_cases,
            reference_name="cinelab.recsys.metrics.novelty",
            argument_names=("recommendations", "popularity"),
            diagnoses=(
                Diagnosis("natural_log", _natural_log),
                Diagnosis("mean_of_list_means", _mean_of_list_means),
            ),
        ),
        hint="One number per recommended film, -log2(share of users who rated it), averaged "
        "over every recommended film of every list; skip films without a positive share.",
        mistakes={
            "natural_log": "Novelty is measured in bits: use log base 2 (np.log2), not the "
            "natural log.",
            "mean_of_list_means": "You averaged each list first, then the lists: a short list "
            "then weighs as much as a long one. Average over every recommended film at once.",
        },
    ),
]
