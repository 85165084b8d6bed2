"""Live ipywidgets demos built on the modules below them (no algorithm lives here).

Each widget lives in its own module; this file only re-exports them, one plain import
per module, so ``from cinelab.widgets import AttentionExplorer`` works.
"""

from cinelab.widgets.attention_explorer import AttentionExplorer
from cinelab.widgets.feedback_loop import FeedbackLoopSimulator
from cinelab.widgets.film_chat import FilmChat
from cinelab.widgets.neighbour_explorer import NeighbourExplorer
from cinelab.widgets.recommender_demo import RecommenderDemo
from cinelab.widgets.trailer_studio import TrailerStudio

__all__ = [
    "AttentionExplorer",
    "FeedbackLoopSimulator",
    "FilmChat",
    "NeighbourExplorer",
    "RecommenderDemo",
    "TrailerStudio",
]
