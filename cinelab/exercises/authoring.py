"""For people who write exercises: `mistake` checks that a named mistake gets its own hint.

An exercise's answer and its named mistakes are declared next to it, in its topic module
(`cinelab.exercises.topics`): `ValueCheck(answer)` / `ChoiceCheck(answer)` and
``mistakes={"name": Mistake(hint, wrong_answer)}``. In a source notebook, a cell tagged
``hidden-check`` (removed from the student version) asserts that the solution passes and that
each named mistake, computed the notebook's way, is recognised::

    mistake("02.4", unnormalised_prediction, "not_normalised")

so the hidden cells double as tests of the declared answers and hints.
"""

from __future__ import annotations

from cinelab.exercises.catalog import get as get_exercise
from cinelab.exercises.core import evaluate


def mistake(exercise_id: str, wrong_answer, name: str) -> None:
    """Assert that `check` recognises `wrong_answer` as the mistake ``name``."""
    exercise = get_exercise(exercise_id)
    if name not in exercise.mistakes:
        raise ValueError(
            f"exercise {exercise_id} has no mistake named {name!r}; "
            f"its mistakes are {sorted(exercise.mistakes)}."
        )
    feedback = evaluate(exercise_id, wrong_answer)
    if feedback.diagnosis != name:
        raise AssertionError(
            f"exercise {exercise_id}: the mistake {name!r} should get its own hint, but check "
            f"said: {feedback}"
        )
