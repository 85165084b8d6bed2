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

import ipywidgets as widgets
import numpy as np
import pandas as pd

from cinelab.arguments import positive_int
from cinelab.data import Dataset
from cinelab.recsys.base import FoldedInUser
from cinelab.recsys.explanation import reason
from cinelab.recsys.registry import MODELS, check_model_name
from cinelab.widgets.catalogue import (
    FilmSearch,
    ModelCache,
    default_hyper_parameters,
    film_labels,
    load_dataset,
)
from cinelab.widgets.recommender_views import FilmRow, render_terms, render_top_list
from cinelab.widgets.store import RatingsFileError, RatingsStore
from cinelab.widgets.theme import classed, mark, stylesheet


class RecommenderDemo(widgets.VBox):
    """Search, rate, and see your top-N recommendations update live, each with a reason.

    Parameters
    ----------
    dataset : str or Dataset
        A name for `cinelab.data.load` (default: the embedded ``"cinelab"`` data) or a loaded
        `Dataset`. Models are fitted on its ratings once; you are folded in as a new user.
    algorithm : str
        Starting model, a name in `cinelab.recsys.registry.MODELS`.
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
        positive_int(n, "n")
        self.dataset = load_dataset(dataset)
        self.n = n
        self.labels = film_labels(self.dataset.items)
        self.search = FilmSearch(self.labels, self.dataset.ratings)
        self.models = ModelCache(self.dataset)
        self.store = RatingsStore(ratings_file, dataset=self.dataset)
        self._hyper = {}
        self._revision = 0
        self._quiet = False
        self._last_working: tuple | None = None  # (algorithm, hyper-parameters) last shown
        self._you: FoldedInUser | None = None  # you, folded into the current model
        self._notice = ("", False)  # (message about the ratings file, is it a warning)
        self.recommendations = pd.DataFrame()
        self.last_refresh_ms = float("nan")
        self._build(check_model_name(algorithm, "algorithm"), max_matches)
        self.presenter = mark(self, "recommender-demo", presenter)
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
        self.query = classed(
            widgets.Text(placeholder="search a film title…", continuous_update=True),
            "cinelab-search",
        )
        self.result_rows = [FilmRow(self.rate) for _ in range(max_matches)]
        self.results = classed(widgets.VBox(self.result_rows), "cinelab-search-results")
        self.rated_rows: list[FilmRow] = []
        self.rated_box = classed(widgets.VBox(), "cinelab-my-ratings")
        self._nothing_rated = widgets.HTML("<i class='cinelab-muted'>none yet</i>")
        self.reset_button = classed(
            widgets.Button(description="Forget my ratings"), "cinelab-reset"
        )
        self.algorithm = classed(
            widgets.Dropdown(options=list(MODELS), value=algorithm, description="algorithm"),
            "cinelab-algorithm",
        )
        self.neighbours = classed(
            widgets.IntSlider(value=40, min=1, max=100, description="neighbours",
                              continuous_update=False),
            "cinelab-neighbours",
        )  # fmt: skip
        self.regularization = classed(
            widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=1, step=0.1,
                                   description="regularisation", continuous_update=False),
            "cinelab-regularization",
        )  # fmt: skip
        self.top_list = classed(widgets.HTML(), "cinelab-recommendations")
        self.why_input = classed(
            widgets.Combobox(
                options=sorted(self.labels.values()), ensure_option=True,
                placeholder="why not this film? type a title", continuous_update=True,
                layout=widgets.Layout(width="95%"),
            ),
            "cinelab-why-not-input",
        )  # fmt: skip
        self.why_output = classed(widgets.HTML(), "cinelab-why-not")
        self.status = classed(widgets.HTML(), "cinelab-status")
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
        super().__init__([stylesheet(), widgets.HBox([left, right]), self.status])

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
            reason=[reason(terms, self.labels) for terms in explanations],
        )
        self._revision += 1
        self.top_list.value = render_top_list(
            self.recommendations, self._revision, self.algorithm.value, you.model.predicts_ratings
        )
        self.last_refresh_ms = (time.perf_counter() - start) * 1000

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
        standing = you.standing(item, self.n)
        terms = you.explain(item)
        if standing.rank is None:
            where = "is not in this model's catalogue, so it gets the baseline prediction"
        else:
            where = f"is ranked <b>#{standing.rank}</b> of {standing.out_of} for you"
            if standing.rank > self.n:
                where += f" (the last film in your top {self.n} scores {standing.top_n_score:.2f})"
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
