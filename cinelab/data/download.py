"""Fetch MovieLens releases once into a per-user cache, verified, never half-written.

Downloads go through pooch: it writes to a temporary file and moves it into the cache only
after the checksum matches, so an interrupted or corrupted download never leaves a partial
zip behind. GroupLens publishes MD5 sums for most releases; where none is pinned here, the
extracted tables are checked against the release's known row counts instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs
import pooch

from cinelab import config
from cinelab.data.dataset import Dataset
from cinelab.data.embedded import load_embedded
from cinelab.data.movielens import load_movielens

BASE_URL = "https://files.grouplens.org/datasets/movielens/"


@dataclass(frozen=True)
class Release:
    """One MovieLens release: where it lives, how to verify it, and what it must contain."""

    name: str
    filename: str
    known_hash: str | None
    n_ratings: int
    n_users: int
    n_items: int

    @property
    def url(self) -> str:
        return BASE_URL + self.filename


RELEASES = {
    r.name: r
    for r in (
        Release(
            "movielens-100k",
            "ml-100k.zip",
            "sha256:50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229",
            100_000, 943, 1_682,
        ),
        Release("movielens-latest-small", "ml-latest-small.zip", None, 100_836, 610, 9_742),
        Release(
            "movielens-1m", "ml-1m.zip", "md5:c4d9eecfca2ab87c1945afe126590906",
            1_000_209, 6_040, 3_883,
        ),
        Release(
            "movielens-25m", "ml-25m.zip", "md5:6b51fb2759a8657d3bfcbfc42b592ada",
            25_000_095, 162_541, 62_423,
        ),
        Release("movielens-32m", "ml-32m.zip", None, 32_000_204, 200_948, 87_585),
    )
}  # fmt: skip
DATASET_NAMES = ("cinelab", *RELEASES)


def cache_dir(data_home: str | Path | None = None) -> Path:
    """Where downloads are cached: the argument, else $CINELAB_DATA_HOME, else the user cache."""
    chosen = data_home or config.data_home()
    return Path(chosen or platformdirs.user_cache_dir("cinelab")).expanduser()


def _offline_message(release: Release, folder: Path, reason: Exception) -> str:
    return (
        f"Could not download {release.name} from {release.url} ({type(reason).__name__}: "
        f"{reason}). If you are offline or behind a proxy, download {release.filename} on a "
        f"machine that has internet access and copy it, unchanged, to {folder / release.filename}; "
        f"the next call to load({release.name!r}) will verify it and use it without the network. "
        f"Or point load_movielens() at an unpacked copy. Until then, load('cinelab') works offline."
    )


def fetch(release: Release, folder: Path, download: bool = True) -> Path:
    """The verified zip of `release` in `folder`, downloading it first if needed and allowed."""
    target = folder / release.filename
    if not download and not target.exists():
        raise FileNotFoundError(
            f"{release.name} is not in the cache ({target}) and download=False. Copy "
            f"{release.filename} there, or call load({release.name!r}, download=True)."
        )
    try:
        path = pooch.retrieve(
            release.url,
            known_hash=release.known_hash,
            fname=release.filename,
            path=folder,
            progressbar=True,
        )
    except ValueError:
        raise  # checksum mismatch: pooch's message names both hashes and removes the bad file
    except Exception as error:  # network errors come from requests, urllib3, sockets...
        raise ConnectionError(_offline_message(release, folder, error)) from error
    return Path(path)


def _check_structure(dataset: Dataset, release: Release, zip_path: Path) -> None:
    """For releases without a pinned checksum, the counts are the integrity check."""
    found = (
        len(dataset.ratings),
        dataset.ratings["user_id"].nunique(),
        len(dataset.items),
    )
    expected = (release.n_ratings, release.n_users, release.n_items)
    if found != expected:
        zip_path.unlink(missing_ok=True)
        raise ValueError(
            f"{zip_path.name} does not hold the {release.name} release: expected "
            f"(ratings, users, films) = {expected}, found {found}. The file was removed from the "
            "cache; download it again."
        )


def load(
    name: str = "cinelab", data_home: str | Path | None = None, download: bool = True
) -> Dataset:
    """Load a dataset by name: the embedded ``"cinelab"`` data, or a MovieLens release.

    Parameters
    ----------
    name : str
        One of `DATASET_NAMES`.
    data_home : str or Path, optional
        Cache folder for downloads (default: ``$CINELAB_DATA_HOME`` or the per-user cache).
    download : bool
        If False, never touch the network: use the cached zip or fail with instructions.
    """
    if name == "cinelab":
        return load_embedded()
    if name not in RELEASES:
        raise ValueError(f"Unknown dataset {name!r}. Choose one of {list(DATASET_NAMES)}.")
    release = RELEASES[name]
    zip_path = fetch(release, cache_dir(data_home), download=download)
    dataset = load_movielens(zip_path, name=name)
    if release.known_hash is None:
        _check_structure(dataset, release, zip_path)
    return dataset
