"""Exercises for notebook 03, matrix factorisation (reference: `cinelab.recsys.factorization`)."""

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
from cinelab.recsys.baseline import Baseline
from cinelab.recsys.factorization import ALS, solve_user
from cinelab.recsys.metrics import rmse
from cinelab.recsys.truth import expected_ratings


def _ridge_cases(rng: np.random.Generator) -> list[Case]:
    tiny_factors = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    return [
        Case((tiny_factors, np.array([0.5, -0.5, 0.2]), 0.1), "3 films with 2 factors, reg = 0.1"),
        Case(
            (rng.normal(size=(12, 4)), rng.normal(size=12), 0.5), "12 films, 4 factors, reg = 0.5"
        ),
        Case(
            (rng.normal(size=(2, 5)), rng.normal(size=2), 0.2),
            "a user with 2 ratings and 5 factors, reg = 0.2",
            "With fewer ratings than unknowns the system only has a solution thanks to the "
            "penalty: add regularization * identity to the matrix before solving.",
        ),
    ]


def _with_bias_column(item_factors: np.ndarray) -> np.ndarray:
    return np.hstack([item_factors, np.ones((len(item_factors), 1))])  # (n_rated, k + 1)


def _ridge(design: np.ndarray, residuals: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    return np.linalg.solve(design.T @ design + np.diag(penalty), design.T @ residuals)


def _no_bias(case, student, expected) -> bool:
    item_factors, residuals, regularization = case.args
    k = item_factors.shape[1]
    factors = _ridge(item_factors, residuals, np.full(k, regularization))
    return np.allclose(student[0], factors)


def _bias_not_penalised(case, student, expected) -> bool:
    item_factors, residuals, regularization = case.args
    k = item_factors.shape[1]
    penalty = np.append(np.full(k, regularization), 0.0)
    solution = _ridge(_with_bias_column(item_factors), residuals, penalty)
    return np.allclose(student[0], solution[:k]) and np.isclose(student[1], solution[k])


def _unregularised(case, student, expected) -> bool:
    item_factors, residuals, _ = case.args
    solution = np.linalg.lstsq(_with_bias_column(item_factors), residuals, rcond=None)[0]
    k = item_factors.shape[1]
    return np.allclose(student[0], solution[:k]) and np.isclose(student[1], solution[k])


# ---------------------------------------------------------------- answers by hand

P_U, Q_I = np.array([0.5, -1.0, 0.2]), np.array([1.2, 0.4, -0.5])  # 03.1's taste vectors


def _sgd_step(direction: float = 1.0, regularization: float = 0.1, error_sign: float = 1.0):
    """03.3: one SGD step on p_u for r = 4, mu = 3.5, learning rate 0.1, lambda = 0.1."""
    p, q = np.array([0.1, 0.2]), np.array([0.3, -0.1])
    error = error_sign * (4 - (3.5 + p @ q))
    return p + direction * 0.1 * (error * q - regularization * p)  # (2,)


@cache  # one fit per session: several mistakes reuse it
def _gap_rmses(dataset: str = "cinelab", seed: int = 0) -> tuple[float, float, float]:
    """03.7: test RMSE of the baseline, of ALS and of the planted truth (the noise floor)."""
    ds = load(dataset)
    train, test = random_split(ds.ratings, test_size=0.2, seed=seed)
    baseline = rmse(test["rating"], Baseline().fit(train).predict(test))
    als = rmse(test["rating"], ALS(seed=seed).fit(train).predict(test))
    oracle = rmse(test["rating"], expected_ratings(ds.truth, test))
    return baseline, als, oracle


def _gap_closed() -> float:
    baseline, als, oracle = _gap_rmses()
    return (baseline - als) / (baseline - oracle)


EXERCISES = [
    Exercise(
        "03.1",
        "A prediction by hand",
        1,
        "by hand",
        ValueCheck(lambda: 3.5 + 0.3 - 0.2 + P_U @ Q_I, decimals=3),
        hint="r̂ = μ + b_u + b_i + p_u · q_i: four terms.",
        mistakes={
            "taste_only": Mistake(
                "That is only the taste match p_u · q_i: add μ, b_u and b_i.",
                lambda: P_U @ Q_I,
            ),
            "forgot_global_mean": Mistake(
                "Start from the global mean μ, then add the biases and the taste match.",
                lambda: 0.3 - 0.2 + P_U @ Q_I,
            ),
        },
    ),
    Exercise(
        "03.2",
        "Count the parameters",
        1,
        "by hand",
        ValueCheck((610 + 9_724) * 30 + 610 + 9_724 + 1, decimals=0),
        hint="A vector of `factors` numbers per user and per film, one bias per user and per "
        "film, and one global mean.",
        mistakes={
            "no_biases": Mistake(
                "You counted the factors only: add one bias per user and per film.",
                (610 + 9_724) * 30,
            ),
            "no_global_mean": Mistake(
                "Almost: the global mean μ is one more parameter.",
                (610 + 9_724) * 31,
            ),
            "users_only": Mistake(
                "Films have taste vectors too (and biases).",
                610 * 31 + 1,
            ),
        },
    ),
    Exercise(
        "03.3",
        "One SGD step by hand",
        2,
        "by hand",
        ValueCheck(_sgd_step, decimals=4),
        hint="e = r − r̂, then p_u ← p_u + lr · (e · q_i − λ · p_u), with the *old* q_i.",
        mistakes={
            "wrong_direction": Mistake(
                "You stepped uphill: gradient descent *adds* lr · (e q_i − λ p_u) "
                "with e = r − r̂, which lowers the error.",
                lambda: _sgd_step(direction=-1.0),
            ),
            "no_regularization": Mistake(
                "You forgot the penalty term −λ · p_u inside the step.",
                lambda: _sgd_step(regularization=0.0),
            ),
            "error_sign": Mistake(
                "The error is e = r − r̂ (truth minus prediction), not r̂ − r.",
                lambda: _sgd_step(error_sign=-1.0),
            ),
        },
    ),
    Exercise(
        "03.4",
        "Read the learning curves",
        2,
        "plot",
        ChoiceCheck("a", options=("a", "b", "c", "d")),
        hint="Compare where each curve is lowest, and what the gap between them does.",
        mistakes={
            "underfits": Mistake(
                "Look again: the validation error is *above* the training error, as it "
                "almost always is.",
                "b",
            ),
            "more_epochs": Mistake(
                "Follow the validation curve after its lowest point: it turns up while "
                "the training curve keeps falling, so more epochs do not help.",
                "c",
            ),
            "learning_rate": Mistake(
                "Both curves are smooth: nothing here points at the learning rate.",
                "d",
            ),
        },
    ),
    Exercise(
        "03.5",
        "Implement the ALS step for one user",
        3,
        "implement",
        FunctionCheck(
            reference=solve_user,
            cases=_ridge_cases,
            reference_name="cinelab.recsys.factorization.solve_user",
            argument_names=("item_factors", "residuals", "regularization"),
            outputs=("factors", "bias"),
            diagnoses=(
                Diagnosis("no_bias", _no_bias),
                Diagnosis("bias_not_penalised", _bias_not_penalised),
                Diagnosis("unregularised", _unregularised),
            ),
        ),
        hint="Append a column of ones to the item factors (for the bias), then solve "
        "(XᵀX + reg · I) w = Xᵀ r; the last entry of w is the bias.",
        mistakes={
            "no_bias": "Your factors are the ridge solution without a bias: add a column of ones "
            "to the film factors so the bias is learned jointly.",
            "bias_not_penalised": "The kit penalises the bias like the factors: add reg to every "
            "diagonal entry, including the bias's.",
            "unregularised": "That is plain least squares: add regularization * identity to XᵀX.",
        },
    ),
    Exercise(
        "03.6",
        "What do factors mean?",
        3,
        "open",
        OpenCheck(
            min_words=30,
            after="Did you say why different factors can give the same predictions (any "
            "rotation R: (P R)(Q R)ᵀ = P Qᵀ), why the SVD start makes the strong directions "
            "repeat across seeds (up to sign) while weak ones do not, and what that means for "
            "naming a factor?",
        ),
        hint="What happens to p_u · q_i if you rotate every user vector and every film vector "
        "by the same rotation? And what does a truncated SVD do with a direction that is "
        "much stronger than the others?",
    ),
    Exercise(
        "03.7",
        "How much of the gap does ALS close? (planted truth)",
        3,
        "in code",
        ValueCheck(_gap_closed, decimals=2),
        hint="(baseline RMSE − ALS RMSE) / (baseline RMSE − oracle RMSE), all three on the same "
        "test ratings; the oracle predicts the true expected rating of each test pair.",
        mistakes={
            "gap_remaining": Mistake(
                "That is the share of the gap *left*: the question asks for the "
                "share ALS closes (0 = no better than the baseline, 1 = as good as the oracle).",
                lambda: 1 - _gap_closed(),
            ),
            "relative_to_baseline": Mistake(
                "That is the improvement relative to the baseline RMSE. "
                "Divide by the room there was to improve: baseline RMSE − oracle RMSE.",
                lambda: (_gap_rmses()[0] - _gap_rmses()[1]) / _gap_rmses()[0],
            ),
        },
    ),
]
