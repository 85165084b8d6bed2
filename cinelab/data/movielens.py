"""Read any MovieLens release from a local folder or zip into the kit's `Dataset` shape.

Three on-disk formats exist, detected by the files present:

* ml-100k: tab-separated ``u.data`` and a latin-1, pipe-separated ``u.item`` with 19 genre flags;
* ml-1m (and ml-10m): ``ratings.dat``/``movies.dat`` separated by ``::``, latin-1;
* the CSV releases (ml-latest-small, ml-25m, ml-32m): ``ratings.csv`` and ``movies.csv``, with
  the year inside the title, e.g. ``"Heat (1995)"``.

CRLF line endings are tolerated everywhere.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from cinelab.data.dataset import Dataset
from cinelab.data.validation import validate_ratings

RATING_COLUMNS = ["user_id", "item_id", "rating", "timestamp"]
ML100K_GENRES = [
    "unknown", "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
]  # fmt: skip
NO_GENRES = "(no genres listed)"
_YEAR_IN_TITLE = re.compile(r"\s*\((\d{4})(?:[-–]\d{0,4})?\)\s*$")


class _Source:
    """Uniform read access to the files of a release, whether in a folder or a zip."""

    def __init__(self, path: Path):
        self.path = path
        if zipfile.is_zipfile(path):
            self._zip = zipfile.ZipFile(path)
            self._names = [n for n in self._zip.namelist() if not n.endswith("/")]
        elif path.is_dir():
            self._zip = None
            self._names = [p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()]
        else:
            raise FileNotFoundError(
                f"{path} is neither a folder nor a zip file of a MovieLens release."
            )

    def find(self, filename: str) -> str | None:
        """The shallowest member named `filename` (releases nest files one folder down)."""
        matches = sorted((n for n in self._names if n.rsplit("/", 1)[-1] == filename), key=len)
        return matches[0] if matches else None

    def read_bytes(self, member: str) -> bytes:
        if self._zip is not None:
            return self._zip.read(member)
        return (self.path / member).read_bytes()

    def text(self, member: str, encoding: str) -> io.StringIO:
        return io.StringIO(self.read_bytes(member).decode(encoding).replace("\r\n", "\n"))


def split_title_year(titles: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split ``"Heat (1995)"`` into ``"Heat"`` and 1995; titles without a year keep <NA>."""
    titles = titles.astype(str).str.strip()
    years = titles.str.extract(_YEAR_IN_TITLE, expand=False)
    clean = titles.str.replace(_YEAR_IN_TITLE, "", regex=True).str.strip()
    return clean, pd.to_numeric(years, errors="coerce").astype("Int64")


def _finish_ratings(ratings: pd.DataFrame, source: str) -> pd.DataFrame:
    ratings = ratings.astype(
        {"user_id": np.int64, "item_id": np.int64, "rating": float, "timestamp": np.int64}
    )
    try:
        return validate_ratings(ratings)
    except ValueError as error:
        raise ValueError(f"{source}: {error}") from None


def _read_100k(source: _Source) -> tuple[pd.DataFrame, pd.DataFrame]:
    data, item = source.find("u.data"), source.find("u.item")
    if item is None:
        raise FileNotFoundError(f"{source.path}: ml-100k release has u.data but no u.item.")
    ratings = pd.read_csv(source.text(data, "latin-1"), sep="\t", names=RATING_COLUMNS)
    names = ["item_id", "title", "release_date", "video_release_date", "url", *ML100K_GENRES]
    raw = pd.read_csv(source.text(item, "latin-1"), sep="|", names=names)
    flags = raw[ML100K_GENRES[1:]].to_numpy(dtype=bool)  # (n_films, 18)
    genres = ["|".join(np.array(ML100K_GENRES[1:])[row]) or NO_GENRES for row in flags]
    title, year = split_title_year(raw["title"])
    release_year = pd.to_datetime(raw["release_date"], format="%d-%b-%Y", errors="coerce").dt.year
    items = pd.DataFrame(
        {
            "item_id": raw["item_id"],
            "title": title,
            "year": year.fillna(release_year.astype("Int64")),
            "genres": genres,
        }
    )
    return _finish_ratings(ratings, f"{source.path} u.data"), items


def _read_dat(source: _Source) -> tuple[pd.DataFrame, pd.DataFrame]:
    def table(member: str, names: list[str]) -> pd.DataFrame:
        text = source.read_bytes(member).decode("latin-1").replace("\r\n", "\n")
        return pd.read_csv(io.StringIO(text.replace("::", "\t")), sep="\t", names=names)

    ratings = table(source.find("ratings.dat"), RATING_COLUMNS)
    raw = table(source.find("movies.dat"), ["item_id", "title", "genres"])
    title, year = split_title_year(raw["title"])
    items = pd.DataFrame(
        {"item_id": raw["item_id"], "title": title, "year": year, "genres": raw["genres"]}
    )
    return _finish_ratings(ratings, f"{source.path} ratings.dat"), items


def _read_csv_release(source: _Source) -> tuple[pd.DataFrame, pd.DataFrame]:
    movies = source.find("movies.csv")
    if movies is None:
        raise FileNotFoundError(f"{source.path}: has ratings.csv but no movies.csv.")
    raw_ratings = pd.read_csv(io.BytesIO(source.read_bytes(source.find("ratings.csv"))))
    expected = ["userId", "movieId", "rating", "timestamp"]
    if list(raw_ratings.columns) != expected:
        raise ValueError(
            f"{source.path} ratings.csv has columns {list(raw_ratings.columns)}, "
            f"expected {expected}."
        )
    ratings = raw_ratings.set_axis(RATING_COLUMNS, axis=1)
    raw = pd.read_csv(io.BytesIO(source.read_bytes(movies)), dtype={"title": str, "genres": str})
    title, year = split_title_year(raw["title"])
    items = pd.DataFrame(
        {
            "item_id": raw["movieId"],
            "title": title,
            "year": year,
            "genres": raw["genres"].str.replace("Children's", "Children"),
        }
    )
    return _finish_ratings(ratings, f"{source.path} ratings.csv"), items


_FORMATS = (("u.data", _read_100k), ("ratings.dat", _read_dat), ("ratings.csv", _read_csv_release))


def load_movielens(path: str | Path, name: str | None = None) -> Dataset:
    """Read a MovieLens release (folder or zip, any of the three formats) into a `Dataset`.

    Parameters
    ----------
    path : str or Path
        The release folder (``ml-100k/``), a folder that contains it, or the downloaded zip.
    name : str, optional
        The dataset's name in `describe()`; defaults to the folder or zip name.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"No MovieLens release at {path}: the path does not exist.")
    source = _Source(path)
    for marker, reader in _FORMATS:
        member = source.find(marker)
        if member is not None:
            ratings, items = reader(source)
            label = name or Path(member).parent.name or path.stem
            return Dataset(name=label, ratings=ratings, items=items, rating_scale=(0.5, 5.0))
    raise ValueError(
        f"{path} does not look like a MovieLens release: found none of "
        f"{[m for m, _ in _FORMATS]} in it."
    )
