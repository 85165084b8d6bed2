"""How long one click takes in the RecommenderDemo, per algorithm (Python side, no browser).

A "click" is `RecommenderDemo.rate`: save the ratings file atomically, update the search and
rated lists, fold the person into the fitted model, recommend, explain every recommended film,
rebuild the list's HTML. Each session starts with no ratings and rates `--ratings` films picked
at random among the 500 most rated (what a person would find), with random stars; models are
fitted once before timing, exactly as in the widget.

    python benchmarks/demos.py --data path/to/ml-latest-small   # MovieLens-100k scale
    python benchmarks/demos.py                                  # the embedded dataset

The end-to-end time in a real browser (click to updated list) is recorded by the browser
tests in test-artifacts/browser/timings.json.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from cinelab import data
from cinelab.recsys.registry import MODELS
from cinelab.widgets.recommender_demo import RecommenderDemo


def click_times(demo: RecommenderDemo, n_ratings: int, sessions: int, seed: int) -> np.ndarray:
    """Milliseconds per `rate` call over `sessions` sessions of `n_ratings` clicks each."""
    rng = np.random.default_rng(seed)
    popular = demo.dataset.ratings["item_id"].value_counts().index[:500].to_numpy()
    times = []
    for _ in range(sessions):
        demo.reset()
        for item in rng.choice(popular, size=n_ratings, replace=False):
            stars = int(rng.integers(1, 6))
            start = time.perf_counter()
            demo.rate(item, stars)
            times.append((time.perf_counter() - start) * 1000)
    return np.array(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="a MovieLens folder or zip (default: embedded)")
    parser.add_argument("--ratings", type=int, default=15, help="clicks per session")
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    dataset = data.load_movielens(args.data) if args.data else data.load("cinelab")
    print(f"{dataset.name}: {len(dataset.ratings):,} ratings, {len(dataset.items):,} films")
    print("| algorithm | fit (s) | click p50 (ms) | click p95 (ms) | list refresh p50 (ms) |")
    print("|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        demo = RecommenderDemo(dataset, ratings_file=Path(folder) / "ratings.json")
        for name in MODELS:
            demo.algorithm.value = name  # fits the model once, outside the timing
            fit = demo.models.fit_seconds[demo.models.key(name, demo._current_hyper())]
            clicks = click_times(demo, args.ratings, args.sessions, args.seed)
            refresh = demo.last_refresh_ms
            p50, p95 = np.percentile(clicks, [50, 95])
            print(f"| {name} | {fit:.2f} | {p50:.1f} | {p95:.1f} | {refresh:.1f} |")


if __name__ == "__main__":
    main()
