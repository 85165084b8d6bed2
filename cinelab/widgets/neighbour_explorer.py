"""NeighbourExplorer: pick a film or a user and see who its nearest neighbours are, and why.

Neighbourhood methods stand or fall on one number, the similarity. This widget shows the k
most similar films (or users) as bars, and for any one of them the evidence behind the number:
the people (or films) both rated, their two ratings side by side, the similarity computed on
them and what significance shrinkage did to it. By default it shows the similarity the
recommender demo's default model actually uses (Item-KNN: "pearson_baseline" with its
shrinkage). Rows, neighbours and evidence all come from the fitted model's
`Recommender.rating_rows` (`cinelab.recsys.similarity.RatingRows`), the one implementation
the models use; this widget only lays them out.

Stable CSS classes: ``cinelab-neighbour-explorer``, ``cinelab-neighbour-kind``,
``cinelab-neighbour-film``, ``cinelab-neighbour-user``, ``cinelab-neighbour-similarity``,
``cinelab-neighbour-shrinkage``, ``cinelab-neighbour-k``, ``cinelab-neighbour-list``,
``cinelab-neighbour-evidence-choice`` and ``cinelab-neighbour-evidence``.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
import pandas as pd

from cinelab.arguments import one_of
from cinelab.data import Dataset
from cinelab.recsys.registry import build_model
from cinelab.recsys.similarity import SIMILARITIES, Evidence
from cinelab.widgets.catalogue import film_labels, load_dataset
from cinelab.widgets.theme import classed, mark, stylesheet

KINDS = ("films", "users")
DEMO_MODEL = "Item-KNN"  # the recommender demo's default: its similarity is shown by default
_EVIDENCE_ROWS = 12  # co-rated pairs listed before "and N more"


class NeighbourExplorer(widgets.VBox):
    """Nearest neighbours of a film or a user, with similarity bars and co-rated evidence.

    Parameters
    ----------
    dataset : str or Dataset
        A name for `cinelab.data.load` or a loaded `Dataset`.
    kind : {"films", "users"}
        Start by exploring films or users.
    similarity : str, optional
        One of `cinelab.recsys.similarity.SIMILARITIES`; default: what Item-KNN uses.
    shrinkage : float, optional
        Significance weighting (see `cinelab.recsys.similarity.shrink`); 0 turns it off.
        Default: Item-KNN's.
    k : int
        How many neighbours are listed.
    presenter : bool, optional
        Larger fonts for a projector; default from ``CINELAB_PRESENTER``.

    Attributes
    ----------
    neighbours : DataFrame
        On screen: ``id, label, similarity, co_rated`` (id is an item_id or a user_id).
    evidence : DataFrame
        The co-rated pairs behind the chosen neighbour's similarity.
    """

    def __init__(
        self,
        dataset: str | Dataset = "cinelab",
        *,
        kind: str = "films",
        similarity: str | None = None,
        shrinkage: float | None = None,
        k: int = 10,
        presenter: bool | None = None,
    ) -> None:
        one_of(kind, "kind", KINDS)
        if similarity is not None:
            one_of(similarity, "similarity", SIMILARITIES)
        self.dataset = load_dataset(dataset)
        self.model = build_model(DEMO_MODEL, self.dataset.items).fit(self.dataset.ratings)
        similarity = self.model.similarity if similarity is None else similarity
        shrinkage = self.model.shrinkage if shrinkage is None else shrinkage
        self._index_ratings()
        self.neighbours = pd.DataFrame(columns=["id", "label", "similarity", "co_rated"])
        self.evidence = pd.DataFrame()
        self._quiet = False
        self._build(kind, similarity, shrinkage, k)
        self.presenter = mark(self, "neighbour-explorer", presenter)
        self._connect()
        self._show_kind()

    # ---------------------------------------------------------------- data
    def _index_ratings(self) -> None:
        """Film rows and user rows of the model's ratings, plus labels for both sides."""
        self.film_ids, self.user_ids = self.model.item_ids_, self.model.user_ids_
        self.by_film = self.model.rating_rows("films")
        self.by_user = self.model.rating_rows("users")
        labels = film_labels(self.dataset.items)
        self.film_labels = {film: labels.get(film, f"film {film}") for film in self.film_ids}
        counts = np.diff(self.by_user.ratings.indptr)  # (n_users,)
        self.user_labels = {
            user: f"user {user} ({count} ratings)"
            for user, count in zip(self.user_ids, counts, strict=True)
        }

    def _side(self):
        """(rows, ids, labels, other ids, other labels) for the side being explored."""
        if self.kind.value == "films":
            return self.by_film, self.film_ids, self.film_labels, self.user_ids, self.user_labels
        return self.by_user, self.user_ids, self.user_labels, self.film_ids, self.film_labels

    # ---------------------------------------------------------------- building
    def _build(self, kind: str, similarity: str, shrinkage: float, k: int) -> None:
        most_rated = self.film_ids[int(np.argmax(np.diff(self.by_film.ratings.indptr)))]
        self.kind = classed(
            widgets.ToggleButtons(options=KINDS, value=kind, description="explore"),
            "cinelab-neighbour-kind",
        )
        self.film = classed(
            widgets.Combobox(
                options=sorted(self.film_labels.values()), value=self.film_labels[most_rated],
                ensure_option=True, description="film", layout=widgets.Layout(width="420px"),
            ),
            "cinelab-neighbour-film",
        )  # fmt: skip
        self.user = classed(
            widgets.Dropdown(
                options=[(label, user) for user, label in self.user_labels.items()],
                description="user",
            ),
            "cinelab-neighbour-user",
        )
        self.similarity = classed(
            widgets.Dropdown(options=SIMILARITIES, value=similarity, description="similarity"),
            "cinelab-neighbour-similarity",
        )
        self.shrinkage = classed(
            widgets.FloatSlider(value=shrinkage, min=0, max=100, step=1, description="shrinkage",
                                continuous_update=False),
            "cinelab-neighbour-shrinkage",
        )  # fmt: skip
        self.k = classed(
            widgets.IntSlider(value=k, min=1, max=30, description="neighbours",
                              continuous_update=False),
            "cinelab-neighbour-k",
        )  # fmt: skip
        self.listing = classed(widgets.HTML(), "cinelab-neighbour-list")
        self.evidence_choice = classed(
            widgets.Dropdown(description="evidence for", layout=widgets.Layout(width="420px")),
            "cinelab-neighbour-evidence-choice",
        )
        self.evidence_view = classed(widgets.HTML(), "cinelab-neighbour-evidence")
        super().__init__(
            [
                stylesheet(),
                widgets.HBox([self.kind, self.film, self.user]),
                widgets.HBox([self.similarity, self.shrinkage, self.k]),
                self.listing,
                self.evidence_choice,
                self.evidence_view,
            ]
        )

    def _connect(self) -> None:
        self.kind.observe(lambda _: self._show_kind(), names="value")
        for control in (self.film, self.user, self.similarity, self.shrinkage, self.k):
            control.observe(lambda _: self.refresh(), names="value")
        self.evidence_choice.observe(lambda _: self._show_evidence(), names="value")

    # ---------------------------------------------------------------- views
    def target(self):
        """The id being explored: an item_id for films, a user_id for users (None if unset)."""
        if self.kind.value == "users":
            return self.user.value
        return next((f for f, text in self.film_labels.items() if text == self.film.value), None)

    def _show_kind(self) -> None:
        films = self.kind.value == "films"
        self.film.layout.display = None if films else "none"
        self.user.layout.display = "none" if films else None
        self.refresh()

    def refresh(self) -> None:
        """Recompute the neighbour list and the evidence for the current choices."""
        rows, ids, labels, _, _ = self._side()
        target = self.target()
        if target is None:
            return
        found = rows.neighbours(
            ids.get_loc(target), self.k.value, self.similarity.value, self.shrinkage.value
        )
        neighbour_ids = ids[found["index"].to_numpy()]
        self.neighbours = pd.DataFrame(
            {
                "id": neighbour_ids,
                "label": [labels[i] for i in neighbour_ids],
                "similarity": found["similarity"].to_numpy(),
                "co_rated": found["co_rated"].to_numpy(),
            }
        )
        self.listing.value = render_neighbours(self.neighbours, labels[target])
        previous = self.evidence_choice.value
        self._quiet = True  # one evidence update below, not one per option change
        self.evidence_choice.options = list(zip(self.neighbours["label"], self.neighbours["id"]))
        ids_shown = list(self.neighbours["id"])
        self.evidence_choice.value = (
            previous if previous in ids_shown else (ids_shown[0] if ids_shown else None)
        )
        self._quiet = False
        self._show_evidence()

    def _show_evidence(self) -> None:
        if self._quiet:
            return
        neighbour = self.evidence_choice.value
        if neighbour is None:
            self.evidence = pd.DataFrame()
            self.evidence_view.value = "<i class='cinelab-muted'>no neighbour to explain</i>"
            return
        rows, ids, labels, other_ids, other_labels = self._side()
        target = self.target()
        metric, shrinkage = self.similarity.value, self.shrinkage.value
        found = rows.evidence(ids.get_loc(target), ids.get_loc(neighbour), metric, shrinkage)
        self.evidence = evidence_table(found, other_ids, other_labels)
        self.evidence_view.value = render_evidence(
            self.evidence, labels[target], labels[neighbour], metric, shrinkage, found
        )


def evidence_table(evidence: Evidence, other_ids: pd.Index, other_labels: dict) -> pd.DataFrame:
    """The co-rated columns as a table: ``id, label, target, neighbour`` (the two ratings)."""
    ids = other_ids[evidence.columns]
    return pd.DataFrame(
        {
            "id": ids,
            "label": [other_labels[i] for i in ids],
            "target": evidence.target,
            "neighbour": evidence.neighbour,
        }
    )


def render_neighbours(neighbours: pd.DataFrame, target_label: str) -> str:
    """Neighbours as rows with a similarity bar (red when negative) and the co-rated count."""
    if neighbours.empty:
        return f"<p>Nothing shares a rating with <b>{html.escape(target_label)}</b>.</p>"
    rows = []
    for row in neighbours.itertuples(index=False):
        width = 160 * min(abs(row.similarity), 1.0)
        negative = " cinelab-negative" if row.similarity < 0 else ""
        rows.append(
            f"<tr class='cinelab-neighbour'><td>{html.escape(row.label)}</td>"
            f"<td><span class='cinelab-bar{negative}' style='width:{width:.0f}px'></span></td>"
            f"<td>{row.similarity:+.3f}</td><td class='cinelab-muted'>{row.co_rated} in common</td>"
            "</tr>"
        )
    return (
        f"<p>Nearest neighbours of <b>{html.escape(target_label)}</b>:</p>"
        f"<table class='cinelab-table'>{''.join(rows)}</table>"
    )


def render_evidence(
    evidence: pd.DataFrame,
    target_label: str,
    neighbour_label: str,
    metric: str,
    shrinkage: float,
    found: Evidence,
) -> str:
    """The co-rated ratings side by side and how the similarity came out of them."""
    n, raw, shrunk = len(evidence), found.raw, found.similarity
    if metric == "cosine":  # zero-filled: every rating of either row enters the norms
        number = f"cosine over all ratings (unrated = 0), {n} in common = <b>{raw:+.3f}</b>"
    elif metric == "pearson_baseline":  # what Item-KNN uses: cosine of rating - baseline
        number = (
            f"pearson_baseline (co-rated cosine of rating − baseline) on the {n} rated by "
            f"both = <b>{raw:+.3f}</b>"
        )
    else:
        number = f"{metric} on the {n} rated by both = <b>{raw:+.3f}</b>"
    if shrinkage:
        number += f"; shrunk by {n}/({n}+{shrinkage:g}) → <b>{shrunk:+.3f}</b>"
    rows = "".join(
        f"<tr><td>{html.escape(row.label)}</td><td>{row.target:g}</td><td>{row.neighbour:g}</td></tr>"
        for row in evidence.head(_EVIDENCE_ROWS).itertuples(index=False)
    )
    more = (
        f"<p class='cinelab-muted'>… and {n - _EVIDENCE_ROWS} more.</p>"
        if n > _EVIDENCE_ROWS
        else ""
    )
    return (
        f"<p>{number}</p><table class='cinelab-table'><tr><th>rated both</th>"
        f"<th>{html.escape(target_label)}</th><th>{html.escape(neighbour_label)}</th></tr>"
        f"{rows}</table>{more}"
    )
