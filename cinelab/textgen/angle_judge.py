"""Which angle was this copy written for? A judge trained on the kit's hand-written copy.

The viewer reaches the kit's model as an *angle*: the film's genre they care most about. The
word distance of :func:`~cinelab.textgen.metrics.viewer_contrast` says whether two viewers'
copy *differs*; it cannot say whether the comedy fan's copy is the funnier one. A judge that
has learnt how each angle sells a film can: given a piece and two of the film's genres, which
one was it written for?

The judge is a bag of words: TF-IDF over words and word pairs, then complement naive Bayes
over the 18 genres (scikit-learn; it fits in a tenth of a second and ranked held-out lines as
well as a logistic regression that took 17 s), trained on the corpus lines of the *training*
films, each labelled with the angle its writer sold the film from. The film's title is masked, so the
judge reads how a line sells, not which film it names. It is weak (on the hand-written lines
of held-out films it ranks the right angle above another of the film's genres about 7 times in
10), but the model never saw it and it never saw the model, so its verdict on the model's copy
is an independent one.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.naive_bayes import ComplementNB

TITLE_MASK = " "  # what a title becomes before the judge reads a line
SMOOTHING = 0.3  # naive Bayes' alpha; held-out pairwise accuracy 0.1: 0.713, 0.3: 0.721, 1: 0.702


class AngleJudge:
    """Rank a film's genres by how well a piece of copy sells each (scikit-learn style).

    ``fit(lines)`` takes ``title, text, angle`` rows; ``margin(text, title, angle, other)`` is
    the judge's log-odds that ``text`` was written for ``angle`` rather than ``other``.
    """

    def __init__(self, smoothing: float = SMOOTHING):
        self.smoothing = smoothing

    def fit(self, lines: pd.DataFrame) -> AngleJudge:
        missing = {"title", "text", "angle"} - set(lines.columns)
        if missing:
            raise ValueError(f"AngleJudge.fit needs title, text and angle columns; {missing} lack.")
        if lines["angle"].nunique() < 2:
            raise ValueError("AngleJudge.fit needs lines written for at least two angles.")
        self.vectorizer_ = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        features = self.vectorizer_.fit_transform(_masked(lines))  # (n_lines, n_terms)
        self.classifier_ = ComplementNB(alpha=self.smoothing)
        self.classifier_.fit(features, lines["angle"])
        self.angles_ = [str(angle) for angle in self.classifier_.classes_]
        return self

    def log_probabilities(self, texts: Sequence[str], titles: Sequence[str]) -> pd.DataFrame:
        """One row per text, one column per angle: the judge's log-probability of each."""
        self._require_fitted()
        lines = pd.DataFrame({"text": list(texts), "title": list(titles)})
        features = self.vectorizer_.transform(_masked(lines))  # (n_texts, n_terms)
        return pd.DataFrame(self.classifier_.predict_log_proba(features), columns=self.angles_)

    def margin(self, text: str, title: str, angle: str, other: str) -> float:
        """How much more the judge believes ``text`` sells ``angle`` than ``other`` (log-odds)."""
        self._require_angles(angle, other)
        scores = self.log_probabilities([text], [title]).iloc[0]
        return float(scores[angle] - scores[other])

    def pairwise_accuracy(self, lines: pd.DataFrame, films: pd.DataFrame) -> float:
        """Share of (line, other genre of its film) pairs where the line's own angle wins.

        Chance is 0.5. ``lines`` needs ``title, year, text, angle``; ``films`` the catalogue.
        """
        genres = films.set_index(["title", "year"])["genres"]
        scores = self.log_probabilities(lines["text"], lines["title"])  # (n_lines, n_angles)
        wins = [
            scores.at[i, row.angle] > scores.at[i, other]
            for i, row in enumerate(lines.itertuples())
            for other in genres.loc[(row.title, row.year)].split("|")
            if other != row.angle and other in self.angles_ and row.angle in self.angles_
        ]
        if not wins:
            raise ValueError("No line has an angle and another genre the judge knows.")
        return float(np.mean(wins))

    def _require_fitted(self) -> None:
        if not hasattr(self, "classifier_"):
            raise RuntimeError("This AngleJudge is not fitted yet: call fit(lines) first.")

    def _require_angles(self, *angles: str) -> None:
        self._require_fitted()
        unknown = [angle for angle in angles if angle not in self.angles_]
        if unknown:
            raise ValueError(f"The judge knows no angle {unknown}; it knows {self.angles_}.")


@dataclass(frozen=True)
class AngleVerdict:
    """Did the judge put each viewer's copy with its own angle?

    ``right`` is the share of seeds where viewer A's piece leans further towards A's angle
    (against B's) than viewer B's piece does (a tie counts half): 0.5 is chance, 1 means
    every pair told apart.
    """

    right: float
    pairs: int
    angle_a: str
    angle_b: str


def judge_viewers(
    judge: AngleJudge,
    copies_a: Sequence[str],
    copies_b: Sequence[str],
    title: str,
    angle_a: str,
    angle_b: str,
) -> AngleVerdict:
    """Judge two viewers' copy of one film, ``copies_a[i]`` and ``copies_b[i]`` sharing seed i."""
    if angle_a == angle_b:
        raise ValueError(
            f"Both viewers have the angle {angle_a!r} for this film: there is nothing to judge."
        )
    if len(copies_a) != len(copies_b) or not copies_a:
        raise ValueError(
            f"judge_viewers needs one piece per seed for each viewer; got {len(copies_a)} and"
            f" {len(copies_b)}."
        )
    judge._require_angles(angle_a, angle_b)
    scores = judge.log_probabilities([*copies_a, *copies_b], [title] * 2 * len(copies_a))
    lean = (scores[angle_a] - scores[angle_b]).to_numpy()  # (2 n,) towards A's angle
    n = len(copies_a)
    right = (lean[:n] > lean[n:]) + 0.5 * (lean[:n] == lean[n:])  # (n,) a tie is a coin toss
    return AngleVerdict(float(right.mean()), n, angle_a, angle_b)


@functools.cache
def kit_angle_judge() -> AngleJudge:
    """The judge fitted on the corpus lines of the kit's training films (about a second)."""
    from cinelab.textgen.corpus import load_copy, split_of

    lines = load_copy()
    training = [split_of(title, year) == "train" for title, year in zip(lines.title, lines.year)]
    return AngleJudge().fit(lines[training])


def _masked(lines: pd.DataFrame) -> list[str]:
    return [text.replace(title, TITLE_MASK) for text, title in zip(lines["text"], lines["title"])]
