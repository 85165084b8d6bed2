"""Sinusoidal positional encoding: how a model that sees a set of tokens learns their order."""

from __future__ import annotations

import numpy as np

from cinelab.arguments import positive_int


def sinusoidal_positions(n_positions: int, d_model: int, base: float = 10_000.0) -> np.ndarray:
    """Return the (n_positions, d_model) table of sines and cosines added to token vectors.

    Attention by itself is blind to order: shuffle the tokens and the outputs shuffle the
    same way. Adding a position-dependent vector breaks that symmetry. Column pair
    (2i, 2i+1) holds ``sin(pos·ω_i), cos(pos·ω_i)`` with ``ω_i = base^(-2i/d_model)``:
    fast waves tell neighbours apart, slow waves tell far positions apart, and the dot
    product of two rows depends only on their distance.

    Parameters
    ----------
    n_positions : number of positions (rows).
    d_model : vector width (columns); may be odd, the last sine then has no cosine partner.
    base : longest wavelength is ``2π·base``.

    Returns
    -------
    (n_positions, d_model) float64 array with values in [-1, 1].
    """
    for name, value in (("n_positions", n_positions), ("d_model", d_model)):
        positive_int(value, name)
    if not base > 1:
        raise ValueError(f"base must be greater than 1; got {base!r}.")
    positions = np.arange(n_positions)[:, None]  # (n_positions, 1)
    frequencies = base ** (-np.arange(0, d_model, 2) / d_model)  # (ceil(d_model / 2),)
    angles = positions * frequencies  # (n_positions, ceil(d_model / 2))
    table = np.empty((n_positions, d_model))  # (n_positions, d_model)
    table[:, 0::2] = np.sin(angles)
    table[:, 1::2] = np.cos(angles[:, : d_model // 2])
    return table
