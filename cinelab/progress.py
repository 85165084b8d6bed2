"""Progress bars for long work: shown in a terminal or notebook, silent in logs and CI.

One wrapper around tqdm, so every loop in the kit follows the same rule (``config.show_progress``)
instead of printing a bar per line into a CI log.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from cinelab import config

T = TypeVar("T")


def progress_bar(
    iterable: Iterable[T] | None = None,
    *,
    desc: str,
    total: int | None = None,
    show: bool | None = None,
    **tqdm_options,
):
    """``tqdm.auto.tqdm`` that shows itself when `show` says so, or (None) when
    `config.show_progress` does."""
    from tqdm.auto import tqdm

    visible = config.show_progress() if show is None else show
    return tqdm(iterable, desc=desc, total=total, disable=not visible, **tqdm_options)
