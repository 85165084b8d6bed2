"""The recommender demo's building blocks: a film row with star buttons, and the HTML of the
top-N list and of an explanation's terms. Pure layout: the numbers and the words come from
`cinelab.recsys` (the ranking, the typed terms and `cinelab.recsys.explanation.reason`).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping

import ipywidgets as widgets
import pandas as pd

from cinelab.recsys.explanation import TermKind, terms_of

STARS = (1, 2, 3, 4, 5)


class FilmRow(widgets.HBox):
    """One film with five star buttons (and optionally a remove button); reused, not rebuilt."""

    def __init__(self, on_rate, on_remove=None):
        self.item_id = None
        self.label = widgets.HTML(layout=widgets.Layout(flex="1 1 auto", min_width="12em"))
        self.stars = [
            widgets.Button(description="★", tooltip=f"{n} star{'s' * (n > 1)}") for n in STARS
        ]
        for n, button in zip(STARS, self.stars, strict=True):
            button.add_class("cinelab-star")
            button.add_class(f"cinelab-star-{n}")
            button.on_click(lambda _, n=n: on_rate(self.item_id, n))
        children = [self.label, *self.stars]
        if on_remove is not None:
            remove = widgets.Button(description="✕", tooltip="forget this rating")
            remove.layout.width = "32px"
            remove.add_class("cinelab-remove")
            remove.on_click(lambda _: on_remove(self.item_id))
            children.append(remove)
        super().__init__(children, layout=widgets.Layout(align_items="center"))
        self.add_class("cinelab-film-row")

    def show(self, item_id, label: str, rating: float | None) -> None:
        """Point the row at a film and light up its stars up to `rating`."""
        self.item_id = item_id
        self.label.value = html.escape(label)
        for n, button in zip(STARS, self.stars, strict=True):
            button.button_style = "warning" if rating is not None and n <= rating else ""
        self.layout.display = None

    def hide(self) -> None:
        self.item_id = None
        self.layout.display = "none"


def render_top_list(
    recommendations: pd.DataFrame, revision: int, algorithm: str, predicts_ratings: bool
) -> str:
    """The top-N list as an HTML ``<ol>``; ``data-revision`` lets tests see it change."""
    items = []
    for row in recommendations.itertuples(index=False):
        value = f"{row.prediction:.1f}★" if predicts_ratings else f"score {row.score:.2f}"
        items.append(
            f"<li class='cinelab-rec' data-item-id='{html.escape(str(row.item_id))}'>"
            f"<span class='cinelab-rec-title'>{html.escape(row.title)}</span> "
            f"<span class='cinelab-muted'>{value}</span>"
            f"<div class='cinelab-reason'>{html.escape(row.reason)}</div></li>"
        )
    return (
        f"<ol class='cinelab-topn' data-revision='{revision}' "
        f"data-algorithm='{html.escape(algorithm)}'>{''.join(items)}</ol>"
    )


def render_terms(terms: pd.DataFrame, labels: Mapping, my_ratings: Mapping) -> str:
    """The explanation terms as a table with signed bars (longest bar = biggest term)."""
    largest = max(float(terms["value"].abs().max()), 1e-12)
    rows = [
        f"<tr><td>{html.escape(_term_label(term, labels, my_ratings))}</td>"
        f"<td>{term.value:+.2f}</td><td>{_bar(term.value, largest)}</td></tr>"
        for term in terms_of(terms)
    ]
    return f"<table class='cinelab-table'>{''.join(rows)}</table>"


def _term_label(term, labels: Mapping, my_ratings: Mapping) -> str:
    """Neighbour films get their title, your stars and the similarity; other terms as named."""
    film = term.kind in (TermKind.FILM_NEIGHBOUR, TermKind.CONTENT)
    if not film or term.refers_to not in labels:
        return term.label
    stars = my_ratings.get(term.refers_to)
    yours = f"you: {stars:g}★, " if stars is not None else ""
    similar = "" if math.isnan(term.similarity) else f"similarity {term.similarity:.2f}"
    part = f"{term.part}: " if term.part else ""
    return f"{part}{labels[term.refers_to]} ({yours}{similar})"


def _bar(value: float, largest: float) -> str:
    width = 120 * abs(value) / largest
    negative = " cinelab-negative" if value < 0 else ""
    return f"<span class='cinelab-bar{negative}' style='width:{width:.0f}px'></span>"
