"""AttentionExplorer: type or pick a logline and watch where each token looks.

Built from core ipywidgets only (a Combobox, dropdowns, a slider, ToggleButtons and two
HTML views), with no JavaScript of its own and nothing fetched from a CDN, so it renders
offline in JupyterLab and Voilà. The heatmap is one HTML table string: redrawing it is a
single message to the browser, fast even for 40 × 40 cells.

The attention itself comes from a source in :mod:`cinelab.attention.sources`: the kit's
numpy transformer (default) or a transformers model run with ``output_attentions=True``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np

from cinelab.attention import AttentionMaps, KitTransformer, sharpen_weights
from cinelab.attention.sources import AttentionSource
from cinelab.widgets.theme import mark, stylesheet

ALL_HEADS = -1
_CELL_RGB = "178, 34, 34"  # firebrick: the darker the cell, the more attention
_SHOW_NUMBERS_UP_TO = 12  # print weights inside cells for short texts only


class AttentionExplorer(widgets.VBox):
    """A live attention heatmap for class.

    Choose a text (type one or pick from ``texts``), a layer and a head, toggle the
    causal mask, and move the temperature slider to see softmax sharpen (T < 1) or
    flatten (T > 1) the weights of the shown layer: ``softmax(scores / T)``, computed
    from the weights alone (see :func:`cinelab.attention.sharpen_weights`); the model is
    not re-run. Click a query token to highlight its row and colour the sentence by
    where that token looks.

    Parameters
    ----------
    texts : the texts offered in the picker (e.g. the catalogue's loglines); the first is shown.
    source : where the attention comes from; default
        ``KitTransformer.from_texts(texts, seed=seed)``, an untrained numpy model
        whose heads attend by word similarity and position. For a trained model pass
        ``cinelab.attention.TransformersAttention(model, tokenizer)``.
    max_tokens : longer texts are cut to their first ``max_tokens`` tokens.
    seed : seed of the default source.
    presenter : larger fonts for a projector; default from ``CINELAB_PRESENTER``, as for
        every kit widget (`cinelab.widgets.theme`).

    Attributes
    ----------
    maps : the :class:`~cinelab.attention.AttentionMaps` of the current text.
    shown_weights : (n, n) weights on screen, after layer, head and temperature.
    """

    def __init__(
        self,
        texts: Sequence[str],
        source: AttentionSource | None = None,
        *,
        max_tokens: int = 40,
        seed: int = 0,
        presenter: bool | None = None,
    ) -> None:
        texts = _check_texts(texts)
        self.source = KitTransformer.from_texts(texts, seed=seed) if source is None else source
        self.max_tokens = max_tokens
        self.maps: AttentionMaps | None = None
        self.shown_weights = np.zeros((0, 0))
        self._cache: dict[tuple[str, bool], AttentionMaps] = {}
        self._quiet = False
        self._build_controls(texts)
        super().__init__(
            [
                stylesheet(),
                self.text,
                widgets.HBox([self.layer, self.head, self.causal, self.temperature]),
                self.query,
                self.focus,
                self.heatmap,
                self.message,
            ]
        )
        self.presenter = mark(self, "attention-explorer", presenter)
        self._connect()
        self._load_text()

    # ---------------------------------------------------------------- building
    def _build_controls(self, texts: list[str]) -> None:
        fixed = self.source.fixed_causal
        self.text = widgets.Combobox(
            value=texts[0], options=texts, ensure_option=False, continuous_update=False,
            placeholder="type a sentence or pick a logline", description="text",
            layout=widgets.Layout(width="100%"),
        )  # fmt: skip
        self.layer = widgets.Dropdown(description="layer", layout=widgets.Layout(width="160px"))
        self.head = widgets.Dropdown(description="head", layout=widgets.Layout(width="220px"))
        self.causal = widgets.Checkbox(
            value=bool(fixed), disabled=fixed is not None, description="causal mask", indent=False
        )
        self.temperature = widgets.FloatLogSlider(
            value=1.0, base=10, min=-1, max=1, step=0.05, description="temperature",
            readout_format=".2f", continuous_update=True, style={"description_width": "initial"},
        )  # fmt: skip
        self.query = widgets.ToggleButtons(
            options=[], value=None, description="query", style={"button_width": "auto"}
        )
        self.focus = widgets.HTML()
        self.heatmap = widgets.HTML()
        self.message = widgets.HTML()
        for widget, name in (
            (self.text, "text"), (self.layer, "layer"), (self.head, "head"),
            (self.causal, "causal"), (self.temperature, "temperature"), (self.query, "query"),
            (self.focus, "focus"), (self.heatmap, "heatmap"), (self.message, "message"),
        ):  # fmt: skip
            widget.add_class(f"cinelab-attention-{name}")

    def _connect(self) -> None:
        self.text.observe(self._load_text, names="value")
        self.causal.observe(self._load_text, names="value")
        for control in (self.layer, self.head, self.temperature, self.query):
            control.observe(self._on_view_change, names="value")

    # ---------------------------------------------------------------- events
    def _on_view_change(self, change=None) -> None:
        if not self._quiet:
            self.redraw()

    def _load_text(self, change=None) -> None:
        """Run the source on the current text (cached), refresh the choices, redraw."""
        key = (self.text.value.strip(), bool(self.causal.value))
        try:
            if key not in self._cache:
                self._cache[key] = self.source.attention(key[0], key[1], self.max_tokens)
        except ValueError as error:
            self._show_problem(str(error))
            return
        self.maps = self._cache[key]
        self._quiet = True
        try:
            self._refresh_choices()
        finally:
            self._quiet = False
        self.redraw()

    def _refresh_choices(self) -> None:
        n_layers, n_heads = self.maps.weights.shape[:2]
        layers = [(f"layer {i + 1}", i) for i in range(n_layers)]
        heads = [(f"head {h + 1}", h) for h in range(n_heads)] + [("mean of heads", ALL_HEADS)]
        if list(self.layer.options) != layers:
            self.layer.options, self.layer.value = layers, 0
        if list(self.head.options) != heads:
            self.head.options, self.head.value = heads, 0
        tokens = [(token, i) for i, token in enumerate(self.maps.tokens)]
        previous = self.query.value
        self.query.options = tokens
        self.query.value = previous if previous is not None and previous < len(tokens) else None

    def _show_problem(self, text: str) -> None:
        self.maps = None
        self.shown_weights = np.zeros((0, 0))
        self._quiet = True
        try:
            self.query.options = []
        finally:
            self._quiet = False
        self.heatmap.value = ""
        self.focus.value = ""
        self.message.value = f"<b>{html.escape(text)}</b>"

    # ---------------------------------------------------------------- drawing
    def redraw(self) -> None:
        """Recompute the shown weights from the current choices and redraw both views."""
        if self.maps is None:
            return
        weights = self.maps.weights[self.layer.value]  # (n_heads, n, n)
        chosen = weights.mean(axis=0) if self.head.value == ALL_HEADS else weights[self.head.value]
        self.shown_weights = sharpen_weights(chosen, self.temperature.value)  # (n, n)
        selected = self.query.value
        self.heatmap.value = heatmap_html(
            self.maps.tokens, self.shown_weights, self.maps.allowed, selected
        )
        self.focus.value = focus_html(self.maps.tokens, self.shown_weights, selected)
        self.message.value = html.escape(self.maps.note)


def heatmap_html(
    tokens: Sequence[str], weights: np.ndarray, allowed: np.ndarray, selected: int | None
) -> str:
    """An HTML table: rows are queries, columns keys, darker = more weight.

    Colour is scaled to the largest weight shown, so low temperature shows up as a few
    dark cells. Masked cells are grey. Every cell has a tooltip with its weight.
    """
    peak = float(weights.max()) if weights.size and weights.max() > 0 else 1.0
    labels = [html.escape(token) for token in tokens]
    header = "".join(
        f'<th style="writing-mode:vertical-rl;font-weight:normal;padding:2px">{label}</th>'
        for label in labels
    )
    rows = [
        _heatmap_row(i, labels, weights[i], allowed[i], peak, i == selected)
        for i in range(len(tokens))
    ]
    return (
        '<table class="cinelab-attention-table" style="border-collapse:collapse;font-size:11px">'
        f'<tr><th style="text-align:right">query ↓ key →</th>{header}</tr>{"".join(rows)}</table>'
        f'<div style="font-size:11px">darkest cell = weight {peak:.2f}; grey = masked</div>'
    )


def _heatmap_row(i, labels, row, allowed_row, peak, is_selected) -> str:
    show_numbers = len(labels) <= _SHOW_NUMBERS_UP_TO
    cells = []
    for j, (weight, allowed) in enumerate(zip(row, allowed_row, strict=True)):
        if not allowed:
            masked = f'<td title="{labels[i]} → {labels[j]}: masked" style="background:#ddd"></td>'
            cells.append(masked)
            continue
        text = f"{weight:.2f}" if show_numbers else ""
        cells.append(
            f'<td title="{labels[i]} → {labels[j]}: {weight:.3f}" style="background:'
            f"rgba({_CELL_RGB},{weight / peak:.3f});min-width:14px;height:14px;"
            f'text-align:center">{text}</td>'
        )
    outline = ";outline:2px solid #111" if is_selected else ""
    css_class = ' class="cinelab-attention-selected"' if is_selected else ""
    return (
        f'<tr{css_class} style="{outline}"><th style="text-align:right;padding-right:4px">'
        f"{labels[i]}</th>{''.join(cells)}</tr>"
    )


def focus_html(tokens: Sequence[str], weights: np.ndarray, selected: int | None) -> str:
    """The sentence, each token shaded by how much the selected query attends to it."""
    if selected is None:
        return "<i>Click a query token above to see where it looks.</i>"
    row = weights[selected]  # (n,)
    peak = float(row.max()) if row.max() > 0 else 1.0
    spans = []
    for j, token in enumerate(tokens):
        border = "border-bottom:2px solid #111;" if j == selected else ""
        spans.append(
            f'<span title="{row[j]:.3f}" style="{border}padding:1px 3px;margin:1px;'
            f'background:rgba({_CELL_RGB},{row[j] / peak:.3f})">{html.escape(token)}</span>'
        )
    return f'<div class="cinelab-attention-sentence">{" ".join(spans)}</div>'


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("texts must be a list of texts, not one string: wrap it as [text].")
    texts = list(dict.fromkeys(texts))  # unique, in order: the picker needs distinct options
    if not texts:
        raise ValueError("AttentionExplorer needs at least one text to show.")
    not_strings = [t for t in texts if not isinstance(t, str)]
    if not_strings:
        raise TypeError(f"every text must be a string; got {not_strings[0]!r}.")
    return texts
