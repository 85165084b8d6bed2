"""What the recommender widgets share: the algorithm menu, fitted-model caching and film labels.

The widgets fit each model once on the dataset and then only fold the person in, once per
change (`model.fold_in`), which is what keeps every click under a tenth of a second. A model
is refitted only when its hyper-parameters change, and each (algorithm, hyper-parameters)
combination is fitted at most once per widget.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd

from cinelab import data, recsys
from cinelab.data import Dataset
from cinelab.recsys.content import TEXT_COLUMNS

# Display name -> how to build the model from the dataset and the tunable hyper-parameters.
ALGORITHMS: dict[str, Callable[..., recsys.Recommender]] = {
    "Popularity": lambda dataset, **hyper: recsys.Popularity(**hyper),
    "User-KNN": lambda dataset, **hyper: recsys.UserKNN(**hyper),
    "Item-KNN": lambda dataset, **hyper: recsys.ItemKNN(**hyper),
    "FunkSVD": lambda dataset, **hyper: recsys.FunkSVD(**hyper),
    "ALS": lambda dataset, **hyper: recsys.ALS(**hyper),
    "Content-based": lambda dataset, **hyper: _content_model(dataset, **hyper),
    "Hybrid": lambda dataset, **hyper: recsys.Hybrid(
        dataset.items, content=_content_model(dataset), **hyper
    ),
    "EASE (top-N)": lambda dataset, **hyper: recsys.EASE(**hyper),
}
TUNABLE = ("n_neighbours", "regularization")


def _content_model(dataset: Dataset, **hyper) -> recsys.ContentBased:
    """Content-based on whichever text the catalogue has (MovieLens has genres only)."""
    columns = tuple(c for c in TEXT_COLUMNS if c in dataset.items.columns)
    return recsys.ContentBased(dataset.items, text_columns=columns, **hyper)


def check_algorithm(name: str) -> str:
    if name not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {name!r}; choose one of {list(ALGORITHMS)}.")
    return name


def default_hyper_parameters(name: str, dataset: Dataset) -> dict:
    """The tunable hyper-parameters this algorithm has, at the kit's defaults."""
    params = ALGORITHMS[check_algorithm(name)](dataset).get_params()
    return {key: params[key] for key in TUNABLE if key in params}


def load_dataset(dataset: str | Dataset) -> Dataset:
    """Accept a dataset name for `cinelab.data.load` or an already loaded `Dataset`."""
    if isinstance(dataset, Dataset):
        return dataset
    if isinstance(dataset, str):
        return data.load(dataset)
    raise TypeError(
        f"dataset must be a name like 'cinelab' or a Dataset, got {type(dataset).__name__}."
    )


def film_labels(items: pd.DataFrame) -> dict:
    """``{item_id: "Title (year)"}``; the year is left out when unknown."""
    years = items["year"] if "year" in items.columns else pd.Series(np.nan, index=items.index)
    return {
        item_id: f"{title} ({int(year)})" if pd.notna(year) and f"({int(year)})" not in title
        else str(title)
        for item_id, title, year in zip(items["item_id"], items["title"], years, strict=True)
    }  # fmt: skip


def fold_text(text: str) -> str:
    """Lower case without accents, so "amelie" finds "Amélie"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class FilmSearch:
    """Title search: films whose folded title contains the query, best-known first.

    Titles that start with the query come before titles that merely contain it; within each
    group, films with more ratings come first (a person more likely means "Alien" than
    "Alien Nation").
    """

    def __init__(self, labels: dict, ratings: pd.DataFrame):
        counts = ratings["item_id"].value_counts()
        ordered = sorted(labels, key=lambda item: (-counts.get(item, 0), labels[item]))
        self.item_ids = ordered
        self.folded = [fold_text(labels[item]) for item in ordered]

    def find(self, query: str, limit: int) -> list:
        """Up to `limit` item ids matching `query`; an empty query gives the most rated films."""
        needle = fold_text(query.strip())
        if not needle:
            return self.item_ids[:limit]
        starts, contains = [], []
        for item_id, title in zip(self.item_ids, self.folded, strict=True):
            if title.startswith(needle):
                starts.append(item_id)
            elif needle in title:
                contains.append(item_id)
            if len(starts) >= limit:
                break
        return (starts + contains)[:limit]


class ModelCache:
    """Fitted models keyed by ``(algorithm, hyper-parameters)``; `fit_seconds` records cost."""

    def __init__(self, dataset: Dataset):
        self.dataset = dataset
        self._models: dict[tuple, recsys.Recommender] = {}
        self.fit_seconds: dict[tuple, float] = {}

    def key(self, algorithm: str, hyper: dict) -> tuple:
        return (check_algorithm(algorithm), tuple(sorted(hyper.items())))

    def is_fitted(self, algorithm: str, hyper: dict) -> bool:
        return self.key(algorithm, hyper) in self._models

    def get(self, algorithm: str, hyper: dict) -> recsys.Recommender:
        """The fitted model, fitting it now (once) if needed."""
        key = self.key(algorithm, hyper)
        if key not in self._models:
            start = time.perf_counter()
            model = ALGORITHMS[algorithm](self.dataset, **hyper)
            self._models[key] = model.fit(self.dataset.ratings)
            self.fit_seconds[key] = time.perf_counter() - start
        return self._models[key]
