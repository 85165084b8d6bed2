"""The trailer-copy corpus: what the kit's small language model reads.

Two sources are joined into one table of *documents*:

- the kit's written copy in ``data/corpus/trailer_copy.tsv`` (taglines, voice-over lines,
  social posts, catalogue blurbs and logline continuations, each tied to one film and to
  the genre it plays up, its *angle*);
- each film's own tagline from ``data/films.csv``.

Every document is a **prompt** (:func:`build_prompt`: the film's facts, the viewer, the kind of
copy) followed by the copy. The prompt is how we *ask* the model for something later: give it
the prompt, and it writes the copy that usually follows such a prompt. Training and generation
call the same function, so the two cannot drift apart.

The validation part is chosen **by film**: all lines about a validation film are held out,
so validation loss measures how well the model writes about films it has never seen,
not how well it remembers sentences.
"""

from __future__ import annotations

import csv
import functools
import zlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from cinelab.data.embedded import EMBEDDED_DIR as DATA_DIR
from cinelab.data.embedded import read_films

COPY_PATH = DATA_DIR / "corpus" / "trailer_copy.tsv"
# copy that says only what each film's title, year, genres and logline say: what a chat model
# that does not know the films is taught (copy_tuning), so that it stops inventing plot
GROUNDED_COPY_PATH = DATA_DIR / "corpus" / "grounded_copy.tsv"
KINDS = ("tagline", "voiceover", "social", "blurb", "continuation")
PROMPT_KINDS = KINDS
COPY_COLUMNS = ("title", "year", "kind", "angle", "text")
VALIDATION_SHARE = 0.1
FAVOURITE_SHARE = 0.8  # share of training prompts whose viewer names a favourite film

# (fewest words, most words, most characters) a line of each kind may have in the corpus
COPY_LENGTHS = {
    "tagline": (2, 15, 120),
    "voiceover": (20, 60, 400),
    "social": (5, 60, 280),
    "blurb": (15, 70, 480),
    "continuation": (10, 60, 400),
}


def contrast_angle(genres, angle: str) -> str | None:
    """The angle to set against ``angle``: the film's first other genre (None if it has one).

    One rule for everything that compares two angles of a film: the copywriter's guidance
    steers away from it, and ``training.angle_reading`` scores copy under it.
    """
    genres = genres.split("|") if isinstance(genres, str) else list(genres)
    return next((genre for genre in genres if genre != angle), None)


def format_header(kind: str, angle: str, title: str, year: int) -> str:
    """The one-line header of the kit's first model (``tagline | Horror | Alien (1979) |``).

    Kept for code that still builds the old short prompt; the current model is trained on
    :func:`build_prompt`.
    """
    return f"{kind} | {angle} | {title} ({int(year)}) |"


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
    logline = " ".join(logline.split()) if isinstance(logline, str) else ""
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
    value = film.get(name, default) if isinstance(film, Mapping | pd.Series) else None
    if value is None:
        value = getattr(film, name, default)
    if value is None:
        raise ValueError(f"A film needs title, year and genres; this one lacks {name!r}.")
    return value


def load_copy(path: str | Path = COPY_PATH) -> pd.DataFrame:
    """Read the kit's written trailer copy (tab-separated: title, year, kind, angle, text)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"The trailer-copy corpus was not found at {path}.")
    copy = pd.read_csv(  # QUOTE_NONE: a quote mark is part of the copy, not CSV syntax
        path, sep="\t", dtype={"year": "int64"}, keep_default_na=False, quoting=csv.QUOTE_NONE
    )
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


def all_written_copy() -> pd.DataFrame:
    """Every line written for the kit: the trailer copy and the grounded copy, one table.

    What the copying check and the facts check count as the kit's own text.
    """
    return pd.concat([load_copy(), load_copy(GROUNDED_COPY_PATH)], ignore_index=True)


def example_lines(film_title: str, film_year: int, kind: str, angle: str, n: int) -> pd.DataFrame:
    """``n`` of the kit's hand-written lines of ``kind`` about *other* films, to show a chat
    model what is wanted before asking (few-shot prompting).

    Lines that play up ``angle`` are preferred; the draw is fixed by the film, the kind and the
    angle, so one request always shows the same examples. Returns ``title, year, genres,
    logline, angle, text`` (the example films' facts from the catalogue); no rows for ``n`` 0
    or a kind the corpus does not have (a scene, a dialogue).
    """
    lines = _lines_with_facts()
    if n < 1 or kind not in KINDS:
        return lines.iloc[:0]
    others = lines[
        (lines["kind"] == kind) & ((lines["title"] != film_title) | (lines["year"] != film_year))
    ]
    same_angle = others[others["angle"] == angle]
    pool = same_angle if len(same_angle) >= n else others
    draw = zlib.crc32(f"{film_title} ({film_year})|{kind}|{angle}".encode())
    return pool.sample(n=min(n, len(pool)), random_state=draw)


@functools.cache
def _lines_with_facts() -> pd.DataFrame:
    """The written copy beside each film's genres and logline (read once per process)."""
    films = read_films()[["title", "year", "genres", "logline"]]
    lines = load_copy().merge(films, on=["title", "year"], how="inner", validate="many_to_one")
    return lines[["title", "year", "genres", "logline", "kind", "angle", "text"]]


def _check_values(frame: pd.DataFrame, column: str, allowed, where: str) -> None:
    bad = frame.index[~frame[column].isin(allowed)]
    if len(bad):
        raise ValueError(
            f"{where}: column {column!r} has {frame.loc[bad[0], column]!r} on data row {bad[0] + 1};"
            f" allowed values are {list(allowed)}."
        )


def build_documents(films: pd.DataFrame, copy: pd.DataFrame, *, seed: int = 0) -> pd.DataFrame:
    """Join films and written copy into one table of training documents.

    Parameters
    ----------
    films : DataFrame
        ``item_id, title, year, genres, logline, tagline`` (the catalogue, ``data.load(...).items``).
    copy : DataFrame
        The written copy from :func:`load_copy`; every (title, year) must be a film in ``films``
        and every angle one of that film's genres.
    seed : int
        Draws each prompt's favourite film (a catalogue film of the angle genre, or none for
        one prompt in five), so the model learns to read both kinds of viewer line.

    Returns
    -------
    DataFrame
        ``item_id, title, year, kind, angle, text, prompt, document, split``: ``document`` is
        ``prompt + " " + text``; ``split`` is "train" or "validation", fixed by the film's
        title and year (no randomness).
    """
    films = _checked_films(films)
    documents = pd.concat([_written_lines(films, copy), _own_taglines(films)], ignore_index=True)
    film_by_id = {film.item_id: film for film in films.itertuples(index=False)}  # a row per film
    favourites = favourite_films(films, documents, seed)
    documents["prompt"] = [
        build_prompt(film_by_id[row.item_id], row.kind, angle=row.angle, favourite_film=favourite)
        for row, favourite in zip(documents.itertuples(), favourites)
    ]
    documents["document"] = documents["prompt"] + " " + documents["text"]
    documents["split"] = [
        split_of(title, year) for title, year in zip(documents.title, documents.year)
    ]
    return documents


def split_of(title: str, year: int, validation_share: float = VALIDATION_SHARE) -> str:
    """Put a film in "train" or "validation" by a checksum of its name, so the split never moves."""
    bucket = zlib.crc32(f"{title} ({int(year)})".encode()) % 1000
    return "validation" if bucket < validation_share * 1000 else "train"


def _checked_films(films: pd.DataFrame) -> pd.DataFrame:
    required = ["item_id", "title", "year", "genres", "logline", "tagline"]
    missing = [column for column in required if column not in films.columns]
    if missing:
        raise ValueError(f"The films table lacks the column(s) {missing}; expected {required}.")
    return films[required].copy()


def _own_taglines(films: pd.DataFrame) -> pd.DataFrame:
    """Each film's tagline from the catalogue, played up through its first genre."""
    lines = films[["item_id", "title", "year", "genres", "tagline"]].rename(
        columns={"tagline": "text"}
    )
    lines = lines[lines["text"].fillna("").str.strip() != ""]
    angle = lines.pop("genres").str.split("|").str[0]
    return lines.assign(kind="tagline", angle=angle)[
        ["item_id", "title", "year", "kind", "angle", "text"]
    ]


def _written_lines(films: pd.DataFrame, copy: pd.DataFrame) -> pd.DataFrame:
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


def favourite_films(films: pd.DataFrame, documents: pd.DataFrame, seed: int) -> list[str | None]:
    """For each document, a film the imagined viewer loved: another film of the angle genre.

    Each draw is seeded by the document's own text, so adding lines to the corpus does not
    change the favourites drawn for the others.
    """
    names = (films["title"] + " (" + films["year"].astype(str) + ")").to_numpy()
    genre_lists = films["genres"].str.split("|")
    by_genre = {
        genre: np.flatnonzero([genre in genres for genres in genre_lists])
        for genre in set(documents["angle"])
    }
    position = {item_id: index for index, item_id in enumerate(films["item_id"])}
    favourites = []
    for row in documents.itertuples():
        rng = np.random.default_rng([seed, zlib.crc32(f"{row.kind}|{row.text}".encode())])
        others = by_genre[row.angle][by_genre[row.angle] != position[row.item_id]]
        wants_favourite = rng.random() < FAVOURITE_SHARE
        favourites.append(names[rng.choice(others)] if wants_favourite and len(others) else None)
    return favourites
