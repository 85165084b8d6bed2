"""FeedbackLoopSimulator: run the recommender feedback loop and watch it narrow (or not).

Collect → model → recommend → interact → feedback → retrain. Pick an algorithm and an
exploration rate, press run, and four panels fill in round by round: accuracy against the true
tastes, catalogue coverage, popularity concentration (Gini) and the share of shown films from
the head of the catalogue. Runs stay on the plots, so "ε = 0" and "ε = 0.2" can be compared
side by side: the filter-bubble lesson in one picture.

The loop itself is `cinelab.recsys.simulation.simulate_feedback_loop`; this widget only
collects its rounds and draws them. Plots are rendered to PNG with matplotlib's Agg canvas
(no pyplot, no backend set-up), so they look the same in JupyterLab, Voilà and a test.

Stable CSS classes: ``cinelab-feedback-loop``, ``cinelab-feedback-algorithm``,
``cinelab-feedback-exploration``, ``cinelab-feedback-rounds``, ``cinelab-feedback-users``,
``cinelab-feedback-run``, ``cinelab-feedback-clear``, ``cinelab-feedback-progress``,
``cinelab-feedback-plot``, ``cinelab-feedback-summary`` and ``cinelab-feedback-status``.
"""

from __future__ import annotations

import html
import io
import time

import ipywidgets as widgets
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from cinelab.data import Dataset
from cinelab.recsys.registry import MODELS, build_model, check_model_name
from cinelab.recsys.simulation import simulate_feedback_loop
from cinelab.widgets.catalogue import load_dataset
from cinelab.widgets.theme import classed, mark, stylesheet

PANELS = (
    ("rmse", "Accuracy: RMSE against true tastes (lower is better)"),
    ("coverage", "Catalogue coverage of the shown lists"),
    ("gini", "Popularity concentration (Gini of shows)"),
    ("head_share", "Share of shown films from the head"),
)


class FeedbackLoopSimulator(widgets.VBox):
    """Simulate users accepting recommendations while the model retrains every round.

    Parameters
    ----------
    dataset : str or Dataset
        Must carry the planted truth (the embedded ``"cinelab"`` data does): the simulated
        people rate with their true tastes.
    algorithm : str
        Starting model, a name in `cinelab.recsys.registry.MODELS`.
    exploration, rounds, n_users : starting values of the sliders.
    seed : int
        Seed of every run (same settings, same curves).
    presenter : bool, optional
        Larger fonts for a projector; default from ``CINELAB_PRESENTER``.

    Attributes
    ----------
    results : DataFrame
        Every finished round of every run: ``run`` (its legend label) plus the simulation's
        columns.
    """

    def __init__(
        self,
        dataset: str | Dataset = "cinelab",
        *,
        algorithm: str = "Item-KNN",
        exploration: float = 0.0,
        rounds: int = 8,
        n_users: int = 200,
        seed: int = 0,
        presenter: bool | None = None,
    ) -> None:
        self.dataset = load_dataset(dataset)
        if self.dataset.truth is None:
            raise ValueError(
                f"The feedback loop needs simulated people with known tastes, and dataset "
                f"{self.dataset.name!r} has none: use the kit's embedded data, "
                "FeedbackLoopSimulator('cinelab')."
            )
        self.seed = seed
        self.results = pd.DataFrame()
        self._build(check_model_name(algorithm, "algorithm"), exploration, rounds, n_users)
        self.presenter = mark(self, "feedback-loop", presenter)
        self.run_button.on_click(lambda _: self.run())
        self.clear_button.on_click(lambda _: self.clear())
        self._draw()

    # ---------------------------------------------------------------- public actions
    def run(self) -> pd.DataFrame:
        """Run the loop with the current settings; returns this run's rounds."""
        name, exploration = self.algorithm.value, float(self.exploration.value)
        label = f"{name}, ε={exploration:.2f}"
        if len(self.results) and label in set(self.results["run"]):
            label += f" (run {self.results['run'].nunique() + 1})"  # same settings, new line
        rows: list[dict] = []
        self.progress.max, self.progress.value = int(self.rounds.value), 0
        self.run_button.disabled = True
        self.status.value = f"Running {label}…"
        start = time.perf_counter()
        try:
            simulate_feedback_loop(
                self.dataset.ratings,
                self.dataset.truth,
                lambda: build_model(name, self.dataset.items),
                rounds=int(self.rounds.value),
                n_users=int(self.users.value),
                exploration=exploration,
                seed=self.seed,
                progress=False,
                on_round=lambda row: self._on_round(label, rows, row),
            )
        finally:
            self.run_button.disabled = False
        seconds = time.perf_counter() - start
        self.status.value = f"{html.escape(label)}: {len(rows)} rounds in {seconds:.1f} s."
        return pd.DataFrame(rows)

    def clear(self) -> None:
        """Forget all runs and empty the plots."""
        self.results = pd.DataFrame()
        self._draw()
        self.status.value = ""

    # ---------------------------------------------------------------- internals
    def _on_round(self, label: str, rows: list, row: dict) -> None:
        rows.append(row)
        self.results = pd.concat(
            [self.results, pd.DataFrame([{"run": label, **row}])], ignore_index=True
        )
        self.progress.value = len(rows)
        self._draw()

    def _build(self, algorithm: str, exploration: float, rounds: int, n_users: int) -> None:
        self.algorithm = classed(
            widgets.Dropdown(options=list(MODELS), value=algorithm, description="algorithm"),
            "cinelab-feedback-algorithm",
        )
        self.exploration = classed(
            widgets.FloatSlider(value=exploration, min=0.0, max=1.0, step=0.05,
                                description="exploration", readout_format=".2f"),
            "cinelab-feedback-exploration",
        )  # fmt: skip
        self.rounds = classed(
            widgets.IntSlider(value=rounds, min=1, max=20, description="rounds"),
            "cinelab-feedback-rounds",
        )
        self.users = classed(
            widgets.IntSlider(value=n_users, min=10, max=len(self.dataset.truth.user_bias),
                              step=10, description="people"),
            "cinelab-feedback-users",
        )  # fmt: skip
        self.run_button = classed(
            widgets.Button(description="Run the loop", button_style="primary"),
            "cinelab-feedback-run",
        )
        self.clear_button = classed(
            widgets.Button(description="Clear runs"), "cinelab-feedback-clear"
        )
        self.progress = classed(
            widgets.IntProgress(value=0, min=0, max=rounds, description="rounds done"),
            "cinelab-feedback-progress",
        )
        self.plot = classed(widgets.Image(format="png"), "cinelab-feedback-plot")
        self.summary = classed(widgets.HTML(), "cinelab-feedback-summary")
        self.status = classed(widgets.HTML(), "cinelab-feedback-status")
        controls = widgets.HBox(
            [
                widgets.VBox([self.algorithm, self.exploration]),
                widgets.VBox([self.rounds, self.users]),
                widgets.VBox([self.run_button, self.clear_button, self.progress]),
            ]
        )
        super().__init__([stylesheet(), controls, self.plot, self.summary, self.status])

    def _draw(self) -> None:
        self.plot.value = render_panels(self.results)
        self.summary.value = render_summary(self.results)


def render_panels(results: pd.DataFrame, dpi: int = 90) -> bytes:
    """Four panels (one per metric in `PANELS`), one line per run, as PNG bytes."""
    figure = Figure(figsize=(10, 6.4), layout="constrained")
    axes = figure.subplots(2, 2, sharex=True).ravel()
    runs = list(results.groupby("run", sort=False)) if len(results) else []
    for axis, (column, title) in zip(axes, PANELS, strict=True):
        axis.set_title(title, fontsize=10)
        axis.grid(alpha=0.3)
        if column != "rmse":
            axis.set_ylim(0, 1.02)
        for label, run in runs:
            axis.plot(run["round"], run[column], marker="o", markersize=3, label=label)
    for axis in axes[2:]:
        axis.set_xlabel("round (the model retrains every round)")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    if runs:
        axes[0].legend(fontsize=8)
    else:
        axes[0].text(0.5, 0.5, "press “Run the loop”", ha="center", transform=axes[0].transAxes)
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def render_summary(results: pd.DataFrame) -> str:
    """First and last round of each run, side by side, as an HTML table."""
    if results.empty:
        return ""
    rows = []
    for label, run in results.groupby("run", sort=False):
        first, last = run.iloc[0], run.iloc[-1]
        cells = "".join(
            f"<td>{first[column]:.3f} → {last[column]:.3f}</td>" for column, _ in PANELS
        )
        rows.append(f"<tr class='cinelab-feedback-row'><td>{html.escape(label)}</td>{cells}</tr>")
    header = "".join(f"<th>{column}</th>" for column, _ in PANELS)
    return (
        "<table class='cinelab-table'><tr><th>run (first → last round)</th>"
        f"{header}</tr>{''.join(rows)}</table>"
    )
