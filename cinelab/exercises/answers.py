"""Turn whatever a student passes to `check` into something comparable, or say why not.

Students pass numbers, lists, numpy arrays, pandas objects, torch tensors, letters, sets and
text. Each reader here either returns a clean value or raises `AnswerProblem` with a sentence
a student understands; `is_stub` recognises "nothing written yet".
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

_STUB_TEXTS = {"", "...", "your answer here", "todo"}


class AnswerProblem(Exception):
    """The answer cannot be read; the message says why, in a student's words."""


def is_stub(answer) -> bool:
    """True for ``None``, ``...`` and placeholder text: the student has not answered yet."""
    if answer is None or answer is Ellipsis:
        return True
    return isinstance(answer, str) and answer.strip().lower() in _STUB_TEXTS


def as_number_array(answer) -> np.ndarray:
    """A float64 array from a number, list, array, DataFrame, Series or tensor."""
    if isinstance(answer, str):
        try:
            return np.asarray(float(answer.strip()))
        except ValueError:
            raise AnswerProblem(
                f"This exercise expects a number or an array of numbers, and you gave the "
                f"text {_short(answer)}."
            ) from None
    if isinstance(answer, dict | set | frozenset):
        raise AnswerProblem(
            f"This exercise expects a number or an array of numbers, not a {type(answer).__name__}."
        )
    if hasattr(answer, "detach"):  # a torch tensor, without importing torch
        answer = answer.detach().cpu().numpy()
    if hasattr(answer, "to_numpy"):  # a pandas Series or DataFrame
        answer = answer.to_numpy()
    ragged = AnswerProblem(
        "Your answer mixes numbers with other things, or its rows have different lengths; "
        "every row must have the same number of numbers."
    )
    try:
        array = np.asarray(answer)
    except (ValueError, TypeError):
        raise ragged from None
    if array.dtype == object:
        raise ragged
    if np.iscomplexobj(array):
        raise AnswerProblem("Your answer holds complex numbers; expected real numbers.")
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise AnswerProblem(f"Your answer holds {array.dtype} values, not numbers.")
    return array.astype(np.float64)


def describe_non_finite(array: np.ndarray) -> str | None:
    """A sentence locating the first NaN or infinity in `array`, or None if all are finite."""
    bad = ~np.isfinite(array)
    if not bad.any():
        return None
    where = tuple(int(i) for i in np.argwhere(bad)[0]) if array.ndim else ()
    what = "NaN (not a number)" if np.isnan(array[where]) else "an infinite value"
    place = f" at position {where}" if where else ""
    return f"Your answer contains {what}{place}, {int(bad.sum())} such value(s) in all."


def as_choices(answer, options: Iterable[str]) -> frozenset[str]:
    """A set of option letters from ``"b"``, ``"(B)"``, ``"a, c"`` or ``["a", "c"]``."""
    options = tuple(options)
    if isinstance(answer, str):
        pieces = answer.replace(";", ",").replace(" ", ",").split(",")
    elif isinstance(answer, Iterable):
        pieces = list(answer)
    else:
        raise AnswerProblem(
            f'Answer with the letter of your choice, e.g. "{options[0]}"; you gave '
            f"{_short(answer)}."
        )
    letters = set()
    for piece in pieces:
        if not isinstance(piece, str):
            raise AnswerProblem(f'Give option letters as text, like "{options[0]}"; got {piece!r}.')
        letter = piece.strip().strip("()[].").lower()
        if not letter:
            continue
        if letter not in options:
            raise AnswerProblem(
                f"{piece.strip()!r} is not one of the options; choose from {', '.join(options)}."
            )
        letters.add(letter)
    if not letters:
        raise AnswerProblem(f"No option chosen; choose from {', '.join(options)}.")
    return frozenset(letters)


def as_text(answer) -> str:
    """The text of an open answer."""
    if not isinstance(answer, str):
        raise AnswerProblem(
            'Write your answer as text between quotes, e.g. answer = """Because ...""".'
        )
    return answer.strip()


def _short(value, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
