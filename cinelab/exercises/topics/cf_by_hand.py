"""Exercises for notebook 02, collaborative filtering by hand (reference: `cinelab.recsys`)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from cinelab.data.download import load
from cinelab.data.examples import ARTICLE_RATINGS
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
from cinelab.recsys.baseline import Baseline
from cinelab.recsys.knn import UserKNN
from cinelab.recsys.similarity import co_rated_counts, pairwise_similarity


def random_ratings(rng: np.random.Generator, n_users: int, n_films: int) -> np.ndarray:
    """Integer ratings 1..5 with about 40 % missing, every user and film rated at least once."""
    ratings = rng.integers(1, 6, size=(n_users, n_films)).astype(float)  # (n_users, n_films)
    ratings[rng.random((n_users, n_films)) < 0.4] = 0.0
    ratings[np.arange(n_users), rng.integers(0, n_films, n_users)] = rng.integers(1, 6, n_users)
    ratings[rng.integers(0, n_users, n_films), np.arange(n_films)] = rng.integers(1, 6, n_films)
    return ratings


# ---------------------------------------------------------------- cosine similarities


def _cosine_reference(ratings):
    return pairwise_similarity(ratings, metric="cosine")


def _cosine_cases(rng: np.random.Generator) -> list[Case]:
    tiny = np.array([[5.0, 0.0, 3.0], [4.0, 2.0, 0.0]])
    new_user = random_ratings(rng, 4, 6)
    new_user[3] = 0.0
    return [
        Case((tiny,), "2 users x 3 films"),
        Case((ARTICLE_RATINGS.copy(),), "the article's 5x10 matrix"),
        Case((random_ratings(rng, 7, 12),), "random ratings of 7 users x 12 films"),
        Case(
            (new_user,),
            "4 users x 6 films where the last user has rated nothing yet",
            "A user with no rating has norm 0: give them similarity 0 to everyone (not NaN).",
        ),
    ]


def _compared_films(case, student, expected) -> bool:
    n_films = case.args[0].shape[1]
    return np.shape(student) == (n_films, n_films)


def _dot_products_only(case, student, expected) -> bool:
    ratings = case.args[0]
    return np.allclose(student, ratings @ ratings.T)


def _no_square_root(case, student, expected) -> bool:
    ratings = case.args[0]
    squares = (ratings**2).sum(axis=1)  # (n_users,)
    return np.allclose(student, ratings @ ratings.T / np.outer(squares, squares))


def _nan_for_new_user(case, student, expected) -> bool:
    empty = ~case.args[0].any(axis=1)  # (n_users,)
    return empty.any() and np.isnan(np.asarray(student)[empty]).any()


# ---------------------------------------------------------------- user-based prediction


def _prediction_reference(ratings, user, film):
    """The kit's UserKNN with every neighbour, zero-filled cosine and no centring."""
    users, films = np.nonzero(ratings)
    frame = pd.DataFrame(
        {"user_id": users, "item_id": films, "rating": ratings[users, films], "timestamp": 0}
    )
    model = UserKNN(n_neighbours=1000, similarity="cosine", shrinkage=0.0, centering="none")
    model.fit(frame)
    return float(model.predict(pd.DataFrame({"user_id": [user], "item_id": [film]}))[0])


def _prediction_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        Case((ARTICLE_RATINGS.copy(), 0, 4), "the article's matrix, user 0 and film 4"),
        Case((ARTICLE_RATINGS.copy(), 3, 0), "the article's matrix, user 3 and film 0"),
    ]
    while len(cases) < 6:
        ratings = random_ratings(rng, 6, 8)
        user, film = int(rng.integers(6)), int(rng.integers(8))
        ratings[user, film] = 0.0
        others = np.flatnonzero(ratings[:, film])
        usable = ratings[user].any() and len(others) >= 2
        if usable and (pairwise_similarity(ratings)[user, others] > 0).any():
            cases.append(
                Case((ratings, user, film), f"random 6x8 ratings, user {user}, film {film}")
            )
    return cases


def _case_similarities(case) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ratings, user, film = case.args
    raters = np.flatnonzero(ratings[:, film])  # (n_raters,)
    raters = raters[raters != user]
    return pairwise_similarity(ratings)[user], raters, ratings[:, film]


def _not_normalised(case, student, expected) -> bool:
    similarity, raters, column = _case_similarities(case)
    return np.isclose(student, (similarity[raters] * column[raters]).sum())


def _unweighted(case, student, expected) -> bool:
    _, raters, column = _case_similarities(case)
    return np.isclose(student, column[raters].mean())


def _unrated_as_zero(case, student, expected) -> bool:
    similarity, _, column = _case_similarities(case)
    others = np.arange(len(column)) != case.args[1]
    return np.isclose(
        student, (similarity[others] * column[others]).sum() / similarity[others].sum()
    )


# ---------------------------------------------------------------- answers by hand (the article's matrix)

R = ARTICLE_RATINGS  # (5 users, 10 films), 0 = not rated


def _table(metric: str = "cosine") -> np.ndarray:
    return pairwise_similarity(R, metric=metric)  # (5, 5)


def _weighted_average(user: int, film: int, neighbours: list[int]) -> float:
    """Σ s·r / Σ |s| over the given neighbours of `user` for `film` (zero-filled cosine)."""
    weights = _table()[user, neighbours]  # (n_neighbours,)
    return float(weights @ R[neighbours, film] / np.abs(weights).sum())


def _weighted_sum(user: int, film: int, neighbours: list[int]) -> float:
    return float(_table()[user, neighbours] @ R[neighbours, film])


def _two_nearest_raters_of_f5() -> list[int]:
    """Notebook 02's k = 2: the two raters of F5 most similar to U1."""
    return sorted([1, 2, 4], key=lambda v: -_table()[0, v])[:2]


def _centred_prediction(means: np.ndarray, add_own_mean: bool = True) -> float:
    """U2 and F3: own mean + Σ s (r - mean) / Σ |s| over the raters U1, U3, U4, U5."""
    neighbours = [0, 2, 3, 4]
    weights = _table()[1, neighbours]  # (4,)
    correction = weights @ (R[neighbours, 2] - means[neighbours]) / np.abs(weights).sum()
    return float(means[1] * add_own_mean + correction)


def _rated_means() -> np.ndarray:
    return np.array([row[row > 0].mean() for row in R])  # (5,) means over rated films only


@cache  # one fit per session: several mistakes reuse it
def _shrinkage_truth(dataset: str = "cinelab", seed: int = 0, all_pairs: bool = False) -> list:
    """How well Pearson, shrunk Pearson and zero-filled cosine track the planted tastes."""
    ds = load(dataset)
    train, _ = random_split(ds.ratings, test_size=0.2, seed=seed)
    baseline = Baseline().fit(train)
    sample = np.random.default_rng(seed).choice(baseline.matrix_.shape[0], size=300, replace=False)
    rows = baseline.matrix_[sample]  # (300, n_films)
    upper = np.triu_indices(len(sample), k=1)  # each pair once
    planted = ds.truth.user_factors.loc[baseline.user_ids_[sample]].to_numpy()  # (300, k)
    truth = pairwise_similarity(planted)[upper]
    kept = co_rated_counts(rows)[upper] >= 2 if not all_pairs else slice(None)
    estimates = [
        pairwise_similarity(rows, metric="pearson")[upper],
        pairwise_similarity(rows, metric="pearson", shrinkage=25)[upper],
        pairwise_similarity(rows, metric="cosine")[upper],
    ]
    return [np.corrcoef(truth[kept], estimate[kept])[0, 1] for estimate in estimates]


# ---------------------------------------------------------------- the exercises

EXERCISES = [
    Exercise(
        "02.1",
        "One cosine similarity by hand",
        1,
        "by hand",
        ValueCheck(lambda: _table()[0, 1], decimals=3),
        hint="cos(u, v) = (u·v) / (|u| |v|), with 0 for 'not rated' and the norms over whole rows.",
        mistakes={
            "article_value": Mistake(
                "That is the value the article prints, and it does not follow "
                "from the matrix: compute the cosine yourself.",
                0.7071,
            ),
            "dot_only": Mistake(
                "That is the dot product u·v: divide it by the two norms |u| |v|.",
                lambda: R[0] @ R[1],
            ),
            "no_sqrt": Mistake(
                "A norm is the square root of the sum of squares: |u| = sqrt(u·u).",
                lambda: R[0] @ R[1] / (R[0] @ R[0] * (R[1] @ R[1])),
            ),
            "co_rated": Mistake(
                "You used only the films both rated. The article's method fills "
                "missing ratings with 0, so the norms run over every film each user rated.",
                lambda: _table("cosine_corated")[0, 1],
            ),
        },
    ),
    Exercise(
        "02.2",
        "Recompute the article's similarity table",
        2,
        "in code",
        ValueCheck(
            _table,
            decimals=3,
            shape_hints={
                (10, 10): "You compared films (columns); the table compares users (rows)."
            },
        ),
        hint="Normalise each row to length 1, then one matrix product gives every cosine at once.",
        mistakes={
            "dot_only": Mistake(
                "These are the dot products u·v: divide each by the two norms |u| |v|.",
                lambda: R @ R.T,
            ),
            "co_rated": Mistake(
                "You used only co-rated films in the norms; the article zero-fills.",
                lambda: _table("cosine_corated"),
            ),
            "pearson": Mistake(
                "That is Pearson correlation (centred ratings); the article uses cosine "
                "on the raw, zero-filled ratings.",
                lambda: _table("pearson"),
            ),
        },
    ),
    Exercise(
        "02.3",
        "Name the article's errors",
        2,
        "by hand",
        ChoiceCheck({"a", "b", "d"}, options=("a", "b", "c", "d", "e"), multiple=True),
        hint="Compare each printed value with your table from 02.2, and check the prediction "
        "formula on an example: can it give more than 5?",
        mistakes={
            "trusts_u1_u4": Mistake(
                "Look at (c) again: U1 and U4 both rated films 2, 3, 6, 7 and 10, so "
                "their dot product is far from 0.",
                {"a", "b", "c", "d"},
            ),
            "misses_normalisation": Mistake(
                "The similarities are not the only problem: try the "
                "article's prediction formula on U1 and film 5 (exercise 02.4).",
                {"a", "b"},
            ),
        },
    ),
    Exercise(
        "02.4",
        "Predict a rating from neighbours",
        2,
        "by hand",
        ValueCheck(lambda: _weighted_average(0, 4, [1, 2, 4]), decimals=3),
        hint="Weighted average of the ratings of film 5 by the users who rated it, weighted by "
        "their similarity to U1; divide by the sum of the weights.",
        mistakes={
            "not_normalised": Mistake(
                "This is the article's mistake: a weighted sum must be divided by "
                "the sum of the |similarities|, or the 'rating' grows with the number of neighbours "
                "(yours is above 5!).",
                lambda: _weighted_sum(0, 4, [1, 2, 4]),
            ),
            "unrated_as_zero": Mistake(
                "Only users who rated film 5 are neighbours here: U4's 0 means "
                "'not rated', not a rating of 0.",
                lambda: _weighted_average(0, 4, [1, 2, 3, 4]),
            ),
            "k_two": Mistake(
                "That is notebook 02's `predict_user_based` with its default k = 2 (the two "
                "most similar raters). This exercise averages over *all* the users who rated F5: "
                "U2, U3 and U5.",
                lambda: _weighted_average(0, 4, _two_nearest_raters_of_f5()),
            ),
        },
    ),
    Exercise(
        "02.5",
        "Read two similarity heatmaps",
        2,
        "plot",
        ChoiceCheck("a", options=("a", "b", "c", "d")),
        hint="Compare the colour scales and which cell is darkest in each map.",
        mistakes={
            "wider_range": Mistake(
                "Read the colour bars: co-rated cosine squeezes every pair into "
                "0.95-1, so it tells the users apart *less*.",
                "b",
            ),
            "same_order": Mistake(
                "Find the darkest off-diagonal cell in each map: they are not the same pair.",
                "c",
            ),
            "u1_u2": Mistake(
                "U1-U2 is the *least* similar pair under zero-filled cosine.",
                "d",
            ),
        },
    ),
    Exercise(
        "02.6",
        "Implement user-user cosine similarity",
        2,
        "implement",
        FunctionCheck(
            reference=_cosine_reference,
            cases=_cosine_cases,
            reference_name="cinelab.recsys.similarity.pairwise_similarity(..., metric='cosine')",
            argument_names=("ratings",),
            diagnoses=(
                Diagnosis("compared_films", _compared_films),
                Diagnosis("dot_only", _dot_products_only),
                Diagnosis("no_sqrt", _no_square_root),
                Diagnosis("nan_for_new_user", _nan_for_new_user),
            ),
        ),
        hint="Divide each row by its norm, then multiply the matrix by its transpose.",
        mistakes={
            "compared_films": "Your table is films x films: rows are users, so compare rows "
            "(ratings @ ratings.T), not columns.",
            "dot_only": "These are the dot products: divide by the product of the two norms.",
            "no_sqrt": "You divided by the sums of squares; the norm is their square root.",
            "nan_for_new_user": "A user with no rating has norm 0, and 0/0 is NaN: give them "
            "similarity 0 (np.divide(..., where=norms > 0)).",
        },
    ),
    Exercise(
        "02.7",
        "A mean-centred prediction by hand",
        3,
        "by hand",
        ValueCheck(lambda: _centred_prediction(_rated_means()), decimals=3),
        hint="r̂ = mean(U2) + Σ s(U2, v) · (r_v3 − mean(v)) / Σ |s(U2, v)|, over the users v who "
        "rated film 3.",
        mistakes={
            "not_centred": Mistake(
                "That is the plain weighted average (as in 02.4): subtract each "
                "neighbour's mean from their rating, and add U2's own mean at the end.",
                lambda: _weighted_average(1, 2, [0, 2, 3, 4]),
            ),
            "mean_with_zeros": Mistake(
                "Each mean must skip the films the user did not rate: the 0s mean 'not rated'.",
                lambda: _centred_prediction(R.mean(axis=1)),
            ),
            "forgot_user_mean": Mistake(
                "You have the weighted correction only: add U2's own mean.",
                lambda: _centred_prediction(_rated_means(), add_own_mean=False),
            ),
        },
    ),
    Exercise(
        "02.8",
        "Implement the user-based prediction",
        3,
        "implement",
        FunctionCheck(
            reference=_prediction_reference,
            cases=_prediction_cases,
            reference_name="cinelab.recsys.UserKNN (cosine, no centring, every neighbour)",
            argument_names=("ratings", "user", "film"),
            diagnoses=(
                Diagnosis("not_normalised", _not_normalised),
                Diagnosis("unweighted", _unweighted),
                Diagnosis("unrated_as_zero", _unrated_as_zero),
            ),
            rtol=1e-5,
        ),
        hint="Similarities of `user` to everyone; keep the other users who rated `film`; "
        "weighted average of their ratings.",
        mistakes={
            "not_normalised": "Divide the weighted sum by the sum of the similarities.",
            "unweighted": "That is the plain mean of the neighbours' ratings: weight each rating "
            "by the neighbour's similarity to `user`.",
            "unrated_as_zero": "Keep only the users who rated the film (ratings[:, film] > 0): a "
            "0 means 'not rated'.",
        },
    ),
    Exercise(
        "02.9",
        "What zero-filling hides",
        3,
        "open",
        OpenCheck(
            min_words=30,
            after="Did your answer name a pair and films, say what co-rated cosine or Pearson "
            "changes, and what new risk they bring (similarities from very few shared films)?",
        ),
        hint="Look at a pair with many films that only one of the two rated.",
    ),
    Exercise(
        "02.10",
        "Does shrinkage find truer neighbours? (planted truth)",
        3,
        "in code",
        ValueCheck(_shrinkage_truth, decimals=2),
        hint="For each pair with at least 2 co-rated films: the cosine of the two planted user "
        "vectors, and the kit's similarity; then np.corrcoef of the two lists, once per estimate.",
        mistakes={
            "all_pairs": Mistake(
                "Keep only the pairs that share at least 2 rated films: with 0 or 1 "
                "shared film Pearson is 0 by definition, and those pairs swamp the rest.",
                lambda: _shrinkage_truth(all_pairs=True),
            ),
            "pearson_order": Mistake(
                "Check the order: [Pearson without shrinkage, Pearson with "
                "shrinkage 25, zero-filled cosine].",
                lambda: [_shrinkage_truth()[i] for i in (1, 0, 2)],
            ),
        },
    ),
]
