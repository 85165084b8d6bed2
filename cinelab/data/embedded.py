"""The kit's own offline dataset: real films (`data/films.csv`) and synthetic ratings (`data/ratings.csv`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cinelab import config
from cinelab.data.dataset import Dataset
from cinelab.data.genres import GENRES
from cinelab.data.synth import plant_truth
from cinelab.data.validation import validate_ratings

EMBEDDED_DIR = config.data_dir()
FILM_COLUMNS = ("item_id", "title", "year", "genres", "logline", "tagline")
EMBEDDED_SCALE = (1.0, 5.0)


def _require(path: Path) -> Path:
    if not path.exists():
        raise FileNotFoundError(
            f"The kit's data file {path} is missing. It ships with the repository: reinstall "
            "from a fresh clone (pip install -e .) rather than copying the package alone."
        )
    return path


def check_films(films: pd.DataFrame, source: str = "films.csv") -> pd.DataFrame:
    """Raise `ValueError` if the catalogue has missing columns, repeated ids or unknown genres."""
    missing = [c for c in FILM_COLUMNS if c not in films.columns]
    if missing:
        raise ValueError(f"{source} is missing column(s) {missing}.")
    repeated = films.index[films["item_id"].duplicated()]
    if len(repeated):
        raise ValueError(f"{source}: item_id repeats at rows {list(repeated[:5])}.")
    for row, text in films["genres"].items():
        unknown = set(str(text).split("|")) - set(GENRES)
        if unknown:
            raise ValueError(f"{source} row {row}: unknown genre(s) {sorted(unknown)}.")
    return films


def read_films(path: Path | None = None) -> pd.DataFrame:
    """The embedded film catalogue as a DataFrame with the columns in `FILM_COLUMNS`."""
    path = _require(path or EMBEDDED_DIR / "films.csv")
    films = pd.read_csv(path, dtype={"title": str, "genres": str, "logline": str, "tagline": str})
    return check_films(films, source=str(path))


def read_ratings(path: Path | None = None) -> pd.DataFrame:
    """The embedded synthetic ratings, validated, with float ratings."""
    path = _require(path or EMBEDDED_DIR / "ratings.csv")
    ratings = validate_ratings(pd.read_csv(path), scale=EMBEDDED_SCALE)  # check, then cast
    return ratings.assign(rating=ratings["rating"].astype(float))


def load_embedded() -> Dataset:
    """The offline default: real films, synthetic ratings, and the truth that generated them."""
    films = read_films()
    return Dataset(
        name="cinelab",
        ratings=read_ratings(),
        items=films,
        rating_scale=EMBEDDED_SCALE,
        truth=plant_truth(films),
        identity="cinelab",
    )
