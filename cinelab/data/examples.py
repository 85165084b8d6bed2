"""Tiny hand-sized datasets used by notebooks, exercises and tests alike (one copy each)."""

import numpy as np

# A design article's worked example for user-user collaborative filtering:
# 5 users (rows) x 10 films (columns), 0 = not rated.
ARTICLE_RATINGS = np.array(
    [
        [5, 4, 5, 0, 0, 4, 5, 0, 0, 3],
        [3, 5, 0, 5, 4, 3, 0, 4, 5, 2],
        [4, 0, 5, 5, 4, 0, 5, 4, 0, 5],
        [0, 4, 5, 5, 0, 4, 5, 4, 5, 4],
        [5, 0, 4, 0, 5, 5, 0, 4, 5, 3],
    ],
    dtype=float,
)  # (5 users, 10 films)
ARTICLE_RATINGS.flags.writeable = False  # shared: callers copy before changing it
