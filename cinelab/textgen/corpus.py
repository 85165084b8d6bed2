"""The trailer-copy corpus: what the kit's tiny language model reads.

Two sources are joined into one table of *documents*:

- each film's own logline and tagline from ``data/films.csv``;
- the kit's written copy in ``data/corpus/trailer_copy.tsv`` (taglines, voice-over lines,
  blurbs and social posts, each tied to one film and to the genre it plays up).

Every document starts with a short header such as ``tagline | Horror | Alien (1979) |``
followed by the copy. The header is how we *ask* the model for something later:
give it the header, and it writes the copy that usually follows such a header.

The validation part is chosen **by film**: all lines about a validation film are held out,
so validation loss measures how well the model writes about films it has never seen,
not how well it remembers sentences.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import pandas as pd

from cinelab.data.embedded import EMBEDDED_DIR as DATA_DIR

COPY_PATH = DATA_DIR / "corpus" / "trailer_copy.tsv"
KINDS = ("logline", "tagline", "voiceover", "blurb", "social")
COPY_COLUMNS = ("title", "year", "kind", "angle", "text")
VALIDATION_SHARE = 0.1


def format_header(kind: str, angle: str, title: str, year: int) -> str:
    """The start of a document: what kind of copy, which genre it plays up, which film.

    The copy follows after a space, so its first word is tokenised like any other word
    (" In", with its leading space) rather than as a rarer start-of-line piece.
    """
    return f"{kind} | {angle} | {title} ({int(year)}) |"


PROMPT_KINDS = ("tagline", "voiceover", "social", "blurb", "continuation")


def build_prompt(film, kind: str, *, angle: str, favourite_film: str | None = None) -> str:
    """The prompt the kit's model is trained on and asked with: the film's facts, the viewer, the kind.

    One function builds it for training documents and for generation, so the two can never
    drift apart. The prompt ends with ``copy:``; the copy follows after one space, and a
    training document is ``build_prompt(...) + " " + copy``::

        film: Alien (1979)
        genres: Horror, Sci-Fi
        logline: The crew of a deep-space towing ship answers a distress call ...
        viewer: a fan of Horror who loved The Thing (1982)
        kind: tagline
        copy:

    Parameters
    ----------
    film : Mapping or object
        Anything with ``title``, ``year``, ``genres`` ("Horror|Sci-Fi" or a sequence) and
        ``logline`` (may be empty), as keys or attributes: a row of ``films.csv`` or a ``Film``.
    kind : {"tagline", "voiceover", "social", "blurb", "continuation"}
        ``continuation`` carries on straight from the logline (more set-up, no spoilers).
    angle : str
        The film's genre the viewer cares most about; must be one of the film's genres.
    favourite_film : str, optional
        A film the viewer loved, written as "Title (Year)"; left out for a general audience.
    """
    if kind not in PROMPT_KINDS:
        raise ValueError(f"kind must be one of {list(PROMPT_KINDS)}, got {kind!r}.")
    title, year = _film_field(film, "title"), int(_film_field(film, "year"))
    genres = _film_field(film, "genres")
    genres = genres.split("|") if isinstance(genres, str) else list(genres)
    if angle not in genres:
        raise ValueError(f"The angle {angle!r} is not one of {title!r}'s genres {genres}.")
    logline = _film_field(film, "logline", default="")
    logline = "" if not isinstance(logline, str) else " ".join(logline.split())
    viewer = f"a fan of {angle}" + (f" who loved {favourite_film}" if favourite_film else "")
    return (
        f"film: {title} ({year})\n"
        f"genres: {', '.join(genres)}\n"
        f"logline: {logline}\n"
        f"viewer: {viewer}\n"
        f"kind: {kind}\n"
        "copy:"
    )


def _film_field(film, name: str, default=None):
    value = film.get(name, default) if hasattr(film, "get") else getattr(film, name, default)
    if value is None:
        raise ValueError(f"A film needs title, year and genres; this one lacks {name!r}.")
    return value


def load_copy(path: str | Path = COPY_PATH) -> pd.DataFrame:
    """Read the kit's written trailer copy (tab-separated: title, year, kind, angle, text)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"The trailer-copy corpus was not found at {path}.")
    copy = pd.read_csv(path, sep="\t", dtype={"year": "int64"}, keep_default_na=False)
    missing = [column for column in COPY_COLUMNS if column not in copy.columns]
    if missing:
        raise ValueError(
            f"{path.name} lacks the column(s) {missing}; expected {list(COPY_COLUMNS)}."
        )
    _check_values(copy, "kind", KINDS, path.name)
    empty = copy.index[copy["text"].str.strip() == ""]
    if len(empty):
        raise ValueError(f"{path.name} has empty text on data row(s) {list(empty[:5] + 1)}.")
    return copy[list(COPY_COLUMNS)]


def _check_values(frame: pd.DataFrame, column: str, allowed, where: str) -> None:
    bad = frame.index[~frame[column].isin(allowed)]
    if len(bad):
        raise ValueError(
            f"{where}: column {column!r} has {frame.loc[bad[0], column]!r} on data row {bad[0] + 1};"
            f" allowed values are {list(allowed)}."
        )


def build_documents(films: pd.DataFrame, copy: pd.DataFrame) -> pd.DataFrame:
    """Join films and written copy into one table of training documents.

    Parameters
    ----------
    films : DataFrame
        ``item_id, title, year, genres, logline, tagline`` (the catalogue, ``data.load(...).items``).
    copy : DataFrame
        The written copy from :func:`load_copy`; every (title, year) must be a film in ``films``
        and every angle one of that film's genres.

    Returns
    -------
    DataFrame
        ``item_id, title, year, kind, angle, text, document, split`` with ``split`` in
        {"train", "validation"}, fixed by the film's title and year (no randomness).
    """
    films = _films_with_primary_genre(films)
    own_lines = _own_lines(films)
    written = _attach_films(films, copy)
    documents = pd.concat([own_lines, written], ignore_index=True)
    documents["document"] = [
        format_header(row.kind, row.angle, row.title, row.year) + " " + row.text
        for row in documents.itertuples()
    ]
    documents["split"] = [
        split_of(title, year) for title, year in zip(documents.title, documents.year)
    ]
    return documents


def split_of(title: str, year: int, validation_share: float = VALIDATION_SHARE) -> str:
    """Put a film in "train" or "validation" by a checksum of its name, so the split never moves."""
    bucket = zlib.crc32(f"{title} ({int(year)})".encode()) % 1000
    return "validation" if bucket < validation_share * 1000 else "train"


def _films_with_primary_genre(films: pd.DataFrame) -> pd.DataFrame:
    required = ["item_id", "title", "year", "genres", "logline", "tagline"]
    missing = [column for column in required if column not in films.columns]
    if missing:
        raise ValueError(f"The films table lacks the column(s) {missing}; expected {required}.")
    films = films[required].copy()
    films["primary_genre"] = films["genres"].str.split("|").str[0]
    return films


def _own_lines(films: pd.DataFrame) -> pd.DataFrame:
    """Each film's logline and tagline, played up through its first genre."""
    frames = []
    for kind in ("logline", "tagline"):
        lines = films[["item_id", "title", "year", "primary_genre", kind]].rename(
            columns={"primary_genre": "angle", kind: "text"}
        )
        lines = lines[lines["text"].fillna("").str.strip() != ""]
        frames.append(lines.assign(kind=kind))
    return pd.concat(frames, ignore_index=True)


def _attach_films(films: pd.DataFrame, copy: pd.DataFrame) -> pd.DataFrame:
    """Give each written line its film's item_id, refusing lines about unknown films or genres."""
    merged = copy.merge(films, on=["title", "year"], how="left", validate="many_to_one")
    unknown = merged.index[merged["item_id"].isna()]
    if len(unknown):
        row = merged.loc[unknown[0]]
        raise ValueError(
            f"The corpus line {unknown[0] + 1} is about {row.title!r} ({row.year}),"
            " which is not in the films table."
        )
    genre_ok = [angle in genres.split("|") for angle, genres in zip(merged.angle, merged.genres)]
    wrong = merged.index[[not ok for ok in genre_ok]]
    if len(wrong):
        row = merged.loc[wrong[0]]
        raise ValueError(
            f"The corpus line {wrong[0] + 1} plays up {row.angle!r}, but {row.title!r} is"
            f" listed as {row.genres!r}."
        )
    merged["item_id"] = merged["item_id"].astype("int64")
    return merged[["item_id", "title", "year", "kind", "angle", "text"]]
