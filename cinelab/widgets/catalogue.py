"""What the recommender widgets share: the dataset, film labels and search, fitted models.

The widgets fit each model once on the dataset and then only fold the person in, once per
change (`model.fold_in`), which is what keeps every click under a tenth of a second. A model
is refitted only when its hyper-parameters change, and each (model, hyper-parameters)
combination is fitted at most once per widget. The models themselves, and their menu, are
`cinelab.recsys.registry`.
"""

from __future__ import annotations

import time
import unicodedata

import numpy as np
import pandas as pd

from cinelab.data import Dataset, load
from cinelab.recsys.base import Recommender
from cinelab.recsys.registry import build_model, check_model_name

TUNABLE = ("n_neighbours", "regularization")  # the hyper-parameters the demo has sliders for


def default_hyper_parameters(name: str, dataset: Dataset) -> dict:
    """The tunable hyper-parameters this model has, at the kit's defaults."""
    params = build_model(name, dataset.items).get_params()
    return {key: params[key] for key in TUNABLE if key in params}


def load_dataset(dataset: str | Dataset) -> Dataset:
    """Accept a dataset name for `cinelab.data.load` or an already loaded `Dataset`."""
    if isinstance(dataset, Dataset):
        return dataset
    if isinstance(dataset, str):
        return load(dataset)
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
        self._models: dict[tuple, Recommender] = {}
        self.fit_seconds: dict[tuple, float] = {}

    def key(self, algorithm: str, hyper: dict) -> tuple:
        return (check_model_name(algorithm), tuple(sorted(hyper.items())))

    def is_fitted(self, algorithm: str, hyper: dict) -> bool:
        return self.key(algorithm, hyper) in self._models

    def get(self, algorithm: str, hyper: dict) -> Recommender:
        """The fitted model, fitting it now (once) if needed."""
        key = self.key(algorithm, hyper)
        if key not in self._models:
            start = time.perf_counter()
            model = build_model(algorithm, self.dataset.items, **hyper)
            self._models[key] = model.fit(self.dataset.ratings)
            self.fit_seconds[key] = time.perf_counter() - start
        return self._models[key]
