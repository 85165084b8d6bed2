"""Each kind of check on made-up exercises: verdicts, specific hints, and no exception ever."""

import numpy as np
import pandas as pd
import pytest
import torch

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
from cinelab.exercises.feedback import ANSWERED, CORRECT, NOT_QUITE, NOT_YET

TABLE = np.array([[1.0, 0.25, 0.6], [0.3, 1.0, 0.45]])  # (2, 3), not symmetric


def value_exercise(expected=TABLE, decimals=3, mistakes=None, **check_options):
    exercise = Exercise(
        "09.1",
        "a table",
        1,
        "in code",
        ValueCheck(expected, decimals=decimals, **check_options),
        hint="the general hint",
        mistakes=mistakes or {},
    )
    return exercise


def judge_value(answer, **options):
    exercise = value_exercise(**options)
    return exercise.checker.judge(exercise, answer)


# ---------------------------------------------------------------- values


@pytest.mark.parametrize(
    "answer",
    [TABLE, TABLE.tolist(), pd.DataFrame(TABLE), torch.tensor(TABLE), TABLE + 1e-9],
    ids=["numpy", "list", "DataFrame", "tensor", "float noise"],
)
def test_a_right_value_is_correct_in_any_container(answer):
    assert judge_value(answer).status == CORRECT


@pytest.mark.parametrize("stub", [None, ..., "", "  ...  "])
def test_a_stub_is_not_yet(stub):
    feedback = judge_value(stub)
    assert feedback.status == NOT_YET and not feedback.passed


@pytest.mark.parametrize(
    ("answer", "diagnosis"),
    [(2 * TABLE, "times_two"), (TABLE / 2, "half"), (100 * TABLE, "percent"), (-TABLE, "negated")],
)
def test_generic_slips_get_their_own_hint(answer, diagnosis):
    feedback = judge_value(answer)
    assert (feedback.status, feedback.diagnosis) == (NOT_QUITE, diagnosis)
    assert feedback.hint and feedback.hint != "the general hint"


def test_a_transposed_array_is_recognised():
    feedback = judge_value(TABLE.T)
    assert feedback.diagnosis == "transposed"
    assert "(3, 2)" in feedback.message and ".T" in feedback.hint


def test_an_answer_off_by_a_constant_factor_is_recognised():
    assert judge_value(TABLE * 0.77).diagnosis == "scaled"


def test_too_few_decimals_is_recognised():
    feedback = judge_value(TABLE, expected=TABLE + 0.0012)  # TABLE is it, rounded to 2 decimals
    assert feedback.diagnosis == "coarse" and "2 decimals" in feedback.message


@pytest.mark.parametrize(
    ("answer", "expected", "kept"),
    [(0.11, 0.11342, 2), ([0.1, 0.2], [0.11342, 0.18671], 1), (4.0, 4.3125, 0)],
)
def test_an_answer_rounded_to_fewer_decimals_says_how_many_it_kept(answer, expected, kept):
    feedback = judge_value(answer, expected=expected, decimals=4)
    assert feedback.diagnosis == "coarse"
    assert f"right to {kept} decimals, but not to 4" in feedback.message


def test_a_wrong_value_that_merely_looks_round_is_not_called_coarse():
    assert judge_value(0.2, expected=0.11342, decimals=4).diagnosis != "coarse"
    assert judge_value(0.12, expected=0.11342, decimals=4).diagnosis != "coarse"


def test_a_named_mistake_uses_the_exercise_hint():
    squared = Mistake("take the square root", lambda: TABLE**2)  # declared as a function
    exercise = value_exercise(mistakes={"forgot_sqrt": squared})
    feedback = exercise.checker.judge(exercise, TABLE**2)
    assert (feedback.diagnosis, feedback.hint) == ("forgot_sqrt", "take the square root")


def test_the_answer_may_be_a_function_run_once():
    calls = []
    exercise = value_exercise(expected=lambda: calls.append(1) or TABLE)
    assert exercise.checker.judge(exercise, TABLE).status == CORRECT
    assert exercise.checker.judge(exercise, TABLE + 0.1).status == NOT_QUITE
    assert calls == [1]


def test_rounding_decides_within_six_tenths_of_the_last_decimal():
    assert judge_value(0.4333, expected=0.43326).status == CORRECT  # typed by hand
    assert judge_value(0.4338, expected=0.43326).status == CORRECT  # 0.54 of a unit away
    assert judge_value(0.4340, expected=0.43326).diagnosis == "coarse"  # 0.74: not quite


def test_a_plain_wrong_value_gets_the_general_hint_and_not_the_answer():
    feedback = judge_value(TABLE + 0.2)
    assert (feedback.status, feedback.hint) == (NOT_QUITE, "the general hint")
    assert "0.25" not in str(feedback) and "0.45" not in str(feedback)


def test_a_wrong_shape_says_both_shapes_and_uses_a_shape_hint():
    feedback = judge_value(np.ones((3, 3)), shape_hints={(3, 3): "compare rows, not columns"})
    assert "(2, 3)" in feedback.message and "(3, 3)" in feedback.message
    assert feedback.hint == "compare rows, not columns"


def test_a_scalar_may_come_in_a_one_element_container():
    for answer in (0.5, [0.5], [[0.5]], np.float32(0.5), "0.5"):
        assert judge_value(answer, expected=0.5).status == CORRECT


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ("zero point five", "text"),
        ({"a": 1}, "dict"),
        ([[1, 2], [3]], "same number"),
        (np.array([np.nan, 1.0, 2.0]), "NaN"),
        (np.array([1.0, np.inf, 2.0]), "infinite"),
        (np.array([1 + 2j, 3, 4]), "complex"),
    ],
)
def test_unreadable_values_are_explained(answer, words):
    feedback = judge_value(answer, expected=np.array([1.0, 2.0, 3.0]))
    assert feedback.status == NOT_QUITE and words in feedback.message


# ---------------------------------------------------------------- choices


def choice_exercise(right, multiple=False):
    check = ChoiceCheck(right, options=("a", "b", "c", "d"), multiple=multiple)
    exercise = Exercise("09.2", "a plot", 2, "plot", check, hint="look at the axes")
    return exercise


@pytest.mark.parametrize("answer", ["b", "B", "(b)", " b ", ["b"]])
def test_a_single_choice_accepts_usual_spellings(answer):
    exercise = choice_exercise("b")
    assert exercise.checker.judge(exercise, answer).status == CORRECT


def test_a_wrong_or_invalid_choice_is_explained():
    exercise = choice_exercise("b")
    assert exercise.checker.judge(exercise, "c").hint == "look at the axes"
    assert "not one of the options" in exercise.checker.judge(exercise, "z").message
    assert "exactly one" in exercise.checker.judge(exercise, "b, c").message
    assert "letter" in exercise.checker.judge(exercise, 2).message


def test_multiple_choice_counts_what_is_right_without_naming_it():
    exercise = choice_exercise({"a", "c", "d"}, multiple=True)
    assert exercise.checker.judge(exercise, {"d", "c", "a"}).status == CORRECT
    partial = exercise.checker.judge(exercise, "a, b")
    assert partial.diagnosis == "partial"
    assert "1 of the 2 options you chose is right" in partial.message
    assert "3 right options" in partial.message


# ---------------------------------------------------------------- functions


def doubled(x):
    return 2 * x


def function_exercise(**options):
    def cases(rng):
        return [
            Case((np.array([1.0, 2.0]),), "a tiny vector"),
            Case((rng.normal(size=(3, 4)),), "a random 3x4 matrix", hint="mind the shape"),
        ]

    check = FunctionCheck(
        reference=doubled,
        cases=cases,
        reference_name="the kit's doubler",
        argument_names=("x",),
        diagnoses=(Diagnosis("tripled", lambda case, mine, ref: np.allclose(mine, 1.5 * ref)),),
        **options,
    )
    mistakes = {"tripled": "you multiplied by 3"}
    return Exercise("09.3", "double it", 2, "implement", check, hint="times two", mistakes=mistakes)


def judge_function(function, **options):
    exercise = function_exercise(**options)
    return exercise.checker.judge(exercise, function)


def test_a_function_equal_to_the_reference_is_correct():
    feedback = judge_function(lambda x: x + x)
    assert feedback.status == CORRECT and "2 inputs" in feedback.message


def test_a_stub_function_is_not_yet():
    def stub(x):
        raise NotImplementedError("Exercise 09.3: your code here")

    assert judge_function(stub).status == NOT_YET


def test_a_stub_of_another_exercise_is_named():
    def uses_unfinished_helper(x):
        raise NotImplementedError("Exercise 09.1: your code here")

    feedback = judge_function(uses_unfinished_helper)
    assert feedback.status == NOT_YET and "09.1" in feedback.message


def test_an_exception_is_reported_with_its_line_and_the_input():
    def broken(x):
        total = x.sum() / 0.0
        return x[10] * total

    feedback = judge_function(broken)
    assert feedback.status == NOT_QUITE and feedback.diagnosis == "raised"
    assert "IndexError" in feedback.message and "x[10] * total" in feedback.message
    assert "x = [1., 2.]" in feedback.message


def test_forgetting_return_is_spotted():
    def no_return(x):
        2 * x

    assert judge_function(no_return).diagnosis == "returned_none"


def test_changing_the_input_in_place_is_spotted():
    def in_place(x):
        x *= 2
        return x

    assert judge_function(in_place).diagnosis == "changed_input"


def test_a_recognised_mistake_gets_its_hint():
    feedback = judge_function(lambda x: 3 * x)
    assert (feedback.diagnosis, feedback.hint) == ("tripled", "you multiplied by 3")
    assert "6" not in feedback.message  # the expected output is never shown


def test_a_failing_case_without_diagnosis_shows_the_case_hint():
    def only_vectors(x):
        return 2 * x if x.ndim == 1 else x

    feedback = judge_function(only_vectors)
    assert "random 3x4 matrix" in feedback.message and feedback.hint == "mind the shape"


def test_a_wrong_output_shape_is_reported():
    feedback = judge_function(lambda x: (2 * x).ravel()[:1])
    assert "shape (1,)" in feedback.message and "shape (2,)" in feedback.message


def test_not_a_function_is_explained():
    feedback = judge_function(np.array([2.0, 4.0]))
    assert feedback.status == NOT_QUITE and "without parentheses" in feedback.message


def test_functions_returning_several_outputs_are_compared_one_by_one():
    exercise = function_exercise()
    check = exercise.checker
    pair_check = FunctionCheck(
        reference=lambda x: (2 * x, x),
        cases=check.cases,
        reference_name="pairs",
        outputs=("doubled", "same"),
    )
    pairs = Exercise("09.4", "pairs", 2, "implement", pair_check)
    assert pair_check.judge(pairs, lambda x: (2 * x, x)).status == CORRECT
    assert "return 2 things" in pair_check.judge(pairs, lambda x: 2 * x).message
    assert "`same`" in pair_check.judge(pairs, lambda x: (2 * x, -x)).message


def test_student_warnings_do_not_leak(recwarn):
    judge_function(lambda x: np.log(x - 100) * 0 + 2 * x)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


# ---------------------------------------------------------------- open questions


def test_open_answers_are_counted_once_they_say_something():
    exercise = Exercise("09.5", "why", 3, "open", OpenCheck(min_words=5), hint="think")
    judge = exercise.checker.judge
    assert judge(exercise, None).status == NOT_YET
    assert judge(exercise, "Because.").diagnosis == "too_short"
    assert "text between quotes" in judge(exercise, 42).message
    answered = judge(exercise, "Because the dot products ignore word order entirely.")
    assert answered.status == ANSWERED and answered.passed
