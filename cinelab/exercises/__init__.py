"""Exercises with instant feedback: ``check("02.3", answer)`` and ``progress("02")``.

>>> from cinelab.exercises import check, progress
>>> check("01.1", [0.844, 0.114, 0.042])   # says correct, or what is wrong and a hint

Expected values are stored as salted hashes (`keys`) and functions are compared with the kit's
own implementation on random inputs (`checks.FunctionCheck`), so the package never shows an
answer. `student` writes the student release of the exercise notebooks; `authoring` helps
instructors write and record new exercises.
"""

from cinelab.exercises.core import check, evaluate
from cinelab.exercises.feedback import Feedback
from cinelab.exercises.tracking import progress

__all__ = ["Feedback", "check", "evaluate", "progress"]
