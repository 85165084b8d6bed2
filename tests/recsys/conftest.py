"""Small synthetic ratings shared by the recsys tests (fast, deterministic, no files)."""

import numpy as np
import pandas as pd
import pytest


def make_ratings(n_users: int = 40, n_items: int = 30, density: float = 0.4, seed: int = 0):
    rng = np.random.default_rng(seed)
    user_taste = rng.normal(size=(n_users, 3))
    item_taste = rng.normal(size=(n_items, 3))
    scores = 3 + user_taste @ item_taste.T / 2 + rng.normal(0, 0.5, (n_users, n_items))
    mask = rng.random((n_users, n_items)) < density
    users, items = np.nonzero(mask)
    ratings = np.clip(np.round(scores[users, items] * 2) / 2, 1, 5)
    return pd.DataFrame({"user_id": users + 100, "item_id": items + 1000, "rating": ratings})


@pytest.fixture(scope="session")
def ratings() -> pd.DataFrame:
    return make_ratings()


@pytest.fixture(scope="session")
def items() -> pd.DataFrame:
    genres = ["Horror|Sci-Fi", "Comedy|Romance", "Drama", "Action|Sci-Fi", "Comedy"]
    words = ["alien ship crew", "love wedding city", "family grief", "robot war", "road trip"]
    return pd.DataFrame(
        {
            "item_id": np.arange(1000, 1032),  # two films (1030, 1031) nobody rated
            "title": [f"Film {i}" for i in range(32)],
            "genres": [genres[i % 5] for i in range(32)],
            "logline": [f"a story of {words[i % 5]} number {i}" for i in range(32)],
            "tagline": ["" for _ in range(32)],
        }
    )
