"""Exercises with instant feedback: ``check("02.3", answer)`` and ``progress("02")``.

>>> from cinelab.exercises import check, progress
>>> check("02.3", {"a", "e"})   # says correct, or what is wrong, with a hint
>>> progress("02")              # which exercises of notebook 02 pass

Each exercise is declared in its topic module (`cinelab.exercises.topics`) with its answer and
its named mistakes, as values or as functions computing them: numbers are compared after
rounding, functions against the kit's own implementation on generated inputs
(`checks.FunctionCheck`), and a recognised mistake earns its own hint. `check` never shows the
answer; the student release of the notebooks (``cinelab student-version``) has no solution.
"""

from cinelab.exercises.core import check, evaluate
from cinelab.exercises.feedback import Feedback
from cinelab.exercises.tracking import progress

__all__ = ["Feedback", "check", "evaluate", "progress"]
