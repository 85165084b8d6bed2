"""What `check` says back: a status, a plain-words message and, when something is wrong, a hint.

A `Feedback` shows itself in a notebook (HTML) and in a terminal (text), so ``check(...)`` as the
last line of a cell is all a student needs. It never carries the expected answer.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from cinelab.arguments import one_of

CORRECT = "correct"
ANSWERED = "answered"  # open questions: there is no automatic grade, only "you wrote something"
NOT_QUITE = "not quite"
NOT_YET = "not yet"  # a stub, None, ... or a function that still raises NotImplementedError
CANNOT_CHECK = "cannot check"  # unknown exercise id, or a problem on the kit's side

STATUSES = (CORRECT, ANSWERED, NOT_QUITE, NOT_YET, CANNOT_CHECK)
_ICONS = {CORRECT: "✅", ANSWERED: "📝", NOT_QUITE: "❌", NOT_YET: "⏳", CANNOT_CHECK: "⚠️"}
_COLOURS = {
    CORRECT: "#1b7f3b",
    ANSWERED: "#1f5fa8",
    NOT_QUITE: "#b3261e",
    NOT_YET: "#7a5b00",
    CANNOT_CHECK: "#7a5b00",
}


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer.

    Attributes
    ----------
    exercise : the exercise id, e.g. ``"02.3"``.
    status : one of ``STATUSES``.
    message : what was found, in plain words.
    hint : what to try next (empty when correct).
    diagnosis : short machine name of the recognised mistake (``"forgot_scale"``), or ``""``;
        tests and the instructor's hidden checks use it, students read the hint.
    """

    exercise: str
    status: str
    message: str
    hint: str = ""
    diagnosis: str = ""

    def __post_init__(self) -> None:
        one_of(self.status, "status", STATUSES)

    @property
    def passed(self) -> bool:
        """True when the exercise counts as done (correct, or an open question answered)."""
        return self.status in (CORRECT, ANSWERED)

    @property
    def correct(self) -> bool:
        return self.status == CORRECT

    def __str__(self) -> str:
        text = f"{_ICONS[self.status]} Exercise {self.exercise}: {self.status}. {self.message}"
        return f"{text}\n   Hint: {self.hint}" if self.hint else text

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.status]
        hint = f"<br><b>Hint:</b> {html.escape(self.hint)}" if self.hint else ""
        return (
            f'<div style="border-left: 4px solid {colour}; padding: 4px 10px;">'
            f"{_ICONS[self.status]} <b>Exercise {html.escape(self.exercise)}: "
            f'<span style="color: {colour}">{self.status}</span></b>. '
            f"{html.escape(self.message)}{hint}</div>"
        )
