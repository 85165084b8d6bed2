"""A person's own film ratings, kept in one small JSON file between sessions.

The recommender demo is only convincing if what you rated is still there after a kernel
restart or a page reload, so every change is saved at once. Four promises:

* **atomic**: the file is written to a temporary file in the same folder and then renamed over
  the old one (`os.replace`), so a crash mid-write leaves the old file, never half a file;
* **nothing is lost**: a file that cannot be read (corrupt JSON, someone else's JSON) is never
  overwritten; before the first save it is renamed to ``<name>.<timestamp>.bak``;
* **no lost updates**: two demos on one file (two tabs, two processes) do not overwrite each
  other. `save` holds a lock (``<name>.lock``, via `filelock`), re-reads the file and applies
  only what *this* session changed since it last loaded or saved;
* **one file, several datasets**: ratings are stored per dataset *identity* (`Dataset.key`),
  not per name, because film 1 in the kit's catalogue is not film 1 in MovieLens, and one
  MovieLens release is the same data whatever its folder is called.

Where the file lives: the ``path`` argument, else the ``CINELAB_RATINGS_FILE`` environment
variable, else ``my_ratings.json`` in the user data folder `platformdirs` picks for "cinelab".
"""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from cinelab import config
from cinelab.files import lock_for, move_aside, write_atomically

ENV_VAR = "CINELAB_RATINGS_FILE"
FILE_FORMAT = "cinelab-ratings"
FILE_VERSION = 1


class RatingsFileError(ValueError):
    """The ratings file exists but is not a CineLab ratings file we can read."""


def default_ratings_path() -> Path:
    """``$CINELAB_RATINGS_FILE`` if set, else ``<user data dir>/cinelab/my_ratings.json``."""
    override = config.ratings_file()
    if override is not None:
        return override
    return Path(platformdirs.user_data_dir("cinelab", appauthor=False)) / "my_ratings.json"


class RatingsStore:
    """Load, save and reset one person's ``{item_id: rating}`` for one dataset.

    Parameters
    ----------
    path : str or Path, optional
        The JSON file; see the module docstring for the default.
    dataset : Dataset or str
        The dataset the item ids belong to: a `Dataset` (its `key` is used) or a key.

    Attributes
    ----------
    backup_path : Path or None
        Where an unreadable file was moved before the first save, if that happened.
    """

    def __init__(self, path: str | os.PathLike | None = None, dataset="cinelab"):
        key = getattr(dataset, "key", dataset)
        if not isinstance(key, str) or not key:
            raise ValueError(f"dataset must be a Dataset or a non-empty key, got {dataset!r}.")
        self.path = Path(path).expanduser() if path is not None else default_ratings_path()
        if self.path.is_dir():
            raise IsADirectoryError(
                f"The ratings file {self.path} is a folder. Give a file path instead, e.g. "
                f"{self.path / 'my_ratings.json'}."
            )
        self.dataset = key
        self.backup_path: Path | None = None
        self._known: dict = {}  # this dataset's ratings as this session last read or wrote them

    def load(self) -> dict:
        """This dataset's ratings; ``{}`` when the file does not exist yet.

        Raises
        ------
        RatingsFileError
            If the file is not valid JSON or not a CineLab ratings file. The file is left
            untouched; `save` will move it aside to a ``.bak`` before writing.
        """
        self._known = _ratings_for(self._read_all(), self.dataset, self.path)
        return dict(self._known)

    def save(self, ratings: Mapping) -> dict:
        """Save what this session changed since it last loaded or saved, and return the merge.

        Under the file's lock, the file is read again; films this session rated or re-rated
        are written, films it removed are removed, and everything else (other datasets, and
        ratings another session saved meanwhile) is kept. Written atomically.
        """
        mine = _ratings_for({self.dataset: _encode(ratings)}, self.dataset, self.path)
        changed = {k: v for k, v in mine.items() if self._known.get(k) != v}
        removed = [k for k in self._known if k not in mine]
        merged = self._update(lambda current: _merge(current, changed, removed))
        self._known = mine  # this session's view: what it removes next time is relative to it
        return merged

    def reset(self) -> None:
        """Forget this dataset's ratings (an unreadable file is backed up, as in `save`)."""
        self._known = self._update(lambda current: {})

    def _update(self, change) -> dict:
        """Apply `change` to this dataset's ratings in the file, under the lock."""
        with lock_for(self.path):
            try:
                everything = self._read_all()
            except RatingsFileError:
                self.backup_path = move_aside(self.path)
                everything = {}
            merged = change(_ratings_for(everything, self.dataset, self.path))
            everything[self.dataset] = _encode(merged)
            payload = {"format": FILE_FORMAT, "version": FILE_VERSION, "ratings": everything}
            write_atomically(self.path, json.dumps(payload, indent=1, sort_keys=True) + "\n")
        return _ratings_for(everything, self.dataset, self.path)

    def _read_all(self) -> dict:
        """``{dataset: [[item_id, rating], ...]}`` from the file, checked; ``{}`` if absent."""
        if not self.path.exists():
            return {}
        try:
            content = json.loads(self.path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise RatingsFileError(
                f"Your ratings file {self.path} is damaged (not valid JSON: {error})."
            ) from error
        if not isinstance(content, dict) or content.get("format") != FILE_FORMAT:
            raise RatingsFileError(
                f"{self.path} is not a CineLab ratings file (it has no "
                f'"format": "{FILE_FORMAT}" entry).'
            )
        if content.get("version") != FILE_VERSION:
            raise RatingsFileError(
                f"{self.path} was written by another CineLab version (file version "
                f"{content.get('version')!r}, this kit reads version {FILE_VERSION})."
            )
        everything = content.get("ratings")
        if not isinstance(everything, dict):
            raise RatingsFileError(f'{self.path} has no "ratings" table.')
        for dataset in everything:
            _ratings_for(everything, dataset, self.path)  # validates every dataset's entries
        return everything


def _merge(current: dict, changed: Mapping, removed) -> dict:
    """`current` with this session's `changed` ratings applied and its `removed` films dropped."""
    merged = {k: v for k, v in current.items() if k not in set(removed)}
    merged.update(changed)
    return merged


def _ratings_for(everything: Mapping, dataset: str, path: Path) -> dict:
    """Decode one dataset's ``[[item_id, rating], ...]`` into a dict, or raise naming the entry."""
    entries = everything.get(dataset, [])
    if not isinstance(entries, list):
        raise RatingsFileError(f"{path}: the ratings for {dataset!r} are not a list.")
    ratings = {}
    for position, entry in enumerate(entries):
        valid = (
            isinstance(entry, list)
            and len(entry) == 2
            and isinstance(entry[0], int | str)
            and not isinstance(entry[0], bool)
            and _is_number(entry[1])
        )
        if not valid:
            raise RatingsFileError(
                f"{path}: entry {position} for {dataset!r} should be [item_id, rating], "
                f"got {entry!r}."
            )
        ratings[entry[0]] = entry[1]
    return ratings


def _encode(ratings: Mapping) -> list:
    """``{item_id: rating}`` as a JSON-ready list, with clear errors for what JSON cannot keep."""
    if not isinstance(ratings, Mapping):
        raise TypeError(
            f"ratings must be a dict {{item_id: rating}}, got {type(ratings).__name__}."
        )
    entries = []
    for item_id, rating in ratings.items():
        if hasattr(item_id, "item"):  # numpy integers and strings become plain Python values
            item_id = item_id.item()
        if isinstance(item_id, bool) or not isinstance(item_id, int | str):
            raise TypeError(f"item ids must be int or str, got {item_id!r}.")
        if not _is_number(rating):
            raise ValueError(
                f"rating for film {item_id!r} must be a finite number, got {rating!r}."
            )
        entries.append([item_id, float(rating)])
    return sorted(entries, key=lambda entry: (isinstance(entry[0], str), entry[0]))


def _is_number(value) -> bool:
    """A finite real number (numpy ones included); booleans are not ratings."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
