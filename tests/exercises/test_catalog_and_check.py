"""The real exercises: their shape, their declared answers against the kit, and hints for wrong
answers."""

import numpy as np
import pandas as pd
import pytest

from cinelab import attention
from cinelab.exercises import catalog, check, evaluate
from cinelab.exercises.checks import FunctionCheck, Mistake
from cinelab.exercises.feedback import CANNOT_CHECK, CORRECT, NOT_QUITE, NOT_YET, STATUSES
from cinelab.exercises.topics.cf_by_hand import ARTICLE_RATINGS
from cinelab.recsys.knn import UserKNN
from cinelab.recsys.similarity import pairwise_similarity

ALL = catalog.exercises()
REQUIRED_SKILLS = {"by hand", "implement", "plot", "open"}


@pytest.mark.parametrize("notebook", catalog.available_notebooks())
def test_each_notebook_has_six_exercises_of_rising_difficulty(notebook):
    exercises = catalog.exercises(notebook)
    assert len(exercises) >= 6
    assert [e.id for e in exercises] == [f"{notebook}.{k}" for k in range(1, len(exercises) + 1)]
    difficulties = [e.difficulty for e in exercises]
    assert difficulties == sorted(difficulties) and set(difficulties) <= {1, 2, 3}
    assert REQUIRED_SKILLS <= {e.skill for e in exercises}


@pytest.mark.parametrize("exercise", ALL, ids=[e.id for e in ALL])
def test_every_named_mistake_can_be_recognised(exercise):
    if isinstance(exercise.checker, FunctionCheck):
        diagnosed = {d.name for d in exercise.checker.diagnoses}
        assert diagnosed == set(exercise.mistakes)
    elif exercise.checker.kind in ("value", "choice"):
        for name, mistake in exercise.mistakes.items():
            assert isinstance(mistake, Mistake) and mistake.answer is not None, name
            wrong = mistake.answer() if callable(mistake.answer) else mistake.answer
            assert evaluate(exercise.id, wrong).diagnosis == name, name


@pytest.mark.parametrize("exercise", ALL, ids=[e.id for e in ALL])
def test_every_declared_answer_passes_its_own_check(exercise):
    if exercise.checker.kind in ("value", "choice"):
        answer = exercise.checker.answer
        assert evaluate(exercise.id, answer() if callable(answer) else answer).status == CORRECT


ODD_ANSWERS = [
    None,
    ...,
    "",
    "abc",
    "a, b",
    0,
    -1.5,
    np.nan,
    [1, [2, 3]],
    {"a": 1},
    object(),
    np.zeros((50, 50)),
    lambda *args: 1 / 0,
    lambda: None,
    print,
]


@pytest.mark.parametrize("exercise", ALL, ids=[e.id for e in ALL])
def test_check_never_raises_whatever_the_answer(exercise):
    for answer in ODD_ANSWERS:
        feedback = check(exercise.id, answer)
        assert feedback.status in STATUSES and feedback.status != CANNOT_CHECK, (answer, feedback)
    assert check(exercise.id, None).status == NOT_YET


@pytest.mark.parametrize("exercise_id", ["99.1", "02.99", "", None, "2.1x", "02"])
def test_an_unknown_exercise_is_reported(exercise_id):
    feedback = check(exercise_id, 1.0)
    assert feedback.status == CANNOT_CHECK and "no exercise" in feedback.message


def test_ids_without_the_leading_zero_are_accepted():
    assert check("2.1", None).exercise == "02.1"


def test_check_without_an_answer_says_what_to_pass():
    feedback = check("02.1")
    assert feedback.status == NOT_YET and "check('02.1', your_answer)" in feedback.message


# ---------------------------------------------------------------- the declared answers agree with the kit


def user_knn_prediction(centering: str, user: int, film: int) -> float:
    users, films = np.nonzero(ARTICLE_RATINGS)
    frame = pd.DataFrame(
        {"user_id": users, "item_id": films, "rating": ARTICLE_RATINGS[users, films]}
    )
    model = UserKNN(n_neighbours=10, similarity="cosine", shrinkage=0.0, centering=centering)
    model.fit(frame.assign(timestamp=0))
    return float(model.predict(pd.DataFrame({"user_id": [user], "item_id": [film]}))[0])


def kit_answers():
    similarity = pairwise_similarity(ARTICLE_RATINGS)
    q, k = np.array([[1.0, 2.0]]), np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    return {
        "01.1": attention.softmax(np.array([3.0, 1.0, 0.0])),
        "01.2": attention.scaled_dot_product_attention(q, k, k)[1][0],
        "01.5": (attention.padding_mask(np.array([4, 6]), 6) & attention.causal_mask(6)).sum(),
        "01.6": attention.sinusoidal_positions(3, 4)[2],
        "02.1": similarity[0, 1],
        "02.2": similarity,
        "02.4": user_knn_prediction("none", 0, 4),
        "02.7": user_knn_prediction("mean", 1, 2),
    }


@pytest.mark.parametrize(("exercise_id", "answer"), list(kit_answers().items()))
def test_declared_answers_accept_the_kit_computation(exercise_id, answer):
    assert evaluate(exercise_id, answer).status == CORRECT


def test_hand_values_are_accepted_and_the_article_values_are_not():
    assert evaluate("02.1", 0.4333).status == CORRECT
    assert evaluate("02.4", 4.348).status == CORRECT
    assert evaluate("02.7", 4.116).status == CORRECT
    assert evaluate("01.5", 39).status == CORRECT
    assert evaluate("02.1", 0.7071).diagnosis == "article_value"


# ---------------------------------------------------------------- a student working through 02


def test_wrong_answers_to_notebook_02_get_specific_hints():
    ratings = ARTICLE_RATINGS
    similarity = pairwise_similarity(ratings)
    raters = [1, 2, 4]  # the users who rated F5
    cases = [
        ("02.1", ratings[0] @ ratings[1], "dot_only"),
        ("02.1", 0.43, "coarse"),
        ("02.2", 2 * similarity, "times_two"),
        ("02.2", pairwise_similarity(ratings.T), "shape"),
        ("02.2", pairwise_similarity(ratings, metric="pearson"), "pearson"),
        ("02.3", {"a"}, "partial"),
        ("02.3", {"a", "b", "c", "d"}, "trusts_u1_u4"),
        ("02.4", similarity[0, raters] @ ratings[raters, 4], "not_normalised"),
        ("02.5", "b", "wider_range"),
        ("02.6", lambda r: r @ r.T, "dot_only"),
        ("02.6", lambda r: pairwise_similarity(r.T), "compared_films"),
        ("02.6", lambda r: r[99], "raised"),
        ("02.7", user_knn_prediction("none", 1, 2), "not_centred"),
        ("02.9", "Zeros.", "too_short"),
    ]
    for exercise_id, answer, diagnosis in cases:
        feedback = check(exercise_id, answer)
        assert (feedback.status, feedback.diagnosis) == (NOT_QUITE, diagnosis), feedback
        assert feedback.hint, feedback
