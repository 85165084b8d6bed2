"""Live ipywidgets demos built on the modules below them (no algorithm lives here).

Each widget lives in its own module. This file imports a widget's module only when the widget
is first asked for (``from cinelab.widgets import RecommenderDemo``), so the recommender
demos never load PyTorch, transformers or matplotlib, which only other widgets need.
"""

from __future__ import annotations

import importlib

_MODULES = {
    "AttentionExplorer": "cinelab.widgets.attention_explorer",
    "FeedbackLoopSimulator": "cinelab.widgets.feedback_loop",
    "FilmChat": "cinelab.widgets.film_chat",
    "NeighbourExplorer": "cinelab.widgets.neighbour_explorer",
    "RecommenderDemo": "cinelab.widgets.recommender_demo",
    "TrailerStudio": "cinelab.widgets.trailer_studio",
}

__all__ = [
    "AttentionExplorer",
    "FeedbackLoopSimulator",
    "FilmChat",
    "NeighbourExplorer",
    "RecommenderDemo",
    "TrailerStudio",
]


def __getattr__(name: str):
    """Import the widget's own module on first use (PEP 562)."""
    if name not in _MODULES:
        raise AttributeError(f"module 'cinelab.widgets' has no attribute {name!r}")
    widget = getattr(importlib.import_module(_MODULES[name]), name)
    globals()[name] = widget
    return widget


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULES])
