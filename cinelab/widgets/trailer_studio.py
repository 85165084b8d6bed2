"""TrailerStudio: pick a model, a film and a viewer, tune the decoder, write trailer copy live.

Everything shown comes from :mod:`cinelab.textgen`: the copy, its checks and the next-token
distributions from :class:`~cinelab.textgen.TrailerCopywriter` (settings go through its
validating :meth:`~cinelab.textgen.TrailerCopywriter.configure`), the model list from
:func:`~cinelab.textgen.available_models` (pulled chat models, then the kit's model). The
widget only holds the choices and draws the results (HTML, no JavaScript, works offline).

Stable CSS classes (for styling and browser tests): ``cinelab-trailer-studio`` on the whole
widget, and ``cinelab-trailer-model``, ``-film``, ``-audience``, ``-persona``, ``-user``,
``-kind``, ``-strategy``, ``-temperature``, ``-top-k``, ``-top-p``, ``-seed``, ``-generate``,
``-copy``, ``-checks``, ``-step``, ``-distribution`` and ``-status`` on its parts (each
prefixed ``cinelab-trailer``).
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from cinelab.textgen import FORMATS, Copy, TrailerCopywriter, available_models
from cinelab.textgen.copywriter import STRATEGIES
from cinelab.widgets.theme import mark, stylesheet

PERSONAS = (
    "a teenager who loves scary movies and monsters",
    "a parent looking for a family film with laughs",
    "a romantic who adores love stories and musicals",
    "a sci-fi fan who wants space, robots and big ideas",
    "a crime buff who loves heists, detectives and twists",
)
AUDIENCE_MODES = ("everyone", "persona", "user")


class TrailerStudio(widgets.VBox):
    """Write a tagline, voice-over, social post or blurb and look inside the decoder.

    Parameters
    ----------
    writer : TrailerCopywriter, optional
        Default: the smallest pulled chat model (or the kit's own model) on the kit's
        catalogue and ratings. The model picker lists the writer's model and every model
        available on this computer; picking one makes a new writer with the same settings.
    top_n : int
        How many tokens the next-token view lists.
    presenter : bool, optional
        Large type for projectors (default from ``CINELAB_PRESENTER``).

    Attributes
    ----------
    copy : the last :class:`~cinelab.textgen.Copy` written, or None.
    distribution : DataFrame of the next-token view at the chosen step
        (``token, model_probability, sampling_probability, chosen``).
    """

    def __init__(
        self,
        writer: TrailerCopywriter | None = None,
        *,
        top_n: int = 12,
        presenter: bool | None = None,
    ) -> None:
        self.writer = writer or TrailerCopywriter()
        self.writers = {self.writer.model_name: self.writer}
        self.top_n = top_n
        self.copy: Copy | None = None
        self.distribution = pd.DataFrame()
        self._build_controls()
        super().__init__(
            [
                stylesheet(),
                self.model_picker,
                self.film,
                widgets.HBox([self.audience, self.persona, self.user]),
                widgets.HBox([self.kind, self.strategy, self.guidance]),
                widgets.HBox([self.temperature, self.top_k, self.top_p, self.seed]),
                self.generate_button,
                self.copy_view,
                self.checks_view,
                self.step,
                self.distribution_view,
                self.status,
            ]
        )
        mark(self, "trailer-studio", presenter)
        self._connect()
        self._show_audience_fields()

    # ---------------------------------------------------------------- building
    def _build_controls(self) -> None:
        models = [self.writer.model_name] + [
            name for name in available_models() if name != self.writer.model_name
        ]
        self.model_picker = widgets.Dropdown(
            options=models, value=self.writer.model_name, description="model"
        )
        films = self.writer.catalogue.sort_values("title")
        labels = [(f"{row.title} ({row.year})", row.item_id) for row in films.itertuples()]
        self.film = widgets.Dropdown(options=labels, description="film")
        self.audience = widgets.ToggleButtons(options=AUDIENCE_MODES, description="audience")
        self.persona = widgets.Combobox(
            value=PERSONAS[0], options=PERSONAS, ensure_option=False, placeholder="describe them"
        )
        self.user = widgets.IntText(value=1, description="user id")
        self.kind = widgets.Dropdown(options=list(FORMATS), value="tagline", description="kind")
        self.strategy = widgets.ToggleButtons(
            options=STRATEGIES, value=self.writer.strategy, description="strategy"
        )
        self.temperature = widgets.FloatSlider(
            value=self.writer.temperature, min=0.1, max=2.0, step=0.05, description="temperature"
        )
        self.top_k = widgets.IntSlider(
            value=self.writer.top_k or 0, min=0, max=200, description="top-k (0 = off)"
        )
        self.top_p = widgets.FloatSlider(
            value=self.writer.top_p or 1.0, min=0.05, max=1.0, step=0.05, description="top-p"
        )
        self.guidance = widgets.FloatSlider(
            value=self.writer.guidance, min=1.0, max=5.0, step=0.5, description="guidance"
        )  # towards the viewer's angle, away from the film's other genre (kit model; 1 = off)
        self.seed = widgets.IntText(value=self.writer.seed, description="seed")
        self.generate_button = widgets.Button(description="Generate", button_style="primary")
        self.copy_view = widgets.HTML("<i>Pick a film and an audience, then press Generate.</i>")
        self.checks_view = widgets.HTML()
        self.step = widgets.IntSlider(value=0, min=0, max=0, description="step", disabled=True)
        self.distribution_view = widgets.HTML()
        self.status = widgets.HTML()
        for widget, name in (
            (self.model_picker, "model"), (self.film, "film"), (self.audience, "audience"), (self.persona, "persona"),
            (self.user, "user"), (self.kind, "kind"), (self.strategy, "strategy"),
            (self.temperature, "temperature"), (self.top_k, "top-k"), (self.top_p, "top-p"),
            (self.guidance, "guidance"), (self.seed, "seed"), (self.generate_button, "generate"), (self.copy_view, "copy"),
            (self.checks_view, "checks"), (self.step, "step"),
            (self.distribution_view, "distribution"), (self.status, "status"),
        ):  # fmt: skip
            widget.add_class(f"cinelab-trailer-{name}")

    def _connect(self) -> None:
        self.generate_button.on_click(lambda _: self.generate())
        self.model_picker.observe(self._switch_model, names="value")
        self.audience.observe(self._show_audience_fields, names="value")
        self.step.observe(lambda _: self.show_step(), names="value")

    def _show_audience_fields(self, change=None) -> None:
        self.persona.layout.display = "" if self.audience.value == "persona" else "none"
        self.user.layout.display = "" if self.audience.value == "user" else "none"

    def _switch_model(self, change) -> None:
        """Use the picked model: a writer per model, made once, with the current settings."""
        name = change["new"]
        if name not in self.writers:
            self.writers[name] = TrailerCopywriter(
                name, films=self.writer.films, ratings=self.writer.ratings
            )
        self.writer = self.writers[name]
        self.copy = None

    # ---------------------------------------------------------------- actions
    def chosen_audience(self):
        """What the audience controls describe: None, a persona text or a user id."""
        return {"everyone": None, "persona": self.persona.value, "user": self.user.value}[
            self.audience.value
        ]

    def generate(self) -> Copy | None:
        """Write copy with the current settings, show it, its checks and the first step."""
        try:
            self._apply_settings()
            self.copy = self.writer.write(
                self.film.value, self.chosen_audience(), self.kind.value, seed=self.seed.value
            )
        except (ValueError, TypeError, FileNotFoundError) as problem:
            self.status.value = f"<span class='cinelab-warning'>{html.escape(str(problem))}</span>"
            return None
        self.status.value = ""
        self.copy_view.value = _copy_html(self.copy)
        self.checks_view.value = _checks_html(self.copy)
        n_steps = len(self.copy.token_ids)
        self.step.disabled = n_steps == 0
        self.step.max = max(0, n_steps - 1)
        if self.step.value == 0:
            self.show_step()
        else:
            self.step.value = 0  # redraws through the observer
        return self.copy

    def _apply_settings(self) -> None:
        """Hand the controls to the writer's validating ``configure`` (bad values raise there)."""
        self.writer.configure(
            strategy=self.strategy.value,
            temperature=self.temperature.value,
            top_k=self.top_k.value or None,
            top_p=self.top_p.value if self.top_p.value < 1.0 else None,
            guidance=self.guidance.value,
        )

    def show_step(self) -> None:
        """Draw the next-token distribution at the step chosen on the slider."""
        if self.copy is None or len(self.copy.token_ids) == 0:
            self.distribution = pd.DataFrame()
            self.distribution_view.value = ""
            return
        self.distribution = self.step_distribution(self.step.value)
        self.distribution_view.value = _distribution_html(
            self.distribution, self.step.value, self.writer.strategy
        )

    def step_distribution(self, step: int) -> pd.DataFrame:
        """The ``top_n`` likeliest tokens at ``step`` of the last copy, plus the token chosen."""
        return self.writer.step_distribution(self.copy, step, self.top_n)


def _copy_html(copy: Copy) -> str:
    text = (
        html.escape(copy.text).replace("\n", "<br>")
        or "<i>(nothing: the model stopped at once)</i>"
    )
    about = html.escape(
        f"{copy.kind} for {copy.film.title} ({copy.film.year}), audience {copy.audience.name},"
        f" playing up {copy.angle}, {copy.strategy}, model {copy.model_name}"
    )
    return f"<div class='cinelab-panel'><b>{text}</b><div class='cinelab-muted'>{about}</div></div>"


def _checks_html(copy: Copy) -> str:
    rows = [
        f"<tr><th>{html.escape(check.name)}</th><td>{'✓' if check.passed else '✗'}</td>"
        f"<td>{html.escape(check.reason)}</td></tr>"
        for check in copy.checks.checks
    ]
    verdict = (  # the checks are rules: they can pass word salad made of real words
        "passed; whether it makes sense is for a reader to judge" if copy.checks.passed
        else "failed"
    )  # fmt: skip
    rows.append(f"<tr><th>all checks</th><td>{'✓' if copy.checks.passed else '✗'}</td>"
                f"<td>{verdict}</td></tr>")  # fmt: skip
    rows += [
        f"<tr><th>{html.escape(name)}</th><td colspan='2'>{value}</td></tr>"
        for name, value in copy.measures.items()
    ]
    return f"<table class='cinelab-table'>{''.join(rows)}</table>"


def _distribution_html(distribution: pd.DataFrame, step: int, strategy: str) -> str:
    show_sampling = strategy == "sample"
    header = "<tr><th>token</th><th>model</th>" + (
        "<th>after temperature, top-k, top-p, guidance</th>" if show_sampling else ""
    )
    rows = [header + "</tr>"]
    for row in distribution.itertuples():
        token = html.escape(row.token.replace(" ", "·").replace("\n", "⏎")) or "∅"
        mark = " ◀ chosen" if row.chosen else ""
        cells = [_bar(row.model_probability)]
        if show_sampling:
            cells.append(_bar(row.sampling_probability))
        rows.append(
            f"<tr><td><code>{token}</code>{mark}</td>"
            + "".join(f"<td>{c}</td>" for c in cells)
            + "</tr>"
        )
    title = f"<div class='cinelab-muted'>next-token probabilities before token {step + 1}</div>"
    return title + f"<table class='cinelab-table'>{''.join(rows)}</table>"


def _bar(probability: float) -> str:
    width = max(1, round(160 * probability))
    return f"<span class='cinelab-bar' style='width:{width}px'></span> {probability:.1%}"
