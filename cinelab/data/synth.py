"""The generative model behind the embedded ratings (`data/ratings.csv`).

Real rating data cannot be shipped, so the kit plants a known structure and samples from it.
Because the truth is known, a notebook can ask "did matrix factorisation recover the tastes
that made these ratings?", something MovieLens can never answer.

The model, for user u and film i (see data/README.md for the story):

* tastes: film factors ``q_i = normalise(genres_i) @ A + noise`` (genre-driven), user factors
  ``p_u ~ Normal(0, I)``, rescaled so the taste term ``p_u . q_i`` has standard deviation
  ``taste_sd``;
* biases: ``b_u ~ Normal(0, user_bias_sd)``; ``b_i`` mixes a film's quality with its
  popularity (better films are watched more);
* what gets rated (missing not at random): user u watches ``n_u`` films
  (``n_u = min_ratings + Lomax``, a heavy tail truncated at a cap), chosen without replacement with weights
  ``popularity_i * exp(choice_weight * standardised(b_i + p_u . q_i))`` (Gumbel top-k);
* the rating: ``clip(round(mu + b_u + b_i + p_u . q_i + noise), 1, 5)``;
* time: each user starts on a random day and rates at exponential gaps.

Run ``cinelab data generate`` to rewrite ``data/ratings.csv`` (same seed, same bytes), or
``cinelab data check`` to verify the committed file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cinelab.data.genres import GENRES, genre_matrix
from cinelab.files import write_atomically


@dataclass(frozen=True)
class SynthConfig:
    """Every parameter of the generative model; the defaults made `data/ratings.csv`."""

    n_users: int = 1500
    n_factors: int = 8
    global_mean: float = 3.0
    user_bias_sd: float = 0.35
    item_bias_sd: float = 0.35
    taste_sd: float = 0.75
    noise_sd: float = 0.7
    factor_noise_sd: float = 0.3
    popularity_sd: float = 1.2
    quality_popularity_correlation: float = 0.5
    choice_weight: float = 1.0
    min_ratings_per_user: int = 20
    activity_tail: float = 1.3
    activity_scale: float = 12.0
    max_ratings_per_user: int = 400
    start: str = "2015-01-01"
    end: str = "2024-12-31"
    mean_gap_days: float = 3.0
    seed: int = 0


@dataclass
class SyntheticTruth:
    """The planted parameters that generated the embedded ratings."""

    global_mean: float
    user_bias: pd.Series  # indexed by user_id
    item_bias: pd.Series  # indexed by item_id
    user_factors: pd.DataFrame  # (n_users, n_factors), indexed by user_id
    item_factors: pd.DataFrame  # (n_items, n_factors), indexed by item_id
    popularity: pd.Series  # probability weight of being chosen, indexed by item_id
    config: SynthConfig = field(repr=False)

    def expected_rating(self, user_id, item_ids) -> np.ndarray:
        """Noise-free rating user `user_id` would give each film, clipped to 1..5."""
        items = pd.Index(item_ids)
        taste = self.item_factors.loc[items].to_numpy() @ self.user_factors.loc[user_id].to_numpy()
        score = (
            self.global_mean + self.user_bias.loc[user_id] + self.item_bias.loc[items].to_numpy()
        )
        return np.clip(score + taste, 1.0, 5.0)  # (n_items,)


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def plant_truth(items: pd.DataFrame, config: SynthConfig = SynthConfig()) -> SyntheticTruth:
    """Draw biases, popularity and genre-driven factors for the films in `items`."""
    rng = np.random.default_rng(config.seed)
    n_items, k = len(items), config.n_factors
    genres = _unit_rows(genre_matrix(items["genres"]))  # (n_items, n_genres)
    loadings = rng.normal(size=(len(GENRES), k))  # (n_genres, k)
    item_factors = genres @ loadings + rng.normal(scale=config.factor_noise_sd, size=(n_items, k))
    user_factors = rng.normal(size=(config.n_users, k))  # (n_users, k)
    taste_scale = np.sqrt(config.taste_sd / (user_factors @ item_factors.T).std())
    item_factors *= taste_scale  # (n_items, k)
    user_factors *= taste_scale  # (n_users, k)

    popularity_z = rng.normal(size=n_items)  # (n_items,)
    rho = config.quality_popularity_correlation
    quality_z = rho * popularity_z + np.sqrt(1 - rho**2) * rng.normal(size=n_items)
    popularity = np.exp(config.popularity_sd * popularity_z)
    user_ids = np.arange(1, config.n_users + 1)
    item_ids = items["item_id"].to_numpy()
    columns = [f"factor_{j}" for j in range(k)]
    return SyntheticTruth(
        global_mean=config.global_mean,
        user_bias=pd.Series(
            rng.normal(scale=config.user_bias_sd, size=config.n_users), index=user_ids
        ).rename_axis("user_id"),
        item_bias=pd.Series(config.item_bias_sd * quality_z, index=item_ids).rename_axis("item_id"),
        user_factors=pd.DataFrame(user_factors, index=user_ids, columns=columns).rename_axis(
            "user_id"
        ),
        item_factors=pd.DataFrame(item_factors, index=item_ids, columns=columns).rename_axis(
            "item_id"
        ),
        popularity=pd.Series(popularity / popularity.sum(), index=item_ids).rename_axis("item_id"),
        config=config,
    )


def _activity(rng: np.random.Generator, config: SynthConfig, n_items: int) -> np.ndarray:
    """Heavy-tailed number of films each user rates: `min_ratings_per_user` plus a Lomax draw
    truncated at the cap (by inverse CDF, so no pile-up of users at the cap)."""
    cap = min(config.max_ratings_per_user, n_items) - config.min_ratings_per_user
    tail, scale = config.activity_tail, config.activity_scale
    top = 1 - (1 + cap / scale) ** -tail  # Lomax CDF at the cap
    u = rng.uniform(0, top, config.n_users)
    extra = np.floor(scale * ((1 - u) ** (-1 / tail) - 1))  # (n_users,)
    return (config.min_ratings_per_user + extra).astype(int)


def _choose_films(rng, truth: SyntheticTruth, n_rated: np.ndarray) -> np.ndarray:
    """Boolean (n_users, n_items): which films each user watched, favouring taste and popularity."""
    appeal = truth.user_factors.to_numpy() @ truth.item_factors.to_numpy().T  # (n_users, n_items)
    appeal += truth.item_bias.to_numpy()
    appeal = (appeal - appeal.mean()) / appeal.std()
    logits = np.log(truth.popularity.to_numpy()) + truth.config.choice_weight * appeal
    keys = logits + rng.gumbel(size=logits.shape)  # Gumbel top-k = sampling without replacement
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)  # (n_users, n_items), 0 = first choice
    return rank < n_rated[:, None]


def _timestamps(rng, config: SynthConfig, user_index: np.ndarray) -> np.ndarray:
    start = pd.Timestamp(config.start).timestamp()
    span = pd.Timestamp(config.end).timestamp() - start
    first_day = start + rng.uniform(0, 0.8 * span, size=config.n_users)  # (n_users,)
    gaps = rng.exponential(config.mean_gap_days * 86_400, size=len(user_index))
    elapsed = pd.Series(gaps).groupby(user_index).cumsum().to_numpy()
    return np.minimum(first_day[user_index] + elapsed, start + span).astype(np.int64)


def sample_ratings(truth: SyntheticTruth) -> pd.DataFrame:
    """Sample the ratings table from the planted truth (deterministic for a given seed)."""
    config = truth.config
    rng = np.random.default_rng([config.seed, 1])
    n_items = len(truth.item_bias)
    watched = _choose_films(rng, truth, _activity(rng, config, n_items))
    user_index, item_index = np.nonzero(watched)  # (n_ratings,) each
    taste = np.einsum(
        "nk,nk->n",
        truth.user_factors.to_numpy()[user_index],
        truth.item_factors.to_numpy()[item_index],
    )
    raw = (
        config.global_mean
        + truth.user_bias.to_numpy()[user_index]
        + truth.item_bias.to_numpy()[item_index]
        + taste
        + rng.normal(scale=config.noise_sd, size=len(user_index))
    )
    order = rng.permutation(len(user_index))  # the order in which films were watched
    user_index, item_index, raw = user_index[order], item_index[order], raw[order]
    ratings = pd.DataFrame(
        {
            "user_id": truth.user_bias.index.to_numpy()[user_index],
            "item_id": truth.item_bias.index.to_numpy()[item_index],
            "rating": np.clip(np.rint(raw), 1, 5).astype(int),
            "timestamp": _timestamps(rng, config, user_index),
        }
    )
    return ratings.sort_values(["user_id", "timestamp", "item_id"], ignore_index=True)


def generate(
    items: pd.DataFrame, config: SynthConfig = SynthConfig()
) -> tuple[pd.DataFrame, SyntheticTruth]:
    """Plant the truth for `items` and sample ratings from it."""
    truth = plant_truth(items, config)
    return sample_ratings(truth), truth


def to_csv_bytes(ratings: pd.DataFrame) -> bytes:
    """The exact bytes written to data/ratings.csv (LF line endings, integer ratings)."""
    return ratings.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_or_check(path: Path, films: pd.DataFrame, check: bool = False) -> int:
    """Rewrite `path` from the generator run on `films` (the catalogue), or (``check=True``)
    report whether it is up to date."""
    ratings, _ = generate(films)
    content = to_csv_bytes(ratings)
    if check:
        same = path.exists() and path.read_bytes() == content
        print(f"{path}: {'up to date' if same else 'DIFFERS from the generator'}")
        return 0 if same else 1
    write_atomically(path, content.decode("utf-8"))  # a crash never leaves half a file
    print(f"wrote {len(ratings):,} ratings by {ratings['user_id'].nunique():,} users to {path}")
    return 0
