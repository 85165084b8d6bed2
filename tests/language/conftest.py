"""Small hand-written fixtures for the language tests: a few films, ratings and reviews."""

import pandas as pd
import pytest

FILMS = pd.DataFrame(
    {
        "item_id": [1, 2, 3, 4],
        "title": ["Night Train", "The Orchard", "Laugh Track", "Frozen Harbour"],
        "year": [1979, 1994, 2005, 2012],
        "genres": ["Horror|Sci-Fi", "Drama|Romance", "Comedy", "Crime|Thriller"],
        "logline": [
            "A cargo crew answers a distress call on a barren moon.",
            "Two sisters inherit an apple orchard and a family quarrel.",
            "A failing stand-up comic takes a job on a cruise ship.",
            "A harbour detective hunts smugglers through an icy winter port.",
        ],
        "tagline": ["a", "b", "c", "d"],
    }
)
RATINGS = pd.DataFrame(
    {
        "user_id": [10, 10, 11, 11, 12, 12],
        "item_id": [1, 2, 1, 3, 2, 4],
        "rating": [5.0, 2.0, 3.0, 4.0, 1.0, 5.0],
        "timestamp": [1, 2, 3, 4, 5, 6],
    }
)
REVIEWS = pd.DataFrame(
    {
        "user_id": [10, 10, 11, 11, 12, 12],
        "item_id": [1, 2, 1, 3, 2, 4],
        "rating": [5, 2, 3, 4, 1, 5],
        "review": [
            "Tense from the first minute and beautifully lit.",
            "Pretty orchards, but nothing happens for two hours.",
            "Slow start, strong middle, so-so finale.",
            "The comic's timing is great and the ship jokes land.",
            "I did not care about a single character.",
            "A cold, gripping thriller that never lets go.",
        ],
    }
)


@pytest.fixture
def films():
    return FILMS.copy()


@pytest.fixture
def ratings():
    return RATINGS.copy()


@pytest.fixture
def reviews():
    return REVIEWS.copy()
