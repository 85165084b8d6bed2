"""RecommenderDemo: rate a few films and watch your own top-N list change, with reasons.

The kit's signature demo. An instructor projects it, a student plays with it alone. Every click
goes through the same three steps: save the ratings (atomically, see `cinelab.widgets.store`),
fold the person into an already fitted model once (`Recommender.fold_in`), then ask that
folded-in person for the top-N list and a one-line explanation of each film (the "why not?"
box reuses it too). No model is refitted on a rating and nobody is folded in twice, which is
what keeps a click well under a tenth of a second on MovieLens-100k-sized data.

Stable CSS classes (for styling and for the browser tests): ``cinelab-recommender-demo`` on
the whole widget, ``cinelab-search``, ``cinelab-search-results``, ``cinelab-film-row``,
``cinelab-star-1`` … ``cinelab-star-5``, ``cinelab-remove``, ``cinelab-my-ratings``,
``cinelab-reset``, ``cinelab-algorithm``, ``cinelab-neighbours``, ``cinelab-regularization``,
``cinelab-recommendations`` (an ``<ol class="cinelab-topn">`` with a ``data-revision``
counter and one ``<li class="cinelab-rec">`` per film), ``cinelab-why-not-input``,
``cinelab-why-not`` and ``cinelab-status``.
"""

from __future__ import annotations

import html
import os
import time
from collections.abc import Mapping

import ipywidgets as widgets
import numpy as np
import pandas as pd

from cinelab.data import Dataset
from cinelab.recsys.base import FoldedInUser
from cinelab.recsys.explanation import largest_personal_term
from cinelab.widgets import theme
from cinelab.widgets.recommenders import (
    ALGORITHMS,
    FilmSearch,
    ModelCache,
    check_algorithm,
    default_hyper_parameters,
    film_labels,
    load_dataset,
)
from cinelab.widgets.store import RatingsFileError, RatingsStore

STARS = (1, 2, 3, 4, 5)
_LIKED_STARS = 4  # from this many stars, "you liked it"


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


class RecommenderDemo(widgets.VBox):
    """Search, rate, and see your top-N recommendations update live, each with a reason.

    Parameters
    ----------
    dataset : str or Dataset
        A name for `cinelab.data.load` (default: the embedded ``"cinelab"`` data) or a loaded
        `Dataset`. Models are fitted on its ratings once; you are folded in as a new user.
    algorithm : str
        Starting algorithm, one of `ALGORITHMS`.
    n : int
        Length of the recommendation list.
    ratings_file : str or Path, optional
        Where your ratings are saved; default `cinelab.widgets.store.default_ratings_path`.
    presenter : bool, optional
        Larger fonts for a projector; default from the ``CINELAB_PRESENTER`` variable.
    max_matches : int
        How many search results are shown at once.

    Attributes
    ----------
    ratings : dict
        Your ``{item_id: stars}``, as saved.
    recommendations : DataFrame
        The list on screen: ``item_id, title, score, prediction, reason``.
    last_refresh_ms : float
        How long the last update of the list took, in milliseconds (Python side).
    """

    def __init__(
        self,
        dataset: str | Dataset = "cinelab",
        *,
        algorithm: str = "Item-KNN",
        n: int = 10,
        ratings_file: str | os.PathLike | None = None,
        presenter: bool | None = None,
        max_matches: int = 8,
    ) -> None:
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}.")
        self.dataset = load_dataset(dataset)
        self.n = n
        self.labels = film_labels(self.dataset.items)
        self.search = FilmSearch(self.labels, self.dataset.ratings)
        self._rating_counts = self.dataset.ratings["item_id"].value_counts().to_dict()
        self.models = ModelCache(self.dataset)
        self.store = RatingsStore(ratings_file, dataset=self.dataset.name)
        self._hyper = {}
        self._revision = 0
        self._quiet = False
        self._last_working: tuple | None = None  # (algorithm, hyper-parameters) last shown
        self._you: FoldedInUser | None = None  # you, folded into the current model
        self._notice = ("", False)  # (message about the ratings file, is it a warning)
        self.recommendations = pd.DataFrame()
        self.last_refresh_ms = float("nan")
        self._build(check_algorithm(algorithm), max_matches)
        self.presenter = theme.mark(self, "recommender-demo", presenter)
        self.ratings = self._load_saved()
        self._connect()
        self._on_algorithm()

    # ---------------------------------------------------------------- public actions
    def rate(self, item_id, stars: float) -> None:
        """Rate a film (as the star buttons do), save, and refresh the list."""
        if item_id not in self.labels:
            raise ValueError(f"film {item_id!r} is not in the {self.dataset.name!r} catalogue.")
        low, high = self.dataset.rating_scale
        if (
            isinstance(stars, bool)
            or not isinstance(stars, int | float)
            or not low <= stars <= high
        ):
            raise ValueError(f"stars must be a number from {low:g} to {high:g}, got {stars!r}.")
        self.ratings[item_id] = float(stars)
        self._changed()

    def unrate(self, item_id) -> None:
        """Forget one rating (the ✕ button)."""
        self.ratings.pop(item_id, None)
        self._changed()

    def reset(self) -> None:
        """Forget all your ratings for this dataset, in the file too."""
        self.ratings = {}
        self._changed()

    def explain_film(self, item_id) -> pd.DataFrame:
        """The model's terms for one film and you (what the "why not?" box shows)."""
        return self._folded_in().explain(item_id)

    @property
    def model(self):
        """The fitted model behind the current algorithm and sliders."""
        return self.models.get(self.algorithm.value, self._current_hyper())

    # ---------------------------------------------------------------- building
    def _build(self, algorithm: str, max_matches: int) -> None:
        self.query = _classed(
            widgets.Text(placeholder="search a film title…", continuous_update=True),
            "cinelab-search",
        )
        self.result_rows = [FilmRow(self.rate) for _ in range(max_matches)]
        self.results = _classed(widgets.VBox(self.result_rows), "cinelab-search-results")
        self.rated_rows: list[FilmRow] = []
        self.rated_box = _classed(widgets.VBox(), "cinelab-my-ratings")
        self._nothing_rated = widgets.HTML("<i class='cinelab-muted'>none yet</i>")
        self.reset_button = _classed(
            widgets.Button(description="Forget my ratings"), "cinelab-reset"
        )
        self.algorithm = _classed(
            widgets.Dropdown(options=list(ALGORITHMS), value=algorithm, description="algorithm"),
            "cinelab-algorithm",
        )
        self.neighbours = _classed(
            widgets.IntSlider(value=40, min=1, max=100, description="neighbours",
                              continuous_update=False),
            "cinelab-neighbours",
        )  # fmt: skip
        self.regularization = _classed(
            widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=1, step=0.1,
                                   description="regularisation", continuous_update=False),
            "cinelab-regularization",
        )  # fmt: skip
        self.top_list = _classed(widgets.HTML(), "cinelab-recommendations")
        self.why_input = _classed(
            widgets.Combobox(
                options=sorted(self.labels.values()), ensure_option=True,
                placeholder="why not this film? type a title", continuous_update=True,
                layout=widgets.Layout(width="95%"),
            ),
            "cinelab-why-not-input",
        )  # fmt: skip
        self.why_output = _classed(widgets.HTML(), "cinelab-why-not")
        self.status = _classed(widgets.HTML(), "cinelab-status")
        left = widgets.VBox(
            [
                widgets.HTML("<b>1 · Find and rate films</b>"),
                self.query,
                self.results,
                widgets.HTML("<b>Your ratings</b>"),
                self.rated_box,
                self.reset_button,
            ],
            layout=widgets.Layout(width="48%", margin="0 2% 0 0"),
        )
        right = widgets.VBox(
            [
                widgets.HTML("<b>2 · Your recommendations</b>"),
                self.algorithm,
                self.neighbours,
                self.regularization,
                self.top_list,
                widgets.HTML("<b>3 · Why not this film?</b>"),
                self.why_input,
                self.why_output,
            ],
            layout=widgets.Layout(width="50%"),
        )
        super().__init__([theme.stylesheet(), widgets.HBox([left, right]), self.status])

    def _connect(self) -> None:
        self.query.observe(lambda _: self._show_matches(), names="value")
        self.reset_button.on_click(lambda _: self.reset())
        self.algorithm.observe(lambda _: self._on_algorithm(), names="value")
        for slider in (self.neighbours, self.regularization):
            slider.observe(lambda _: self._on_hyper_parameter(), names="value")
        self.why_input.observe(lambda _: self._show_why_not(), names="value")

    # ---------------------------------------------------------------- ratings file
    def _load_saved(self) -> dict:
        try:
            saved = self.store.load()
        except RatingsFileError as error:
            warning = (
                f"⚠ {error} Nothing was changed: your first rating will move that file aside "
                "to a .bak copy and start a new one."
            )
            self._notice = (warning, True)
            return {}
        if saved:
            self._notice = (f"{len(saved)} saved rating(s) loaded from {self.store.path}.", False)
        return saved

    def _save(self) -> None:
        try:
            self.store.save(self.ratings)
        except OSError as error:
            warning = (
                f"⚠ Could not save to {self.store.path} ({error}); your ratings live only in "
                "this session until saving works again."
            )
            self._notice = (warning, True)
            return
        saved = f"Saved {len(self.ratings)} rating(s) to {self.store.path}."
        if self.store.backup_path is not None:
            saved += f" The unreadable old file was kept as {self.store.backup_path}."
        self._notice = (saved, False)

    def _folded_in(self) -> FoldedInUser:
        """You, folded into the current model; folded in again only when your ratings or the
        model change, so the list, its reasons and the why-not box share one fold-in."""
        mine, model = self._usable_ratings(), self.model
        you = self._you
        if you is None or you.model is not model or you.ratings != mine:
            you = self._you = model.fold_in(mine)
        return you

    def _usable_ratings(self) -> dict:
        """Saved ratings the model can use: films in this catalogue, within the scale."""
        low, high = self.dataset.rating_scale
        return {
            item: stars
            for item, stars in self.ratings.items()
            if item in self.labels and low <= stars <= high
        }

    # ---------------------------------------------------------------- events
    def _changed(self) -> None:
        self._save()
        self._update_views()
        self._say(f"Updated in {self.last_refresh_ms:.0f} ms.")

    def _update_views(self) -> None:
        self._show_matches()
        self._show_rated()
        self.refresh()
        self._show_why_not()

    def _on_algorithm(self) -> None:
        name = self.algorithm.value
        self._guarded(name, lambda: self._show_controls_for(name))

    def _on_hyper_parameter(self) -> None:
        if self._quiet:
            return
        name = self.algorithm.value
        hyper = self._hyper[name]
        if "n_neighbours" in hyper:
            hyper["n_neighbours"] = int(self.neighbours.value)
        if "regularization" in hyper:
            hyper["regularization"] = float(self.regularization.value)
        self._guarded(name, lambda: None)

    def _guarded(self, name: str, prepare) -> None:
        """Prepare the controls, (re)fit and refresh; if that fails, go back to the last
        model that worked and say why (a click must never kill the demo)."""
        try:
            prepare()
            self._refit_and_refresh()
        except Exception as error:
            if self._last_working is None or self._last_working == (name, self._hyper.get(name)):
                raise
            self._fall_back(name, error)

    def _show_controls_for(self, name: str) -> None:
        """Enable the sliders this algorithm has and set them to its remembered values."""
        defaults = default_hyper_parameters(name, self.dataset)
        hyper = self._hyper.setdefault(name, defaults)
        self._quiet = True
        self.neighbours.disabled = "n_neighbours" not in hyper
        self.neighbours.value = hyper.get("n_neighbours", self.neighbours.value)
        self.regularization.disabled = "regularization" not in hyper
        if "regularization" in hyper:
            centre = np.floor(np.log10(defaults["regularization"]))
            low, high = centre - 2, centre + 2  # exponents: default / 100 to default * 100
            self.regularization.min = min(self.regularization.min, low)  # keep min <= max
            self.regularization.max = high
            self.regularization.min = low
            self.regularization.value = hyper["regularization"]
        self._quiet = False

    def _current_hyper(self) -> dict:
        return dict(self._hyper[self.algorithm.value])

    def _refit_and_refresh(self) -> None:
        name, hyper = self.algorithm.value, self._current_hyper()
        fitted_before = self.models.is_fitted(name, hyper)
        if not fitted_before:
            self._say(f"Training {name} on {len(self.dataset.ratings):,} ratings (once)…")
        self._update_views()
        self._last_working = (name, hyper)
        seconds = self.models.fit_seconds[self.models.key(name, hyper)]
        trained = "" if fitted_before else f"{name} trained in {seconds:.1f} s. "
        self._say(f"{trained}Updated in {self.last_refresh_ms:.0f} ms.")

    def _fall_back(self, name: str, error: Exception) -> None:
        """Return the controls to the last model that worked and explain why."""
        self._quiet = False
        working_name, working_hyper = self._last_working
        self._hyper[working_name] = dict(working_hyper)
        if name == working_name:
            self._on_algorithm()
        else:
            self.algorithm.value = working_name
        self._say(f"⚠ {name} could not be used on this dataset ({error}); back to {working_name}.")

    # ---------------------------------------------------------------- views
    def refresh(self) -> None:
        """Recompute the top-N list and its reasons for the current ratings and model."""
        start = time.perf_counter()
        you = self._folded_in()
        top = you.recommend(n=self.n)
        explanations = [you.explain(item) for item in top["item_id"]]
        self.recommendations = top.assign(
            title=[self.labels.get(item, str(item)) for item in top["item_id"]],
            prediction=[terms.attrs["prediction"] for terms in explanations],
            reason=[
                self._reason(item, terms, you.ratings)
                for item, terms in zip(top["item_id"], explanations, strict=True)
            ],
        )
        self._revision += 1
        self.top_list.value = render_top_list(
            self.recommendations, self._revision, self.algorithm.value, you.model.predicts_ratings
        )
        self.last_refresh_ms = (time.perf_counter() - start) * 1000

    def _reason(self, item, terms: pd.DataFrame, mine: dict) -> str:
        if self.algorithm.value == "Popularity":
            return f"Popular: {self._rating_counts.get(item, 0):,} people rated it."
        return one_line_reason(terms, self.labels, mine)

    def _show_matches(self) -> None:
        matches = self.search.find(self.query.value, len(self.result_rows))
        for row, item in zip(self.result_rows, matches + [None] * len(self.result_rows)):
            if item is None:
                row.hide()
            else:
                row.show(item, self.labels[item], self.ratings.get(item))

    def _show_rated(self) -> None:
        rated = [item for item in self.ratings if item in self.labels]
        while len(self.rated_rows) < len(rated):
            self.rated_rows.append(FilmRow(self.rate, on_remove=self.unrate))
        for row, item in zip(self.rated_rows, rated + [None] * len(self.rated_rows)):
            if item is None:
                row.hide()
            else:
                row.show(item, self.labels[item], self.ratings[item])
        shown = tuple(self.rated_rows) if rated else (self._nothing_rated,)
        if self.rated_box.children != shown:
            self.rated_box.children = shown

    def _show_why_not(self) -> None:
        label = self.why_input.value
        item = next((i for i, text in self.labels.items() if text == label), None)
        if item is None:
            self.why_output.value = ""
            return
        self.why_output.value = self._why_not_html(item, label)

    def _why_not_html(self, item, label: str) -> str:
        you = self._folded_in()
        mine, model = you.ratings, you.model
        if item in mine:
            return (
                f"<p>You rated <b>{html.escape(label)}</b> {mine[item]:g}★ yourself: films "
                "you rated are never recommended back to you.</p>"
            )
        ranking = you.recommend(n=len(model.item_ids_))
        position = np.flatnonzero(ranking["item_id"].to_numpy() == item)
        terms = you.explain(item)
        if len(position) == 0:
            where = "is not in this model's catalogue, so it gets the baseline prediction"
        else:
            rank = int(position[0]) + 1
            where = f"is ranked <b>#{rank}</b> of {len(ranking)} for you"
            if rank > self.n:
                needed = ranking["score"].iloc[self.n - 1]
                where += f" (the last film in your top {self.n} scores {needed:.2f})"
        value = "Predicted rating" if model.predicts_ratings else "Score"
        return (
            f"<p><b>{html.escape(label)}</b> {where}. {value} "
            f"{terms.attrs['prediction']:.2f}, the sum of:</p>"
            + render_terms(terms, self.labels, mine)
        )

    def _say(self, activity: str) -> None:
        """Status line: the ratings-file notice (kept until the next save), then `activity`."""
        notice, warning = self._notice
        parts = [f"<span class='cinelab-muted'>{html.escape(activity)}</span>"]
        if notice:
            css = "cinelab-warning" if warning else "cinelab-muted"
            parts.insert(0, f"<span class='{css}'>{html.escape(notice)}</span>")
        self.status.value = " ".join(parts)


def _classed(widget: widgets.DOMWidget, css_class: str) -> widgets.DOMWidget:
    widget.add_class(css_class)
    return widget


# -------------------------------------------------------------------- text and HTML
def one_line_reason(terms: pd.DataFrame, labels: Mapping, my_ratings: Mapping) -> str:
    """A short, friendly reason for one recommendation, from the model's explanation terms.

    Film-neighbour models name the film you rated that pushed this one up most ("you rated
    Alien 5★ and people who liked it liked this"); user-neighbour models summarise the similar
    people; factor models say whether your tastes or the film's general appeal carried it;
    anything else names its biggest personal term. `my_ratings` is ``{item_id: stars}``.
    """
    if not my_ratings:
        return "You have not rated anything yet: a film most people rate highly."
    if "neighbour_id" in terms.columns:
        is_neighbour = terms["neighbour_id"].notna().to_numpy()  # (n_terms,)
        if is_neighbour.any() and terms["value"].to_numpy()[is_neighbour].max() > 0:
            return _neighbour_reason(terms[is_neighbour], labels, my_ratings)
    top = largest_personal_term(terms)
    if top is None:
        return "Nothing personal tips the balance: a film most people rate highly."
    return _term_reason(str(terms["term"].iloc[top]), float(terms["value"].iloc[top]))


def _neighbour_reason(neighbours: pd.DataFrame, labels: Mapping, my_ratings: Mapping) -> str:
    top = neighbours.loc[neighbours["value"].idxmax()]
    if str(top["term"]).startswith("film"):
        film = top["neighbour_id"]
        title = labels.get(film, str(film))
        stars = my_ratings.get(film)
        if stars is not None and stars >= _LIKED_STARS:
            return f"You rated {title} {stars:g}★ and people who liked it liked this."
        rated = f" (you gave it {stars:g}★)" if stars is not None else ""
        return f"You watched {title}{rated}, and people who watched it watched this."
    weights = neighbours["similarity"].to_numpy()
    mean = float(np.average(neighbours["rating"].to_numpy(), weights=weights))
    return f"{len(neighbours)} people who rate like you gave it {mean:.1f}★ on average."


_TERM_PHRASES = {
    "taste match (factors)": ("It matches the tastes your ratings reveal", "It goes against the tastes your ratings reveal"),
    "film bias": ("Most people rate it above average", "Most people rate it below average"),
    "user bias": ("You rate generously", "You rate strictly"),
}  # fmt: skip


def _term_reason(term: str, value: float) -> str:
    if term in _TERM_PHRASES:
        up, down = _TERM_PHRASES[term]
        return f"{up if value > 0 else down} ({value:+.2f})."
    return f"Mostly its {term} ({value:+.2f})."


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
    rows = []
    for row in terms.itertuples(index=False):
        rows.append(
            f"<tr><td>{html.escape(_term_label(row, labels, my_ratings))}</td>"
            f"<td>{row.value:+.2f}</td><td>{_bar(row.value, largest)}</td></tr>"
        )
    return f"<table class='cinelab-table'>{''.join(rows)}</table>"


def _term_label(row, labels: Mapping, my_ratings: Mapping) -> str:
    """Neighbour films get their title, your stars and the similarity; other terms as named."""
    name, neighbour = str(row.term), getattr(row, "neighbour_id", None)
    if not name.startswith("film") or neighbour is None or neighbour not in labels:
        return name
    stars = my_ratings.get(neighbour)
    yours = f"you: {stars:g}★, " if stars is not None else ""
    return f"{labels[neighbour]} ({yours}similarity {row.similarity:.2f})"


def _bar(value: float, largest: float) -> str:
    width = 120 * abs(value) / largest
    negative = " cinelab-negative" if value < 0 else ""
    return f"<span class='cinelab-bar{negative}' style='width:{width:.0f}px'></span>"
