"""What a model says about one prediction: typed terms, and the one sentence that sums them up.

Every model's ``explain`` splits a prediction into `Term`s whose values add up to it exactly:
the global mean, the user's and the film's biases, one term per neighbour, the taste match of
the factors, the clipping to the rating scale. Each term has a `TermKind`, so code that reads
an explanation (the `reason` below, the widgets, the exercises) asks "is this a film
neighbour?" instead of parsing a label. `terms_frame` lays the terms out as the DataFrame that
``explain`` returns (a ``kind`` column keeps the type), and `terms_of` reads them back.

`reason` is the kit's one sentence for "why this film?". It prefers what ties the film to
*you*: the film you rated that pushed it up most, the people who rate like you, the match of
your tastes; otherwise the biggest personal term. The global mean and the clipping are the
same for everyone, so they never are the reason.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

_LIKED_STARS = 4  # from this many stars, "you liked it"


class TermKind(str, enum.Enum):
    """What an explanation term stands for (its value is the label used in tables)."""

    GLOBAL_MEAN = "global mean"
    USER_BIAS = "user bias"
    FILM_BIAS = "film bias"
    UNKNOWN_USER = "unknown user"  # always 0: nothing is known about this person
    UNKNOWN_FILM = "unknown film"  # always 0: the model has never seen this film
    USER_MEAN = "user mean"  # the base of mean-centred user neighbours
    FILM_MEAN = "film mean"  # the base of mean-centred film neighbours
    USER_NEIGHBOUR = "user neighbour"  # a person who rates like you, and rated this film
    FILM_NEIGHBOUR = "film neighbour"  # a film you rated that people rate like this one
    CONTENT = "content"  # a film you rated whose description resembles this one
    FACTORS = "taste match (factors)"
    CLIP = "clipped to the rating scale"


_IMPERSONAL = {TermKind.GLOBAL_MEAN, TermKind.USER_MEAN, TermKind.FILM_MEAN, TermKind.CLIP}
_NEIGHBOURS = {TermKind.USER_NEIGHBOUR, TermKind.FILM_NEIGHBOUR, TermKind.CONTENT}


@dataclass(frozen=True)
class Term:
    """One additive part of a prediction.

    Attributes
    ----------
    kind : TermKind
    value : float
        Its contribution, in stars (scores for ranking models).
    refers_to : optional
        The neighbour's id (a user id for user neighbours, a film id otherwise).
    similarity, rating : float
        For neighbours: how similar it is, and the rating it brings (your rating of a
        neighbour film; the neighbour's rating of this film). NaN when not used.
    part : str, optional
        For blends (`Hybrid`): which part the term comes from, already weighted.
    support : int, optional
        For a film's popularity: how many people rated it.
    """

    kind: TermKind
    value: float
    refers_to: object = None
    similarity: float = math.nan
    rating: float = math.nan
    part: str | None = None
    support: int | None = None

    @property
    def label(self) -> str:
        """``"film 260"`` / ``"user 12"`` for neighbours, the kind otherwise."""
        if self.kind is TermKind.USER_NEIGHBOUR:
            name = f"user {self.refers_to}"
        elif self.kind in (TermKind.FILM_NEIGHBOUR, TermKind.CONTENT):
            name = f"film {self.refers_to}"
        else:
            name = self.kind.value
        return f"{self.part}: {name}" if self.part else name


def terms_frame(terms: Iterable[Term]) -> pd.DataFrame:
    """The terms as the frame ``explain`` returns: ``term, kind, value`` and, when there are
    neighbours, ``neighbour_id, similarity, rating`` (and ``part`` for blends)."""
    terms = list(terms)
    frame = pd.DataFrame(
        {
            "term": [t.label for t in terms],
            "kind": pd.Series([t.kind for t in terms], dtype=object),
            "value": np.array([t.value for t in terms], dtype=np.float64),
        }
    )
    if any(t.kind in _NEIGHBOURS for t in terms):
        frame["neighbour_id"] = pd.Series([t.refers_to for t in terms], dtype=object)
        frame["similarity"] = [t.similarity for t in terms]
        frame["rating"] = [t.rating for t in terms]
    if any(t.part for t in terms):
        frame["part"] = [t.part for t in terms]
    if any(t.support is not None for t in terms):
        frame["support"] = pd.Series([t.support for t in terms], dtype=object)
    return frame


def terms_of(frame: pd.DataFrame) -> list[Term]:
    """The typed terms back from a frame made by `terms_frame` (what ``explain`` returns)."""
    columns = {c: frame[c].tolist() for c in frame.columns}
    n = len(frame)

    def column(name, default):
        return columns.get(name, [default] * n)

    return [
        Term(
            TermKind(kind),
            float(value),
            refers_to=None if _missing(refers) else refers,
            similarity=float(similarity),
            rating=float(rating),
            part=None if _missing(part) else part,
            support=None if _missing(support) else int(support),
        )
        for kind, value, refers, similarity, rating, part, support in zip(
            columns["kind"], columns["value"], column("neighbour_id", None),
            column("similarity", math.nan), column("rating", math.nan), column("part", None),
            column("support", None), strict=True,
        )
    ]  # fmt: skip


def reason(terms: pd.DataFrame | Iterable[Term], titles: Mapping | None = None) -> str:
    """One short sentence for "why this film?", from a model's explanation terms.

    Parameters
    ----------
    terms : DataFrame or iterable of Term
        What ``explain`` returned.
    titles : mapping, optional
        ``{item_id: title}`` so films are named rather than numbered.
    """
    terms = terms_of(terms) if isinstance(terms, pd.DataFrame) else list(terms)
    kinds = {t.kind for t in terms}
    if TermKind.UNKNOWN_FILM in kinds:
        return "The model has never seen this film: it gets the average prediction."
    popularity = [t.support for t in terms if t.support is not None]
    if popularity and not kinds & (_NEIGHBOURS | {TermKind.USER_BIAS, TermKind.FACTORS}):
        return f"Popular: {popularity[0]:,} people rated it."
    film_bias = sum(t.value for t in terms if t.kind is TermKind.FILM_BIAS)
    if TermKind.UNKNOWN_USER in kinds:
        return f"You have not rated anything yet: {_film_bias_phrase(film_bias)}."
    evidence = _neighbour_evidence(terms)
    if evidence and evidence[0][1] > 0:
        return _neighbour_sentence(*evidence[0], titles)
    return _largest_term_sentence(terms, evidence, titles)


def _neighbour_evidence(terms: list[Term]) -> list[tuple[object, float, list[Term]]]:
    """Neighbour evidence, strongest first: each film on its own (summed over a blend's
    parts), all the people who rate like you together (one person says little)."""
    groups: dict[object, list[Term]] = {}
    for term in terms:
        if term.kind is TermKind.USER_NEIGHBOUR:
            groups.setdefault(("people",), []).append(term)
        elif term.kind in (TermKind.FILM_NEIGHBOUR, TermKind.CONTENT):
            groups.setdefault((term.kind, term.refers_to), []).append(term)
    evidence = [(key, sum(t.value for t in group), group) for key, group in groups.items()]
    return sorted(evidence, key=lambda entry: -entry[1])


def _neighbour_sentence(key, value: float, group: list[Term], titles: Mapping | None) -> str:
    if key == ("people",):
        weights = np.array([t.similarity for t in group])  # (n_neighbours,)
        mean = float(np.average([t.rating for t in group], weights=weights))
        return f"{len(group)} people who rate like you gave it {mean:.1f}★ on average."
    term = group[0]
    title = _title(term.refers_to, titles)
    stars = term.rating
    if term.kind is TermKind.CONTENT:
        yours = f" (you gave it {stars:g}★)" if not math.isnan(stars) else ""
        direction = "and" if value > 0 else "but"
        return f"Its description resembles {title}{yours}, {direction} that moves it {value:+.2f}."
    if value > 0 and not math.isnan(stars) and stars >= _LIKED_STARS:
        return f"You rated {title} {stars:g}★ and people who liked it liked this."
    if value > 0:
        yours = f" (you gave it {stars:g}★)" if not math.isnan(stars) else ""
        return f"You watched {title}{yours}, and people who watched it watched this."
    return f"You rated {title} {stars:g}★, and people who rate it like you rate this lower."


_PHRASES = {
    TermKind.FACTORS: ("It matches the tastes your ratings reveal", "It goes against the tastes your ratings reveal"),
    TermKind.USER_BIAS: ("You rate generously", "You rate strictly"),
}  # fmt: skip


def _largest_term_sentence(terms: list[Term], evidence, titles: Mapping | None) -> str:
    """The biggest personal contribution (biases and taste summed over a blend's parts)."""
    totals: dict[TermKind, float] = {}
    for term in terms:
        if term.kind not in _IMPERSONAL and term.kind not in _NEIGHBOURS:
            totals[term.kind] = totals.get(term.kind, 0.0) + term.value
    candidates = [(abs(v), 0, kind, v) for kind, v in totals.items()]
    candidates += [(abs(v), 1, key, v) for key, v, _ in evidence]
    best = max(candidates, key=lambda c: c[0], default=None)
    if best is None or best[0] == 0:
        return "Nothing personal tips the balance: it sits at the average."
    _, is_evidence, key, value = best
    if is_evidence:
        group = next(group for k, _, group in evidence if k == key)
        return _neighbour_sentence(key, value, group, titles)
    if key is TermKind.FILM_BIAS:
        return f"{_film_bias_phrase(value).capitalize()}."
    up, down = _PHRASES[key]
    return f"{up if value > 0 else down} ({value:+.2f})."


def _film_bias_phrase(value: float) -> str:
    if value == 0:
        return "most people rate it about average"
    side = "above" if value > 0 else "below"
    return f"most people rate it {side} average ({value:+.2f})"


def _title(item_id, titles: Mapping | None) -> str:
    if titles is not None and item_id in titles:
        return str(titles[item_id])
    return f"film {item_id}"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
