"""A small synthetic dataset built with the kit's own generator, for fast widget and loop tests.

Same generative model as the embedded data (known truth included), but 60 films and 150 users,
so every model fits in a blink. A few titles are real so title search can be tested.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from cinelab.data import GENRES, Dataset
from cinelab.data.synth import SynthConfig, generate

NAMED_FILMS = {
    1: ("Alien", 1979, "Horror|Sci-Fi"),
    2: ("Aliens", 1986, "Action|Horror|Sci-Fi"),
    3: ("Amélie", 2001, "Comedy|Romance"),
    4: ("Toy Story", 1995, "Animation|Children|Comedy"),
    5: ("Heat", 1995, "Action|Crime|Thriller"),
}


@cache
def tiny_dataset(n_films: int = 60, n_users: int = 150, seed: int = 0) -> Dataset:
    """Synthetic ratings on `n_films` films (ids 1..n) by `n_users` users, plus the truth."""
    rng = np.random.default_rng(seed)
    rows = []
    for item_id in range(1, n_films + 1):
        title, year, genres = NAMED_FILMS.get(
            item_id,
            (f"Film {item_id:03d}", 1950 + item_id, "|".join(rng.choice(GENRES, 2, replace=False))),
        )
        rows.append((item_id, title, year, genres, "", ""))
    items = pd.DataFrame(rows, columns=["item_id", "title", "year", "genres", "logline", "tagline"])
    config = SynthConfig(
        n_users=n_users, min_ratings_per_user=8, max_ratings_per_user=40, seed=seed
    )
    ratings, truth = generate(items, config)
    ratings["rating"] = ratings["rating"].astype(float)
    return Dataset("tiny", ratings, items, rating_scale=(1.0, 5.0), truth=truth, identity="tiny")
