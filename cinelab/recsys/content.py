"""Content-based and hybrid recommendation: what a film is about, not only who rated it.

`ContentBased` is item-based neighbours where film similarity comes from the films' own text
(genres, logline, tagline) through TF-IDF, instead of from co-ratings. It therefore works for a
film nobody has rated yet, which collaborative filtering cannot do (the cold-start problem).
`Hybrid` blends the two per film, trusting collaborative filtering more as a film's ratings grow.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer

from cinelab.arguments import positive_number
from cinelab.recsys.base import Recommender
from cinelab.recsys.explanation import Term, TermKind
from cinelab.recsys.knn import ItemKNN, NeighbourModel
from cinelab.recsys.similarity import pairwise_similarity

TEXT_COLUMNS = ("genres", "logline", "tagline")


def film_documents(items: pd.DataFrame, text_columns=TEXT_COLUMNS) -> pd.Series:
    """One text per film: genres as single tokens (``genre_scifi``) plus the chosen columns."""
    missing = [c for c in ("item_id", *text_columns) if c not in items.columns and c != "tagline"]
    if missing:
        raise ValueError(f"items needs columns {missing} for content features.")
    parts = []
    for column in text_columns:
        if column not in items.columns:
            continue
        text = items[column].fillna("").astype(str)
        if column == "genres":
            text = (
                text.str.lower()
                .str.replace("-", "")
                .str.split("|")
                .map(lambda genres: " ".join(f"genre_{g.replace(' ', '')}" for g in genres if g))
            )
        parts.append(text)
    documents = parts[0].str.cat(parts[1:], sep=" ") if len(parts) > 1 else parts[0]
    return pd.Series(documents.to_numpy(), index=items["item_id"].to_numpy())


class ContentBased(NeighbourModel):
    """Item-based neighbours with TF-IDF cosine similarity of the films' descriptions.

    Parameters
    ----------
    items : DataFrame
        The catalogue (``item_id`` plus text columns); films in it that nobody rated can still
        be recommended.
    text_columns : tuple of str
        Which columns describe a film.
    n_neighbours : int
        How many of the user's rated films, most similar to the target, are averaged.
    centering : {"baseline", "mean", "none"}
        As in `ItemKNN`.
    damping : float or None
        As in `ItemKNN`: a film resembling only one of your films, and weakly, stays near its
        base.
    """

    user_based = False
    similarity = "cosine"
    shrinkage = 0.0
    neighbour_kind = TermKind.CONTENT

    def __init__(
        self,
        items: pd.DataFrame | None = None,
        text_columns: tuple[str, ...] = TEXT_COLUMNS,
        n_neighbours: int = 40,
        centering: str = "baseline",
        damping: float | None = None,
    ):
        self.items = items
        self.text_columns = text_columns
        self.n_neighbours = n_neighbours
        self.centering = centering
        self.damping = damping

    def _item_universe(self, ratings: pd.DataFrame) -> np.ndarray:
        if self.items is None or "item_id" not in self.items.columns:
            raise ValueError(
                f"{type(self).__name__} needs the film catalogue: pass items=dataset.items."
            )
        try:
            return np.union1d(ratings["item_id"].unique(), self.items["item_id"].unique())
        except TypeError:  # numbers and text cannot be sorted together
            raise ValueError(
                "items' item_id and the ratings' item_id are of different kinds (numbers vs "
                "text): they must name films the same way."
            ) from None

    def _fit(self) -> None:
        documents = film_documents(self.items, self.text_columns)
        documents = documents[~documents.index.duplicated()].reindex(self.item_ids_).fillna("")
        vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
        self.features_ = vectorizer.fit_transform(documents.to_numpy())  # (n_items, n_terms)
        self.vocabulary_ = vectorizer.get_feature_names_out()
        super()._fit()

    def _similarities(self, rows: np.ndarray, columns: np.ndarray | None) -> np.ndarray:
        others = self.features_ if columns is None else self.features_[columns]
        return pairwise_similarity(self.features_[rows], others, "cosine").astype(np.float32)


class Hybrid(Recommender):
    """``w_i * collaborative + (1 - w_i) * content`` with ``w_i = n_i / (n_i + blend_ratings)``.

    ``n_i`` is the film's number of training ratings: a new film (n = 0) is pure content, a
    film with many ratings is almost pure collaborative filtering.

    Parameters
    ----------
    items : DataFrame
        The catalogue, for the content part.
    collaborative : Recommender, optional
        Unfitted collaborative model (default `ItemKNN()`); it is cloned before fitting.
    content : ContentBased, optional
        Unfitted content model (default ``ContentBased(items)``).
    blend_ratings : float
        Number of ratings at which both parts weigh the same.
    """

    def __init__(
        self,
        items: pd.DataFrame | None = None,
        collaborative: Recommender | None = None,
        content: ContentBased | None = None,
        blend_ratings: float = 10.0,
    ):
        self.items = items
        self.collaborative = collaborative
        self.content = content
        self.blend_ratings = blend_ratings

    def _check_hyper_parameters(self) -> None:
        positive_number(self.blend_ratings, "blend_ratings")
        for name, part, kind in (
            ("collaborative", self.collaborative, Recommender),
            ("content", self.content, ContentBased),
        ):
            if part is not None and not isinstance(part, kind):
                raise TypeError(
                    f"{name} must be an unfitted {kind.__name__} (or None for the default), "
                    f"got {type(part).__name__}."
                )

    def fit(self, ratings: pd.DataFrame) -> Hybrid:
        """Fit both parts on `ratings`; returns self."""
        self._check_hyper_parameters()
        content = self.content if self.content is not None else ContentBased(self.items)
        collaborative = self.collaborative if self.collaborative is not None else ItemKNN()
        self.content_ = clone(content).fit(ratings)
        self.collaborative_ = clone(collaborative).fit(ratings)
        return super().fit(ratings)

    def _item_universe(self, ratings: pd.DataFrame) -> np.ndarray:
        return self.content_.item_ids_.to_numpy()

    def _fit(self) -> None:
        counts = np.diff(self.matrix_.tocsc().indptr)  # (n_items,) ratings per film
        self.weights_ = counts / (counts + self.blend_ratings)  # (n_items,)
        self.collaborative_index_ = self.collaborative_.item_ids_.get_indexer(self.item_ids_)

    def _user_state(self, user: int):
        return self.collaborative_._user_state(user), self.content_._user_state(user)

    def _fold_in(self, items: np.ndarray, ratings: np.ndarray):
        cf_items = self.collaborative_index_[items]
        known = cf_items >= 0
        order = np.argsort(cf_items[known])
        cf_state = None
        if known.any():
            cf_state = self.collaborative_._fold_in(cf_items[known][order], ratings[known][order])
        return cf_state, self.content_._fold_in(items, ratings)

    def _collaborative_scores(self, cf_state, items: np.ndarray) -> np.ndarray:
        cf_items = self.collaborative_index_[items]
        scores = np.zeros(len(items))  # weight is 0 for films the collaborative part lacks
        known = cf_items >= 0
        if known.any():
            scores[known] = (
                self.collaborative_._fallback_scores()[cf_items[known]]
                if cf_state is None
                else self.collaborative_._score(cf_state, cf_items[known])
            )
        return scores

    def _score(self, state, items: np.ndarray) -> np.ndarray:
        cf_state, content_state = state
        weight = self.weights_[items]  # (n_items,)
        content = self.content_._score(content_state, items)  # same film index as the hybrid
        return weight * self._collaborative_scores(cf_state, items) + (1 - weight) * content

    def _explain(self, state, item: int) -> list[Term]:
        """Each part's terms scaled by its weight and marked with their ``part``."""
        cf_state, content_state = state
        weight = self.weights_[item]
        content = self.content_._explain(content_state, item)
        terms = [replace(t, value=t.value * (1 - weight), part="content") for t in content]
        cf_item = self.collaborative_index_[item]
        if cf_item < 0 or weight == 0:
            return terms
        if cf_state is None:  # nobody known: the collaborative part's fallback for the film
            mean = self.collaborative_.baseline_.global_mean
            fallback = self.collaborative_._fallback_scores()[cf_item]
            collaborative = [
                Term(TermKind.GLOBAL_MEAN, mean),
                Term(TermKind.FILM_BIAS, float(fallback - mean)),
            ]
        else:
            collaborative = self.collaborative_._explain(cf_state, cf_item)
        weighted = [replace(t, value=t.value * weight, part="collaborative") for t in collaborative]
        return weighted + terms
