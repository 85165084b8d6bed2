"""The `Dataset` every loader returns: ratings, the film catalogue, and (for synthetic data) the truth."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass
class Dataset:
    """Ratings plus the films they are about.

    Attributes
    ----------
    name : str
        Where the data came from, e.g. ``"cinelab"`` or ``"movielens-100k"``.
    ratings : DataFrame
        ``user_id, item_id, rating, timestamp``, one row per (user, film) pair.
    items : DataFrame
        ``item_id, title, year, genres`` (pipe-separated), plus ``logline``/``tagline`` when known.
    rating_scale : (float, float)
        The lowest and highest rating the source allows.
    truth : object or None
        For the synthetic data only: the planted biases and factors that generated the ratings.
    identity : str or None
        What the data *is*, whatever it is called (see `key`); set by the loaders.
    """

    name: str
    ratings: pd.DataFrame
    items: pd.DataFrame
    rating_scale: tuple[float, float] = (0.5, 5.0)
    truth: Any = field(default=None, repr=False)
    identity: str | None = None

    @property
    def key(self) -> str:
        """A stable id for what this dataset is, used to keep saved ratings apart.

        Two copies of one MovieLens release share it, whatever their folders are called; a
        folder that happens to be called "cinelab" does not get the kit's key. Without an
        `identity` from a loader, the key is a fingerprint of the catalogue.
        """
        return self.identity or catalogue_key(self.items)

    def describe(self) -> str:
        """A few lines of the numbers that matter for recommendation: size, sparsity, scale."""
        r = self.ratings
        n_users, n_items = r["user_id"].nunique(), r["item_id"].nunique()
        density = len(r) / (n_users * n_items)
        per_user = r.groupby("user_id").size()
        start, end = (
            pd.to_datetime(r["timestamp"].agg(f), unit="s").date() for f in ("min", "max")
        )
        return "\n".join(
            [
                f"Dataset {self.name!r}",
                (
                    f"  ratings: {len(r):,} by {n_users:,} users on {n_items:,} rated films "
                    f"({len(self.items):,} in the catalogue)"
                ),
                f"  density: {density:.2%} of the user x film matrix is filled",
                (
                    f"  scale: {self.rating_scale[0]:g}-{self.rating_scale[1]:g}, "
                    f"mean {r['rating'].mean():.2f}"
                ),
                (
                    f"  ratings per user: min {per_user.min()}, median {per_user.median():.0f}, "
                    f"max {per_user.max()}"
                ),
                f"  dates: {start} to {end}",
            ]
        )

    def title(self, item_id) -> str:
        """The title of one film, for labels in plots and widgets."""
        match = self.items.loc[self.items["item_id"] == item_id, "title"]
        if match.empty:
            raise KeyError(f"item_id {item_id!r} is not in the {self.name!r} catalogue.")
        return str(match.iloc[0])

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, ratings={len(self.ratings):,} rows, "
            f"items={len(self.items):,} rows)"
        )


def catalogue_key(items: pd.DataFrame, prefix: str = "catalogue") -> str:
    """``prefix:<16 hex digits>`` from the catalogue's ids and titles (same films, same key)."""
    table = items[["item_id", "title"]].astype(str).sort_values(["item_id", "title"])
    text = "\n".join(table["item_id"] + "\t" + table["title"])
    return f"{prefix}:{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}"
