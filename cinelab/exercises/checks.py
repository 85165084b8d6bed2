"""The four kinds of exercise check: a value, a choice, a function, an open answer.

Every checker turns an answer into a `Feedback` and never raises on the student's account:
a stub is "not yet", anything unreadable or wrong is "not quite" with a reason and a hint.

* `ValueCheck`: a number or an array, compared with the exercise's answer (declared next to
  the exercise as a value or a function computing it) after rounding, with hints for its
  named mistakes (each declared with the wrong answer it stands for) and for common slips.
* `ChoiceCheck`: one or several option letters, e.g. to interpret a plot.
* `FunctionCheck`: a property check. The student's function and the kit's reference run on
  the same inputs (a tiny hand-sized one first, then random ones, then edge cases); the first
  disagreement is reported with the input, never with the expected output.
* `OpenCheck`: free text; no grade, only "answered" once it says something.
"""

from __future__ import annotations

import copy
import re
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from cinelab.exercises.answers import (
    AnswerProblem,
    as_choices,
    as_number_array,
    as_text,
    describe_non_finite,
    is_stub,
)
from cinelab.exercises.deadline import DeadlineExceeded, call_with_deadline
from cinelab.exercises.feedback import (
    ANSWERED,
    CANNOT_CHECK,
    CORRECT,
    NOT_QUITE,
    NOT_YET,
    Feedback,
)

DEADLINE_SECONDS = 10.0  # per input: a student's function that runs longer is stopped

GENERIC_HINTS = {
    "times_two": "Your answer is exactly twice the expected one: is something counted twice?",
    "half": "Your answer is exactly half the expected one: a factor of 2 is missing.",
    "percent": "Your answer is 100 times too large: give a fraction (0.25), not a percentage (25).",
    "negated": "Right size, wrong sign: check the order of a subtraction.",
    "transposed": "Rows and columns are swapped: transpose your array (.T).",
    "scaled": (
        "The pattern is right but every number is off by the same factor: check a "
        "normalisation (a division, a square root, a sum)."
    ),
}
_KIT_DIR = str(Path(__file__).resolve().parents[1])


@dataclass(frozen=True)
class Mistake:
    """A recognised mistake: the hint it earns and, for value and choice exercises, the wrong
    answer itself (a value, or a function computing it). Function exercises recognise their
    mistakes with a `Diagnosis` instead."""

    hint: str
    answer: object = None

    @cached_property
    def wrong_answer(self):
        """The wrong answer, computed on first use and kept (some read a dataset)."""
        return resolve(self.answer)


def resolve(answer):
    """An answer declared as a value or as a function computing it."""
    return answer() if callable(answer) else answer


@dataclass(frozen=True)
class Exercise:
    """One exercise: what it is, how hard, how it is checked, and the hints it can give.

    ``mistakes`` maps a mistake's name to a `Mistake` (its hint and, for value and choice
    exercises, the wrong answer itself) or to a hint alone; for function exercises the name
    belongs to a `Diagnosis`.
    """

    id: str
    title: str
    difficulty: int  # 1 (warm-up) .. 3 (stretch)
    skill: str  # "by hand", "in code", "implement", "plot", "open"
    checker: ValueCheck | ChoiceCheck | FunctionCheck | OpenCheck
    hint: str = ""
    mistakes: Mapping[str, Mistake | str] = field(default_factory=dict)

    @property
    def notebook(self) -> str:
        return self.id.split(".")[0]

    def feedback(self, status: str, message: str, hint: str = "", diagnosis: str = "") -> Feedback:
        return Feedback(self.id, status, message, hint, diagnosis)

    def mistake_feedback(self, name: str, message: str) -> Feedback:
        mistake = self.mistakes.get(name)
        hint = mistake.hint if isinstance(mistake, Mistake) else mistake
        hint = hint or GENERIC_HINTS.get(name) or self.hint
        return self.feedback(NOT_QUITE, message, hint, diagnosis=name)

    def wrong_answers(self) -> list[tuple[str, object]]:
        """``(name, wrong answer)`` of each named mistake that declares its wrong answer."""
        return [
            (name, mistake.wrong_answer)
            for name, mistake in self.mistakes.items()
            if isinstance(mistake, Mistake) and mistake.answer is not None
        ]

    def not_yet(self) -> Feedback:
        return self.feedback(NOT_YET, "No answer yet: replace None with your answer.")


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class ValueCheck:
    """A numeric answer (scalar or array), right when it rounds like the expected one.

    ``answer`` is the expected value or a function computing it (run on the first check only,
    then kept). A student's value is right when it is within ``0.6 * 10**-decimals`` of it
    everywhere: what rounding to ``decimals`` decimals accepts, with room for an answer typed
    by hand from rounded intermediate results. ``shape_hints`` maps a wrong shape to a hint.
    """

    answer: object
    decimals: int = 3
    shape_hints: Mapping[tuple[int, ...], str] = field(default_factory=dict)
    kind: str = "value"

    @cached_property
    def expected(self) -> np.ndarray:
        """The right answer as an array, computed on the first check (some read a dataset)."""
        return _as_array(resolve(self.answer))

    def judge(self, exercise: Exercise, answer) -> Feedback:
        if is_stub(answer):
            return exercise.not_yet()
        try:
            values = as_number_array(answer)
        except AnswerProblem as problem:
            return exercise.feedback(NOT_QUITE, str(problem), exercise.hint)
        problem = describe_non_finite(values)
        if problem:
            return exercise.feedback(
                NOT_QUITE, problem, "NaN usually comes from 0/0: look for a division by zero."
            )
        expected = self.expected
        if values.shape != expected.shape and values.size == 1 == expected.size:
            values = values.reshape(expected.shape)  # 0.43, [0.43] and [[0.43]] are the same
        if values.shape != expected.shape:
            return self._wrong_shape(exercise, values, expected)
        return self._compare(exercise, values, expected)

    def _close(self, values, expected, decimals: int | None = None) -> bool:
        tolerance = 0.6 * 10.0 ** -(self.decimals if decimals is None else decimals)
        values, expected = np.asarray(values, dtype=np.float64), np.asarray(expected)
        return values.shape == expected.shape and bool(
            np.all(np.abs(values - expected) <= tolerance)
        )

    def _wrong_shape(self, exercise: Exercise, values: np.ndarray, expected) -> Feedback:
        shape = expected.shape
        if values.ndim == 2 and values.shape == shape[::-1] and self._close(values.T, expected):
            return exercise.mistake_feedback(
                "transposed", f"Your array has shape {values.shape}; expected {shape}."
            )
        wanted = "a single number" if shape == () else f"an array of shape {shape}"
        message = f"This exercise expects {wanted}; your answer has shape {values.shape}."
        hint = self.shape_hints.get(values.shape, "")
        if not hint and values.size == expected.size:
            hint = f"Same number of values: reshape with .reshape{shape}, or check the order."
        elif not hint:
            hint = "Read the question again: how many numbers does it ask for?"
        return exercise.feedback(NOT_QUITE, message, hint, diagnosis="shape")

    def _compare(self, exercise: Exercise, values: np.ndarray, expected) -> Feedback:
        if self._close(values, expected):
            return exercise.feedback(CORRECT, "Well done.")
        for name, wrong in self._wrong_answers(exercise, expected):
            if self._close(values, wrong):
                return exercise.mistake_feedback(name, "This is not the expected value.")
        kept = self._decimals_kept(values, expected)
        if kept is not None:
            return exercise.feedback(
                NOT_QUITE,
                f"Close: right to {kept} decimals, but not to {self.decimals}.",
                "Keep more decimals: compute in Python rather than rounding intermediate "
                f"results; the check rounds to {self.decimals} decimals for you.",
                diagnosis="coarse",
            )
        scaled, reference = scaled_to_largest(values), scaled_to_largest(expected)
        if scaled is not None and reference is not None and self._close(scaled, reference):
            return exercise.mistake_feedback("scaled", "This is not the expected value.")
        return exercise.feedback(NOT_QUITE, "This is not the expected value.", exercise.hint)

    def _decimals_kept(self, values: np.ndarray, expected) -> int | None:
        """How many decimals an under-precise answer kept: the most `k` below ``decimals`` such
        that the answer is the expected value rounded to `k` decimals (0.11 for 0.1134), or
        right to ``decimals - 1`` decimals however it was rounded. None for any other answer."""
        if self.decimals > 0 and self._close(values, expected, self.decimals - 1):
            return self.decimals - 1
        values = np.asarray(values, dtype=np.float64)
        for kept in range(self.decimals - 2, -1, -1):
            rounded = np.round(np.asarray(expected, dtype=np.float64), kept)
            if np.allclose(values, rounded, rtol=0, atol=1e-9):
                return kept
        return None

    def _wrong_answers(self, exercise: Exercise, expected):
        """The exercise's named mistakes first, then the slips any number can suffer, each
        only when it differs from the right answer."""
        named = [(name, _as_array(wrong)) for name, wrong in exercise.wrong_answers()]
        generic = list(generic_variants(expected).items())
        return [(n, w) for n, w in named + generic if not self._close(w, expected)]


def _as_array(answer) -> np.ndarray:
    return np.asarray(as_number_array(answer), dtype=np.float64)


def scaled_to_largest(values) -> np.ndarray | None:
    """`values` divided by its entry of largest magnitude: equal for answers off by a constant."""
    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        return None
    largest = values.ravel()[np.argmax(np.abs(values))]
    return None if largest == 0 else values / largest


def generic_variants(values: np.ndarray) -> dict[str, np.ndarray]:
    """Typical slips that apply to any numeric answer, by name."""
    variants = {"times_two": 2 * values, "half": values / 2, "percent": 100 * values}
    variants["negated"] = -values
    if values.ndim == 2 and values.shape[0] > 1 and values.shape[1] > 1:
        variants["transposed"] = values.T
    return variants


# ---------------------------------------------------------------- choices


@dataclass(frozen=True)
class ChoiceCheck:
    """Option letters: the right one (``answer="b"``) or every right one (``{"a", "c"}``)."""

    answer: str | frozenset[str] | set[str]
    options: Sequence[str] = ("a", "b", "c", "d")
    multiple: bool = False
    kind: str = "choice"

    def judge(self, exercise: Exercise, answer) -> Feedback:
        if is_stub(answer):
            return exercise.not_yet()
        try:
            letters = as_choices(answer, self.options)
        except AnswerProblem as problem:
            return exercise.feedback(NOT_QUITE, str(problem), exercise.hint)
        if len(letters) > 1 and not self.multiple:
            return exercise.feedback(
                NOT_QUITE, f"Choose exactly one option; you chose {len(letters)}.", exercise.hint
            )
        right = as_choices(self.answer, self.options)
        if letters == right:
            return exercise.feedback(CORRECT, "Well done.")
        for name, wrong in exercise.wrong_answers():
            if letters == as_choices(wrong, self.options):
                return exercise.mistake_feedback(name, "That is not the right choice.")
        if not self.multiple:
            return exercise.feedback(NOT_QUITE, "That is not the right choice.", exercise.hint)
        n_right = len(letters & right)
        verb = "is" if n_right == 1 else "are"
        message = (
            f"{n_right} of the {len(letters)} options you chose {verb} right, and there are "
            f"{len(right)} right options in all."
        )
        return exercise.feedback(NOT_QUITE, message, exercise.hint, diagnosis="partial")


# ---------------------------------------------------------------- functions


@dataclass(frozen=True)
class Case:
    """One input for a property check.

    ``label`` describes the input to a student ("a 2x3 score matrix with one masked entry");
    ``hint`` is shown when the student's function fails on this input and no diagnosis fits.
    """

    args: tuple
    label: str
    hint: str = ""
    kwargs: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class Diagnosis:
    """A recognisable mistake: ``test(case, student_output, expected_output) -> bool``."""

    name: str
    test: Callable[[Case, object, object], bool]


@dataclass(frozen=True)
class FunctionCheck:
    """Compare a student's function with the kit's reference on generated inputs.

    Parameters
    ----------
    reference : the kit's implementation, called with the same arguments.
    cases : ``cases(rng) -> list[Case]``, from simplest to hardest.
    reference_name : how the student is told what they were compared with.
    argument_names : names used when an input is shown ("scores = [...]").
    outputs : names of the returned values when the function returns a tuple.
    diagnoses : recognisable mistakes, tried in order when an output differs.
    """

    reference: Callable
    cases: Callable[[np.random.Generator], list[Case]]
    reference_name: str
    argument_names: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    diagnoses: tuple[Diagnosis, ...] = ()
    rtol: float = 1e-6
    atol: float = 1e-8
    seed: int = 0
    kind: str = "function"

    def judge(self, exercise: Exercise, answer) -> Feedback:
        if is_stub(answer):
            return exercise.not_yet()
        if not callable(answer):
            return exercise.feedback(
                NOT_QUITE,
                f"Pass the function itself, e.g. check({exercise.id!r}, my_function), without "
                f"parentheses; you passed a {type(answer).__name__}.",
            )
        cases = self.cases(np.random.default_rng(self.seed))
        for case in cases:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")  # the verdict says what matters, not numpy
                verdict = self._run_case(exercise, answer, case)
            if verdict is not None:
                return verdict
        return exercise.feedback(
            CORRECT, f"Your function agrees with {self.reference_name} on {len(cases)} inputs."
        )

    def _run_case(self, exercise: Exercise, function, case: Case) -> Feedback | None:
        student_args = copy.deepcopy(case.args)
        try:
            student = call_with_deadline(function, student_args, case.kwargs, DEADLINE_SECONDS)
        except NotImplementedError as error:
            return _not_written_yet(exercise, error)
        except DeadlineExceeded as error:
            return _too_slow(exercise, case, error)
        except SystemExit as error:
            return exercise.feedback(
                NOT_QUITE,
                f"Your function called exit() or sys.exit({error.code!r}) on {case.label}. "
                "A function hands its result back with `return`; exit() would stop the kernel.",
                diagnosis="exited",
            )
        except Exception as error:  # noqa: BLE001 (the student's code: report it, never raise)
            return exercise.feedback(
                NOT_QUITE,
                f"Your function raised {type(error).__name__}: {error} — on {case.label}"
                f"{_where_it_failed(error)}.{self._show_input(case)}",
                case.hint or exercise.hint,
                diagnosis="raised",
            )
        if student is None:
            return exercise.feedback(
                NOT_QUITE,
                f"Your function returned None on {case.label}.",
                "Did you forget the `return` line?",
                diagnosis="returned_none",
            )
        expected = self.reference(*copy.deepcopy(case.args), **case.kwargs)
        problem = self._compare(exercise, case, student, expected)
        if problem is None and not _same_inputs(student_args, case.args):
            return exercise.feedback(
                NOT_QUITE,
                f"Your function changed its input array in place on {case.label}.",
                "Work on a copy (x = x.copy()) or build a new array: the caller still needs "
                "the original.",
                diagnosis="changed_input",
            )
        return problem

    def _compare(self, exercise: Exercise, case: Case, student, expected) -> Feedback | None:
        named = self.outputs or ("output",)
        if self.outputs:
            if not isinstance(student, tuple | list) or len(student) != len(self.outputs):
                return exercise.feedback(
                    NOT_QUITE,
                    f"Your function should return {len(named)} things ({', '.join(named)}); "
                    f"it returned {_describe(student)}.",
                    f"End with: return {', '.join(named)}",
                    diagnosis="returned_wrong_count",
                )
            pairs = list(zip(named, student, expected, strict=True))
        else:
            pairs = [("output", student, expected)]
        for name, mine, reference in pairs:
            message = self._difference(name, mine, reference, case)
            if message is not None:
                return self._diagnose(exercise, case, student, expected, message)
        return None

    def _difference(self, name: str, mine, reference, case: Case) -> str | None:
        what = "output" if not self.outputs else f"`{name}`"
        try:
            mine = as_number_array(mine)
        except AnswerProblem as problem:
            return f"Your function's {what} cannot be read on {case.label}: {problem}"
        reference = as_number_array(reference)
        if mine.shape != reference.shape:
            return (
                f"Your function's {what} has shape {mine.shape} on {case.label}; expected shape "
                f"{reference.shape}.{self._show_input(case)}"
            )
        close = np.isclose(mine, reference, rtol=self.rtol, atol=self.atol)
        close |= np.isnan(mine) & np.isnan(reference)
        if close.all():
            return None
        if mine.ndim == 0:
            where = f" (yours: {float(mine):.4g})"
        else:
            position = tuple(int(i) for i in np.argwhere(~close)[0])
            nan_note = " (it is NaN there)" if np.isnan(mine[position]) else ""
            where = (
                f", first at position {position}{nan_note}; {int((~close).sum())} of "
                f"{close.size} values differ"
            )
        return (
            f"Your function's {what} differs from {self.reference_name} on {case.label}"
            f"{where}.{self._show_input(case)}"
        )

    def _show_input(self, case: Case) -> str:
        """The input, printed, when it is small enough to read."""
        arrays = [a for a in case.args if isinstance(a, np.ndarray)]
        if not arrays or sum(a.size for a in arrays) > 30:
            return ""
        names = self.argument_names or [f"argument {i + 1}" for i in range(len(case.args))]
        with np.printoptions(precision=3, suppress=True):
            shown = [f"{name} = {_format_argument(a)}" for name, a in zip(names, case.args)]
        shown += [f"{name} = {_format_argument(a)}" for name, a in case.kwargs.items()]
        return " Input: " + "; ".join(shown)

    def _diagnose(self, exercise, case, student, expected, message) -> Feedback:
        for diagnosis in self.diagnoses:
            try:
                found = diagnosis.test(case, student, expected)
            except Exception:  # noqa: BLE001 (a diagnosis is a guess; a failing guess is no guess)
                found = False
            if found:
                return exercise.mistake_feedback(diagnosis.name, message)
        return exercise.feedback(NOT_QUITE, message, case.hint or exercise.hint)


def _too_slow(exercise: Exercise, case: Case, error: DeadlineExceeded) -> Feedback:
    still = (
        " It is still running in the background: restart the kernel to stop it."
        if error.still_running
        else ""
    )
    return exercise.feedback(
        NOT_QUITE,
        f"Your function did not finish within {error.seconds:g} s on {case.label}.{still}",
        "Is there a loop whose condition never becomes false (a counter that is never increased)?",
        diagnosis="too_slow",
    )


def _not_written_yet(exercise: Exercise, error: NotImplementedError) -> Feedback:
    """Say "not yet", naming the other exercise when the stub that raised belongs to it."""
    other = re.search(r"Exercise (\d\d\.\d+)", str(error))
    if other and other.group(1) != exercise.id:
        return exercise.feedback(
            NOT_YET,
            f"Your function calls the one from exercise {other.group(1)}, which is not "
            f"written yet: finish {other.group(1)} first.",
        )
    return exercise.feedback(
        NOT_YET, "Your function still raises NotImplementedError: write its body in its place."
    )


def _same_inputs(after, before) -> bool:
    for new, old in zip(after, before, strict=True):
        if isinstance(old, np.ndarray) and not np.array_equal(new, old, equal_nan=True):
            return False
    return True


def _where_it_failed(error: Exception) -> str:
    """' (in line `...`)' for the deepest frame of the student's own code, if any."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.startswith(_KIT_DIR) and "site-packages" not in frame.filename
    ]
    if not frames or not frames[-1].line:
        return ""
    return f" (in the line `{frames[-1].line.strip()}`)"


def _format_argument(value) -> str:
    if isinstance(value, np.ndarray):
        return np.array2string(value, separator=", ").replace("\n", "")
    return repr(value)


def _describe(value) -> str:
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of {len(value)}"
    return f"a single {type(value).__name__}"


# ---------------------------------------------------------------- open questions


@dataclass(frozen=True)
class OpenCheck:
    """Free text: counted as answered once it has ``min_words`` words; ``after`` prompts a
    self-check (what a good answer discusses) once the student has written theirs."""

    min_words: int = 25
    after: str = "Compare your answer with a neighbour's, then with the discussion in class."
    kind: str = "open"

    def judge(self, exercise: Exercise, answer) -> Feedback:
        if is_stub(answer):
            return exercise.not_yet()
        try:
            text = as_text(answer)
        except AnswerProblem as problem:
            return exercise.feedback(NOT_QUITE, str(problem))
        n_words = len(text.split())
        if n_words < self.min_words:
            return exercise.feedback(
                NOT_QUITE,
                f"Your answer has {n_words} word{'s' * (n_words != 1)}; a few sentences (at least {self.min_words} "
                "words) are needed to explain the why.",
                exercise.hint,
                diagnosis="too_short",
            )
        return exercise.feedback(
            ANSWERED,
            f"Answered ({n_words} words). Open questions have no automatic grade.",
            self.after,
        )


def cannot_check(exercise_id: str, reason: str) -> Feedback:
    return Feedback(exercise_id, CANNOT_CHECK, reason)
