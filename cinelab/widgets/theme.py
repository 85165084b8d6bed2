"""One look for the recommender widgets, and a presenter mode for projectors.

The style is a ``<style>`` block inside an HTML widget, so it works offline in JupyterLab and
Voilà with no JavaScript and nothing fetched. Presenter mode scales every ipywidget inside a
widget marked ``cinelab-presenter`` (through the ``--jp-widgets-*`` CSS variables ipywidgets
sizes itself with) and the notebook's own prose on the same page, so the back row can read it.

Turn it on per widget with ``presenter=True``, or for a whole session by starting Jupyter or
Voilà with the environment variable ``CINELAB_PRESENTER=1`` (``make demo PRESENTER=1`` does).
"""

from __future__ import annotations

import ipywidgets as widgets

from cinelab import config

PRESENTER_ENV = "CINELAB_PRESENTER"
WIDGET_CLASS = "cinelab-widget"
PRESENTER_CLASS = "cinelab-presenter"

_STYLE = """
<style>
.cinelab-widget { --cinelab-accent: #c96a12; --cinelab-muted: #666; --cinelab-bar: #4a7ab5;
  --cinelab-negative: #b5524a; }
.cinelab-widget .cinelab-star.mod-warning { background-color: var(--cinelab-accent); }
.cinelab-widget .cinelab-star { width: 30px; padding: 0; }
.cinelab-widget .cinelab-muted { color: var(--cinelab-muted); font-size: 90%; }
.cinelab-widget .cinelab-panel { border: 1px solid #ddd; border-radius: 4px; padding: 4px 8px; }
.cinelab-widget ol.cinelab-topn { margin: 0; padding-left: 1.8em; }
.cinelab-widget li.cinelab-rec { margin: 0.2em 0; }
.cinelab-widget .cinelab-reason { color: var(--cinelab-muted); font-size: 90%; }
.cinelab-widget table.cinelab-table { border-collapse: collapse; }
.cinelab-widget table.cinelab-table td, .cinelab-widget table.cinelab-table th {
  padding: 1px 8px; text-align: left; }
.cinelab-widget .cinelab-bar { display: inline-block; height: 0.8em;
  background: var(--cinelab-bar); vertical-align: middle; }
.cinelab-widget .cinelab-bar.cinelab-negative { background: var(--cinelab-negative); }
.cinelab-widget .cinelab-warning { color: #8a4b00; background: #fff4e0; padding: 2px 6px; }
.cinelab-presenter { --jp-widgets-font-size: 20px; --jp-widgets-inline-height: 40px;
  --jp-widgets-inline-label-width: 150px; --jp-widgets-inline-width: 420px; font-size: 20px; }
.cinelab-presenter .widget-html-content, .cinelab-presenter .widget-label { font-size: 20px;
  line-height: 1.35; }
.cinelab-presenter .cinelab-star { width: 44px; }
body:has(.cinelab-presenter) .jp-RenderedHTMLCommon { font-size: 1.4em; }
</style>
"""


def presenter_default() -> bool:
    """True when ``CINELAB_PRESENTER`` is set to 1/true/yes (case-insensitive)."""
    return config.presenter_mode()


def stylesheet() -> widgets.HTML:
    """The shared ``<style>`` block; include it once inside each top-level widget."""
    style = widgets.HTML(_STYLE)
    style.add_class("cinelab-style")
    return style


def mark(widget: widgets.DOMWidget, name: str, presenter: bool | None) -> bool:
    """Give `widget` its stable CSS classes (``cinelab-widget``, ``cinelab-<name>``, and
    ``cinelab-presenter`` when asked or when the environment says so); returns the mode."""
    presenter = presenter_default() if presenter is None else bool(presenter)
    widget.add_class(WIDGET_CLASS)
    widget.add_class(f"cinelab-{name}")
    if presenter:
        widget.add_class(PRESENTER_CLASS)
    return presenter


def classed(widget: widgets.DOMWidget, css_class: str) -> widgets.DOMWidget:
    """`widget` with a stable CSS class added (for styling and for the browser tests)."""
    widget.add_class(css_class)
    return widget
