"""`check`: judge an answer, remember the verdict, never raise on the student's account."""

from __future__ import annotations

from cinelab.exercises.catalog import get as get_exercise
from cinelab.exercises.checks import cannot_check
from cinelab.exercises.feedback import NOT_YET, Feedback
from cinelab.exercises.tracking import remember

_NO_ANSWER = object()


def check(exercise_id: str, answer=_NO_ANSWER) -> Feedback:
    """Check an answer and say what is right or wrong, with a hint; it never shows the answer.

    Parameters
    ----------
    exercise_id : e.g. ``"02.3"``: notebook 02, exercise 3.
    answer : a number, an array, a function, option letters or text, as the exercise asks.
        ``None`` or ``...`` means "not answered yet".

    Returns
    -------
    Feedback, shown as a coloured box in a notebook; its ``.passed`` says whether it counts.
    """
    feedback = evaluate(exercise_id, answer)
    remember(feedback)
    return feedback


def evaluate(exercise_id: str, answer=_NO_ANSWER) -> Feedback:
    """`check` without remembering the verdict (for authors' hidden checks and tests)."""
    try:
        exercise = get_exercise(exercise_id)
    except KeyError as error:
        return cannot_check(str(exercise_id), str(error.args[0]))
    if answer is _NO_ANSWER:
        return exercise.feedback(
            NOT_YET, f"Give your answer too: check({exercise.id!r}, your_answer)."
        )
    try:
        return exercise.checker.judge(exercise, answer)
    except Exception as error:  # noqa: BLE001 (a kit bug must not look like the student's)
        return cannot_check(
            exercise.id,
            f"The checker itself failed ({type(error).__name__}: {error}). This is a problem "
            "in the kit, not in your answer: please tell your instructor.",
        )
