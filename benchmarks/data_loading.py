"""Time the loaders: the embedded dataset (with its planted truth) and a MovieLens folder.

python benchmarks/data_loading.py [--data FOLDER_WITH_ml-latest-small] [--repeats 5]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from cinelab import data


def best_of(repeats: int, load) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = load()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="folder holding ml-latest-small/")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    seconds, ds = best_of(args.repeats, lambda: data.load("cinelab"))
    print(f"load('cinelab'): {seconds * 1000:.0f} ms ({len(ds.ratings):,} ratings)")
    if args.data:
        folder = args.data / "ml-latest-small"
        seconds, ds = best_of(args.repeats, lambda: data.load_movielens(folder))
        print(
            f"load_movielens(ml-latest-small): {seconds * 1000:.0f} ms ({len(ds.ratings):,} ratings)"
        )


if __name__ == "__main__":
    main()
