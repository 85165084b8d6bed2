"""The fixed genre vocabulary shared by the embedded catalogue and every MovieLens release."""

from __future__ import annotations

import numpy as np
import pandas as pd

# MovieLens's 18 genres; ml-100k's "Children's" is renamed "Children" on load.
GENRES: tuple[str, ...] = (
    "Action",
    "Adventure",
    "Animation",
    "Children",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
)


def genre_matrix(genres: pd.Series) -> np.ndarray:
    """One-hot (n_films, 18) matrix from pipe-separated genre strings; unknown names are ignored."""
    column = {name: j for j, name in enumerate(GENRES)}
    matrix = np.zeros((len(genres), len(GENRES)))  # (n_films, n_genres)
    for row, text in enumerate(genres.fillna("")):
        for name in str(text).split("|"):
            if name in column:
                matrix[row, column[name]] = 1.0
    return matrix
