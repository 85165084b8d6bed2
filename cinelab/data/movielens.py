"""Read any MovieLens release from a local folder or zip into the kit's `Dataset` shape.

Three on-disk formats exist, detected by the files present:

* ml-100k: tab-separated ``u.data`` and a latin-1, pipe-separated ``u.item`` with 19 genre flags;
* ml-1m (and ml-10m): ``ratings.dat``/``movies.dat`` separated by ``::``, latin-1;
* the CSV releases (ml-latest-small, ml-25m, ml-32m): ``ratings.csv`` and ``movies.csv``, with
  the year inside the title, e.g. ``"Heat (1995)"``.

CRLF line endings are tolerated everywhere. Every table is validated *before* any column is
cast, and every error names the file (and the zip member) it comes from.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from cinelab.data.dataset import Dataset, catalogue_key
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
        elif path.suffix.lower() == ".zip" and path.is_file():
            raise ValueError(
                f"{path} is not a readable zip file (damaged or incompletely downloaded). "
                "Delete it and download the release again."
            )
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

    def require(self, filename: str, release: str) -> str:
        """The member named `filename`, or a `FileNotFoundError` naming what is missing where."""
        member = self.find(filename)
        if member is None:
            raise FileNotFoundError(f"{self.path}: this {release} release has no {filename}.")
        return member

    def read_bytes(self, member: str) -> bytes:
        try:
            if self._zip is not None:
                return self._zip.read(member)
            return (self.path / member).read_bytes()
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            raise ValueError(
                f"{self.path}: {member} cannot be read ({error}); the zip is damaged. Delete it "
                "and download the release again."
            ) from error

    def text(self, member: str, encoding: str) -> io.StringIO:
        raw = self.read_bytes(member)
        try:
            decoded = raw.decode(encoding)
        except UnicodeDecodeError as error:
            raise ValueError(
                f"{self.path}: {member} is not {encoding} text (byte {error.start}: "
                f"{raw[error.start : error.start + 1]!r}). Was it re-saved by another program?"
            ) from error
        return io.StringIO(decoded.replace("\r\n", "\n"))

    def table(self, member: str, encoding: str, **read_options) -> pd.DataFrame:
        """`pd.read_csv` of one member, with errors that name the file."""
        text = self.text(member, encoding)
        if read_options.pop("double_colon", False):
            text = io.StringIO(text.getvalue().replace("::", "\t"))
        try:
            return pd.read_csv(text, **read_options)
        except (pd.errors.EmptyDataError, pd.errors.ParserError, ValueError) as error:
            raise ValueError(
                f"{self.path}: {member} cannot be read as a table ({error})."
            ) from error


def split_title_year(titles: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split ``"Heat (1995)"`` into ``"Heat"`` and 1995; titles without a year keep <NA>."""
    titles = titles.astype(str).str.strip()
    years = titles.str.extract(_YEAR_IN_TITLE, expand=False)
    clean = titles.str.replace(_YEAR_IN_TITLE, "", regex=True).str.strip()
    return clean, pd.to_numeric(years, errors="coerce").astype("Int64")


def _whole_numbers(values: pd.Series, column: str, source: str) -> pd.Series:
    """`values` as int64, refusing (not truncating) anything that is not a whole int64 number."""
    numeric = pd.to_numeric(values, errors="coerce")
    as_float = numeric.astype(float)
    bad = numeric.isna() | (as_float % 1 != 0) | (as_float.abs() >= 2.0**63)
    if bad.any():
        rows = list(values.index[bad.to_numpy()][:5])
        examples = [values[r] for r in rows]
        raise ValueError(
            f"{source}: column '{column}' must hold whole numbers, but rows {rows} hold "
            f"{examples}. Converting would change them (10.5 would become film 10)."
        )
    return numeric.astype(np.int64)


def _finish_ratings(ratings: pd.DataFrame, source: str) -> pd.DataFrame:
    """Validate first, then cast: a cast before the checks would hide what was wrong."""
    try:
        validate_ratings(ratings)
    except ValueError as error:
        raise ValueError(f"{source}: {error}") from None
    columns = {c: _whole_numbers(ratings[c], c, source) for c in ("user_id", "item_id")}
    columns["timestamp"] = _whole_numbers(ratings["timestamp"], "timestamp", source)
    columns["rating"] = pd.to_numeric(ratings["rating"]).astype(float)
    return ratings.assign(**columns)[RATING_COLUMNS]


def _finish_items(items: pd.DataFrame, source: str) -> pd.DataFrame:
    items = items.assign(item_id=_whole_numbers(items["item_id"], "item_id", source))
    repeated = items["item_id"][items["item_id"].duplicated()]
    if len(repeated):
        raise ValueError(f"{source}: item_id repeats: {list(repeated[:5])}.")
    return items


def _read_100k(source: _Source) -> tuple[pd.DataFrame, pd.DataFrame]:
    data, item = source.require("u.data", "ml-100k"), source.require("u.item", "ml-100k")
    ratings = source.table(data, "latin-1", sep="\t", names=RATING_COLUMNS)
    names = ["item_id", "title", "release_date", "video_release_date", "url", *ML100K_GENRES]
    raw = source.table(item, "latin-1", sep="|", names=names)
    flags = raw[ML100K_GENRES[1:]].fillna(0).to_numpy(dtype=bool)  # (n_films, 18)
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
    return (
        _finish_ratings(ratings, f"{source.path} {data}"),
        _finish_items(items, f"{source.path} {item}"),
    )


def _read_dat(source: _Source) -> tuple[pd.DataFrame, pd.DataFrame]:
    data, movies = source.require("ratings.dat", "ml-1m"), source.require("movies.dat", "ml-1m")
    ratings = source.table(data, "latin-1", double_colon=True, sep="\t", names=RATING_COLUMNS)
    raw = source.table(
        movies, "latin-1", double_colon=True, sep="\t", names=["item_id", "title", "genres"]
    )
    title, year = split_title_year(raw["title"])
    items = pd.DataFrame(
        {"item_id": raw["item_id"], "title": title, "year": year, "genres": raw["genres"]}
    )
    return (
        _finish_ratings(ratings, f"{source.path} {data}"),
        _finish_items(items, f"{source.path} {movies}"),
    )


def _read_csv_release(source: _Source) -> tuple[pd.DataFrame, pd.DataFrame]:
    data, movies = source.require("ratings.csv", "CSV"), source.require("movies.csv", "CSV")
    raw_ratings = source.table(data, "utf-8")
    expected = ["userId", "movieId", "rating", "timestamp"]
    if list(raw_ratings.columns) != expected:
        raise ValueError(
            f"{source.path}: {data} has columns {list(raw_ratings.columns)}, expected {expected}."
        )
    ratings = raw_ratings.set_axis(RATING_COLUMNS, axis=1)
    raw = source.table(movies, "utf-8", dtype={"title": str, "genres": str})
    if "movieId" not in raw.columns or "title" not in raw.columns or "genres" not in raw.columns:
        raise ValueError(
            f"{source.path}: {movies} has columns {list(raw.columns)}, expected "
            "['movieId', 'title', 'genres']."
        )
    title, year = split_title_year(raw["title"])
    items = pd.DataFrame(
        {
            "item_id": raw["movieId"],
            "title": title,
            "year": year,
            "genres": raw["genres"].str.replace("Children's", "Children"),
        }
    )
    return (
        _finish_ratings(ratings, f"{source.path} {data}"),
        _finish_items(items, f"{source.path} {movies}"),
    )


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
            return Dataset(
                name=label,
                ratings=ratings,
                items=items,
                rating_scale=(0.5, 5.0),
                identity=catalogue_key(items, prefix="movielens"),
            )
    raise ValueError(
        f"{path} does not look like a MovieLens release: found none of "
        f"{[m for m, _ in _FORMATS]} in it."
    )
