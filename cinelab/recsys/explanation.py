"""Turn a model's explanation terms into one sentence a person can read.

Every model's ``explain`` returns a frame whose ``value`` column sums to its prediction. The
biggest personal term (not the global mean, which is the same for everyone) is usually the
honest one-line answer to "why this film?".
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

CLIP_TERM = "clipped to the rating scale"
_IMPERSONAL_TERMS = ("global mean", CLIP_TERM)


def describe_explanation(terms: pd.DataFrame, titles: Mapping | None = None) -> str:
    """One line naming the term that moved the prediction most, e.g. for a widget caption.

    Parameters
    ----------
    terms : DataFrame
        The output of a model's ``explain`` (columns ``term, value``, optionally
        ``neighbour_id, similarity, rating``).
    titles : mapping, optional
        ``{item_id: title}`` so neighbour films are named rather than numbered.
    """
    total = float(terms["value"].sum())
    top_position = largest_personal_term(terms)
    if top_position is None:
        return f"Predicted {total:.2f}: the average film, nothing personal is known yet."
    top = terms.iloc[top_position]
    direction = "raises" if top["value"] > 0 else "lowers"
    if "neighbour_id" in terms.columns and pd.notna(top["neighbour_id"]):
        name = _name(top["term"], top["neighbour_id"], titles)
        return (
            f"Predicted {total:.2f}, mostly because of {name} (rating {top['rating']:g}, "
            f"similarity {top['similarity']:.2f}), which {direction} it by {abs(top['value']):.2f}."
        )
    return f"Predicted {total:.2f}; the {top['term']} {direction} it most ({top['value']:+.2f})."


def largest_personal_term(terms: pd.DataFrame) -> int | None:
    """Row position of the personal term with the largest absolute value (first on ties), or
    None when every personal term is 0 (numpy, not pandas filtering: widgets call it often)."""
    values = np.abs(terms["value"].to_numpy(dtype=np.float64))  # (n_terms,)
    personal = ~np.isin(terms["term"].to_numpy(dtype=object), _IMPERSONAL_TERMS)  # (n_terms,)
    if not personal.any() or values[personal].max() == 0:
        return None
    return int(np.flatnonzero(personal)[np.argmax(values[personal])])


def _name(term: str, identifier, titles: Mapping | None) -> str:
    """Neighbour terms read "film 260" or "user 12"; films get their title when known."""
    if term.startswith("film") and titles is not None and identifier in titles:
        return f"'{titles[identifier]}'"
    return term
