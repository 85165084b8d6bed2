"""The kit's recommenders by display name: the one list the widgets, the benchmark and the
tests share, so a new model appears everywhere once it is added here.

Every entry builds an unfitted model at the kit's defaults from the film catalogue (only the
content models read it) and any hyper-parameters the caller sets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from cinelab.recsys.base import Recommender
from cinelab.recsys.baseline import Baseline, Popularity
from cinelab.recsys.content import TEXT_COLUMNS, ContentBased, Hybrid
from cinelab.recsys.factorization import ALS, FunkSVD
from cinelab.recsys.knn import ItemKNN, UserKNN
from cinelab.recsys.ranking import EASE


@dataclass(frozen=True)
class ModelEntry:
    """How to build one model and what family it belongs to.

    ``family`` is "baseline", "collaborative" (learns from ratings alone), "content" (reads
    the catalogue) or "top-N" (scores are not ratings).
    """

    build: Callable[..., Recommender]
    family: str


def _content(items: pd.DataFrame | None, **hyper) -> ContentBased:
    """Content-based on whichever text the catalogue has (MovieLens has genres only)."""
    columns = tuple(c for c in TEXT_COLUMNS if items is not None and c in items.columns)
    return ContentBased(items, text_columns=columns or TEXT_COLUMNS, **hyper)


MODELS: dict[str, ModelEntry] = {
    "Popularity": ModelEntry(lambda items, **hyper: Popularity(**hyper), "baseline"),
    "Baseline": ModelEntry(lambda items, **hyper: Baseline(**hyper), "baseline"),
    "User-KNN": ModelEntry(lambda items, **hyper: UserKNN(**hyper), "collaborative"),
    "Item-KNN": ModelEntry(lambda items, **hyper: ItemKNN(**hyper), "collaborative"),
    "FunkSVD": ModelEntry(lambda items, **hyper: FunkSVD(**hyper), "collaborative"),
    "ALS": ModelEntry(lambda items, **hyper: ALS(**hyper), "collaborative"),
    "Content-based": ModelEntry(_content, "content"),
    "Hybrid": ModelEntry(
        lambda items, **hyper: Hybrid(items, content=_content(items), **hyper), "content"
    ),
    "EASE (top-N)": ModelEntry(lambda items, **hyper: EASE(**hyper), "top-N"),
}


def check_model_name(name: str, what: str = "model") -> str:
    """`name` if it is in `MODELS`, else a ValueError listing the names (`what` names the
    argument in the message, e.g. "algorithm" for the widgets)."""
    if name not in MODELS:
        raise ValueError(f"unknown {what} {name!r}; choose one of {list(MODELS)}.")
    return name


def build_model(name: str, items: pd.DataFrame | None = None, **hyper) -> Recommender:
    """An unfitted model by display name, e.g. ``build_model("Item-KNN", n_neighbours=20)``.

    `items` (the catalogue) is needed by the content models only.
    """
    return MODELS[check_model_name(name)].build(items, **hyper)


def model_names(*families: str) -> list[str]:
    """Display names, in menu order; only those of the given families when any are given."""
    return [name for name, entry in MODELS.items() if not families or entry.family in families]
