"""The feedback loop of a recommender, simulated: collect → model → recommend → interact →
feedback → retrain, round after round.

A recommender learns from what people rated, but people mostly rate what they were shown.
Run that loop and the system can narrow itself: popular films get shown, so they get rated,
so they look even safer to show. This module runs the loop with simulated people whose true
tastes are known (the embedded dataset's `SyntheticTruth`), so we can measure what the loop
does rather than guess:

* **accuracy**: RMSE of the model against the *true* expected ratings on a fixed random sample
  of (user, film) pairs, including films nobody was shown (NaN for ranking-only models), and
  the share of shown films the person truly likes (expected rating >= `liked_threshold`);
* **catalogue coverage**: share of the catalogue shown to at least one simulated user;
* **popularity concentration**: Gini index of how often each film was shown (0: every film
  equally often, 1: one film takes every slot);
* **drift to the head**: share of shown films among the most-rated films at the start.

Each round: fit the model on all ratings so far; show every simulated user a list of
`list_length` unseen films, each slot replaced with probability `exploration` by a random unseen
film (epsilon-greedy); each user watches the first `watched_per_round` films of their list
(people click the top) and rates them ``clip(round(expected + noise), 1, 5)``; the new ratings
join the data. No UI here: `cinelab.widgets.FeedbackLoopSimulator` draws the results.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from cinelab.arguments import fraction, positive_int, probability
from cinelab.progress import progress_bar
from cinelab.recsys.base import Recommender
from cinelab.recsys.metrics import catalogue_coverage, gini, rmse

METRIC_COLUMNS = ("rmse", "liked_share", "coverage", "gini", "head_share")


def simulate_feedback_loop(
    ratings: pd.DataFrame,
    truth,
    make_model: Callable[[], Recommender],
    *,
    rounds: int = 8,
    n_users: int = 200,
    list_length: int = 10,
    watched_per_round: int = 2,
    exploration: float = 0.0,
    noise_sd: float = 0.7,
    liked_threshold: float = 4.0,
    head_fraction: float = 0.1,
    n_probe_pairs: int = 3000,
    seed: int = 0,
    progress: bool | None = None,
    on_round: Callable[[dict], None] | None = None,
) -> pd.DataFrame:
    """Run the loop and return one row of metrics per round.

    Parameters
    ----------
    ratings : DataFrame
        The data collected before the loop starts (``user_id, item_id, rating``).
    truth : SyntheticTruth
        The planted tastes (``dataset.truth`` of the embedded data): who likes what.
    make_model : callable
        Returns a fresh, unfitted model; called once per round (e.g. ``recsys.ItemKNN``).
    rounds, n_users, list_length, watched_per_round : int
        Loop length, simulated users (drawn from the truth's users), films shown per user per
        round, and how many of the top shown films each user watches and rates.
    exploration : float in [0, 1]
        Chance that each shown slot holds a random unseen film instead of the model's pick.
    noise_sd : float
        Standard deviation of the noise between true taste and the star given.
    liked_threshold : float
        Expected rating from which a person counts as liking a film.
    head_fraction : float in (0, 1)
        The "head": this share of the catalogue, the most-rated films before the loop.
    n_probe_pairs : int
        Random (user, film) pairs on which accuracy against the truth is measured.
    seed : int
        Makes the simulated users, exploration, noise and probes reproducible.
    progress : bool, optional
        Show a progress bar over the rounds; None (default) shows it in a terminal or
        notebook and not in logs.
    on_round : callable, optional
        Called with each round's metrics (a dict) as soon as it is measured, so a widget
        can draw the curves while the loop runs.

    Returns
    -------
    DataFrame
        Columns ``round, n_ratings`` and `METRIC_COLUMNS`; round 1 is the first model.
    """
    _check_arguments(rounds, n_users, list_length, watched_per_round, exploration, head_fraction)
    rng = np.random.default_rng(seed)
    catalogue = truth.item_bias.index.to_numpy()  # (n_items,)
    users = rng.choice(truth.user_bias.index.to_numpy(), size=n_users, replace=False)
    head = _head(ratings, catalogue, head_fraction)
    tastes = TrueTastes(truth)
    probes = _probe_pairs(rng, tastes, n_probe_pairs)
    data = ratings[["user_id", "item_id", "rating"]].copy()
    rows = []
    for round_number in progress_bar(range(1, rounds + 1), desc="feedback rounds", show=progress):
        model = make_model().fit(data)
        seen = data.groupby("user_id")["item_id"].agg(set).to_dict()
        shown = {
            user: _show(
                model, user, seen.get(user, set()), catalogue, list_length, exploration, rng
            )
            for user in users
        }
        rows.append(
            {
                "round": round_number,
                "n_ratings": len(data),
                "rmse": _accuracy(model, probes),
                "liked_share": _liked_share(tastes, shown, liked_threshold),
                "coverage": catalogue_coverage(shown, len(catalogue)),
                "gini": gini(_show_counts(shown, catalogue)),
                "head_share": _head_share(shown, head),
            }
        )
        if on_round is not None:
            on_round(rows[-1])
        feedback = _watch_and_rate(tastes, shown, watched_per_round, noise_sd, rng)
        data = pd.concat([data, feedback], ignore_index=True)
    return pd.DataFrame(rows)


def _check_arguments(rounds, n_users, list_length, watched, exploration, head_fraction) -> None:
    for name, value in (
        ("rounds", rounds), ("n_users", n_users), ("list_length", list_length),
        ("watched_per_round", watched),
    ):  # fmt: skip
        positive_int(value, name)
    if watched > list_length:
        raise ValueError(
            f"watched_per_round ({watched}) cannot exceed list_length ({list_length})."
        )
    probability(exploration, "exploration")
    fraction(head_fraction, "head_fraction")


def _head(ratings: pd.DataFrame, catalogue: np.ndarray, fraction: float) -> set:
    """The most-rated `fraction` of the catalogue before the loop (ties: lower id first)."""
    counts = ratings["item_id"].value_counts().reindex(catalogue, fill_value=0)
    order = np.lexsort((catalogue, -counts.to_numpy()))  # most rated first
    return set(catalogue[order[: max(1, round(fraction * len(catalogue)))]])


class TrueTastes:
    """Noise-free ratings from the planted truth, one whole catalogue row per person, cached.

    `SyntheticTruth.expected_rating` is the one definition of a person's true taste; asking it
    once per person for every film (and remembering the row) keeps the loop fast.
    """

    def __init__(self, truth):
        self.truth = truth
        self.catalogue = pd.Index(truth.item_bias.index)
        self._rows: dict = {}

    def __call__(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Expected rating of each (user, film) pair."""
        columns = self.catalogue.get_indexer(items)  # (n_pairs,)
        out = np.empty(len(users))  # (n_pairs,)
        for user, positions in pd.Series(np.arange(len(users))).groupby(users):
            rows = positions.to_numpy()
            out[rows] = self.row(user)[columns[rows]]
        return out

    def row(self, user) -> np.ndarray:
        if user not in self._rows:
            self._rows[user] = self.truth.expected_rating(user, self.catalogue)  # (n_items,)
        return self._rows[user]


def _probe_pairs(
    rng: np.random.Generator, tastes: TrueTastes, n_pairs: int, n_people: int = 100
) -> pd.DataFrame:
    """Random (user, film) pairs, among `n_people` random people, with their true rating."""
    everyone = tastes.truth.user_bias.index.to_numpy()
    people = rng.choice(everyone, size=min(n_people, len(everyone)), replace=False)
    users = rng.choice(people, size=n_pairs)  # (n_pairs,)
    items = rng.choice(tastes.catalogue.to_numpy(), size=n_pairs)  # (n_pairs,)
    return pd.DataFrame({"user_id": users, "item_id": items, "truth": tastes(users, items)})


def _show(model, user, seen: set, catalogue, length: int, exploration: float, rng) -> list:
    """The model's top unseen films, each slot swapped for a random unseen film with
    probability `exploration`."""
    picks = list(model.recommend(user, n=length)["item_id"])
    explore = rng.random(len(picks)) < exploration  # (n_picks,)
    if not explore.any():
        return picks
    kept = {pick for pick, swap in zip(picks, explore, strict=True) if not swap}
    taken = seen | kept  # a film swapped out was not shown, so it may come back at random
    pool = np.array([item for item in catalogue if item not in taken])  # holds the swapped picks
    extra = iter(rng.choice(pool, size=int(explore.sum()), replace=False))
    return [next(extra) if swap else pick for pick, swap in zip(picks, explore, strict=True)]


def _accuracy(model, probes: pd.DataFrame) -> float:
    if not model.predicts_ratings:
        return float("nan")
    return rmse(probes["truth"], model.predict(probes[["user_id", "item_id"]]))


def _liked_share(tastes: TrueTastes, shown: dict, threshold: float) -> float:
    users = np.concatenate([[user] * len(items) for user, items in shown.items()])
    items = np.concatenate([list(items) for items in shown.values()])
    return float((tastes(users, items) >= threshold).mean())


def _show_counts(shown: dict, catalogue: np.ndarray) -> np.ndarray:
    counts = pd.Series([item for items in shown.values() for item in items]).value_counts()
    return counts.reindex(catalogue, fill_value=0).to_numpy()  # (n_items,)


def _head_share(shown: dict, head: set) -> float:
    slots = [item for items in shown.values() for item in items]
    return sum(item in head for item in slots) / len(slots)


def _watch_and_rate(
    tastes: TrueTastes, shown: dict, watched: int, noise_sd: float, rng
) -> pd.DataFrame:
    """Each user watches the first `watched` films of their list and rates them."""
    users = np.concatenate([[user] * len(items[:watched]) for user, items in shown.items()])
    items = np.concatenate([list(items[:watched]) for items in shown.values()])
    noisy = tastes(users, items) + rng.normal(scale=noise_sd, size=len(items))
    stars = np.clip(np.rint(noisy), 1, 5)  # (n_new,)
    return pd.DataFrame({"user_id": users, "item_id": items, "rating": stars})
