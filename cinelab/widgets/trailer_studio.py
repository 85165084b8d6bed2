"""TrailerStudio: pick a film and an audience, tune the decoder, and write trailer copy live.

Everything shown comes from :mod:`cinelab.textgen`: the copy from
:class:`~cinelab.textgen.TrailerCopywriter`, its checks from the same writer, and the
next-token distribution from :func:`cinelab.textgen.decoding.next_token_distribution`. The
widget only holds the choices and draws the results (HTML, no JavaScript, works offline).

Stable CSS classes (for styling and browser tests): ``cinelab-trailer-studio`` on the whole
widget, and ``cinelab-trailer-film``, ``-audience``, ``-persona``, ``-user``, ``-kind``,
``-strategy``, ``-temperature``, ``-top-k``, ``-top-p``, ``-seed``, ``-generate``, ``-copy``,
``-checks``, ``-step``, ``-distribution`` and ``-status`` on its parts (each prefixed
``cinelab-trailer``).
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd
import torch

from cinelab.textgen import FORMATS, Copy, TrailerCopywriter
from cinelab.textgen.copywriter import STRATEGIES
from cinelab.textgen.decoding import next_token_distribution
from cinelab.widgets import theme

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
        Default: the kit's tiny model on the kit's catalogue and ratings.
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
        self.top_n = top_n
        self.copy: Copy | None = None
        self.distribution = pd.DataFrame()
        self._build_controls()
        super().__init__(
            [
                theme.stylesheet(),
                self.film,
                widgets.HBox([self.audience, self.persona, self.user]),
                widgets.HBox([self.kind, self.strategy]),
                widgets.HBox([self.temperature, self.top_k, self.top_p, self.seed]),
                self.generate_button,
                self.copy_view,
                self.checks_view,
                self.step,
                self.distribution_view,
                self.status,
            ]
        )
        theme.mark(self, "trailer-studio", presenter)
        self._connect()
        self._show_audience_fields()

    # ---------------------------------------------------------------- building
    def _build_controls(self) -> None:
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
        self.seed = widgets.IntText(value=self.writer.seed, description="seed")
        self.generate_button = widgets.Button(description="Generate", button_style="primary")
        self.copy_view = widgets.HTML("<i>Pick a film and an audience, then press Generate.</i>")
        self.checks_view = widgets.HTML()
        self.step = widgets.IntSlider(value=0, min=0, max=0, description="step", disabled=True)
        self.distribution_view = widgets.HTML()
        self.status = widgets.HTML()
        for widget, name in (
            (self.film, "film"), (self.audience, "audience"), (self.persona, "persona"),
            (self.user, "user"), (self.kind, "kind"), (self.strategy, "strategy"),
            (self.temperature, "temperature"), (self.top_k, "top-k"), (self.top_p, "top-p"),
            (self.seed, "seed"), (self.generate_button, "generate"), (self.copy_view, "copy"),
            (self.checks_view, "checks"), (self.step, "step"),
            (self.distribution_view, "distribution"), (self.status, "status"),
        ):  # fmt: skip
            widget.add_class(f"cinelab-trailer-{name}")

    def _connect(self) -> None:
        self.generate_button.on_click(lambda _: self.generate())
        self.audience.observe(self._show_audience_fields, names="value")
        self.step.observe(lambda _: self.show_step(), names="value")

    def _show_audience_fields(self, change=None) -> None:
        self.persona.layout.display = "" if self.audience.value == "persona" else "none"
        self.user.layout.display = "" if self.audience.value == "user" else "none"

    # ---------------------------------------------------------------- actions
    def chosen_audience(self):
        """What the audience controls describe: None, a persona text or a user id."""
        return {"everyone": None, "persona": self.persona.value, "user": self.user.value}[
            self.audience.value
        ]

    def generate(self) -> Copy | None:
        """Write copy with the current settings, show it, its checks and the first step."""
        self._apply_settings()
        try:
            self.copy = self.writer.write(
                self.film.value, self.chosen_audience(), self.kind.value, seed=self.seed.value
            )
        except ValueError as problem:
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
        writer = self.writer
        writer.strategy = self.strategy.value
        writer.temperature = self.temperature.value
        writer.top_k = self.top_k.value or None
        writer.top_p = self.top_p.value if self.top_p.value < 1.0 else None

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
        copy, writer = self.copy, self.writer
        prefix = torch.cat([copy.prompt_ids[0], copy.token_ids[:step]])  # (prompt + step,)
        model = writer.language_model.model
        plain = next_token_distribution(model, prefix)  # (vocab,)
        sampling = next_token_distribution(
            model,
            prefix,
            temperature=writer.temperature,
            top_k=writer.top_k,
            top_p=writer.top_p,
            repetition_penalty=writer.repetition_penalty,
        )  # (vocab,)
        chosen = int(copy.token_ids[step])
        ids = torch.topk(plain, min(self.top_n, len(plain))).indices.tolist()
        ids += [] if chosen in ids else [chosen]
        tokenizer = writer.language_model.tokenizer
        return pd.DataFrame(
            {
                "token": [tokenizer.decode([token]) for token in ids],
                "model_probability": plain[ids].tolist(),
                "sampling_probability": sampling[ids].tolist(),
                "chosen": [token == chosen for token in ids],
            }
        )


def _copy_html(copy: Copy) -> str:
    text = (
        html.escape(copy.text).replace("\n", "<br>")
        or "<i>(nothing: the model stopped at once)</i>"
    )
    about = html.escape(
        f"{copy.kind} for {copy.film.title} ({copy.film.year}), audience {copy.audience.name},"
        f" playing up {copy.angle}, {copy.strategy}"
    )
    return f"<div class='cinelab-panel'><b>{text}</b><div class='cinelab-muted'>{about}</div></div>"


def _checks_html(copy: Copy) -> str:
    rows = []
    for name, value in copy.checks.as_dict().items():
        if isinstance(value, bool):
            value = "✓" if value else "✗"
        elif value is None:
            value = "not asked"
        rows.append(f"<tr><th>{html.escape(name)}</th><td>{html.escape(str(value))}</td></tr>")
    return f"<table class='cinelab-table'>{''.join(rows)}</table>"


def _distribution_html(distribution: pd.DataFrame, step: int, strategy: str) -> str:
    show_sampling = strategy == "sample"
    header = "<tr><th>token</th><th>model</th>" + (
        "<th>after temperature, top-k, top-p</th>" if show_sampling else ""
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
