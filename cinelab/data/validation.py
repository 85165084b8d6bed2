"""Checks that a ratings table is what every loader and model expects, with errors a student can act on.

Nothing here drops or repairs rows silently: `validate_ratings` only reports, and
`clean_ratings` repairs on request and says how many rows each step removed.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from cinelab.arguments import finite_number, one_of

REQUIRED_COLUMNS = ("user_id", "item_id", "rating")
DEFAULT_SCALE = (0.5, 5.0)
_SHOW_ROWS = 5

# Column names people bring from MovieLens or other tools, mapped to the kit's names.
_KNOWN_ALIASES = {
    "userId": "user_id",
    "user": "user_id",
    "userid": "user_id",
    "movieId": "item_id",
    "movie_id": "item_id",
    "item": "item_id",
    "itemid": "item_id",
    "score": "rating",
}


def _rows(index: pd.Index) -> str:
    shown = [str(i) for i in index[:_SHOW_ROWS]]
    more = f" (and {len(index) - _SHOW_ROWS} more)" if len(index) > _SHOW_ROWS else ""
    return ", ".join(shown) + more


def _check_scale_argument(scale) -> tuple[float, float]:
    """`scale` as (low, high): two finite numbers, low below high."""
    try:
        low, high = scale
    except (TypeError, ValueError):
        raise ValueError(f"scale must be a pair (lowest, highest), got {scale!r}.") from None
    finite_number(low, "scale[0]"), finite_number(high, "scale[1]")
    if not low < high:
        raise ValueError(f"scale must be (lowest, highest) with lowest < highest, got {scale!r}.")
    return low, high


def _check_columns(df: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if not missing:
        return
    hints = [f"'{a}' looks like '{_KNOWN_ALIASES[a]}'" for a in df.columns if a in _KNOWN_ALIASES]
    hint = f" Rename it: {'; '.join(hints)}." if hints else ""
    raise ValueError(
        f"ratings table is missing column(s) {missing}; it has {list(df.columns)}. "
        f"Expected at least {list(REQUIRED_COLUMNS)}.{hint}"
    )


def _check_not_missing(df: pd.DataFrame, columns: tuple[str, ...]) -> None:
    for column in columns:
        bad = df.index[df[column].isna()]
        if len(bad):
            raise ValueError(
                f"column '{column}' has {len(bad)} missing value(s) (NaN/None) at rows {_rows(bad)}."
            )


def _check_numeric(df: pd.DataFrame, column: str) -> pd.Series:
    values = pd.to_numeric(df[column], errors="coerce")
    bad = df.index[values.isna() & df[column].notna()]
    if len(bad):
        examples = ", ".join(repr(v) for v in df.loc[bad[:_SHOW_ROWS], column])
        raise ValueError(
            f"column '{column}' must be numeric, but rows {_rows(bad)} hold {examples}."
        )
    return values


def _id_kind(value) -> str:
    """ "integer", "text" or "other" for one id (a whole float such as 3.0 counts as integer)."""
    if isinstance(value, bool | np.bool_):
        return "other"
    if isinstance(value, numbers.Integral):
        return "integer"
    if isinstance(value, str):
        return "text"
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return "integer"
    return "other"


def _check_ids(df: pd.DataFrame, column: str) -> None:
    """Ids are all whole numbers or all text: 10.5 is not a film, and 1 is not "1"."""
    values = df[column]
    if pd.api.types.is_bool_dtype(values):
        raise ValueError(f"column '{column}' holds True/False, not ids.")
    if (
        pd.api.types.is_integer_dtype(values)
        or pd.api.types.is_string_dtype(values)
        and not (pd.api.types.is_object_dtype(values))
    ):
        return
    kinds = values.map(_id_kind)
    bad = df.index[(kinds == "other").to_numpy()]
    if len(bad):
        examples = ", ".join(
            repr(v) for v in values.iloc[np.flatnonzero(kinds == "other")[:_SHOW_ROWS]]
        )
        raise ValueError(
            f"column '{column}' must hold whole numbers or text ids, but rows {_rows(bad)} hold "
            f"{examples}. An id like 10.5 would be truncated into another film's id."
        )
    integers, texts = (
        df.index[(kinds == "integer").to_numpy()],
        df.index[(kinds == "text").to_numpy()],
    )
    if len(integers) and len(texts):
        raise ValueError(
            f"column '{column}' mixes number ids (rows {_rows(integers)}) with text ids (rows "
            f"{_rows(texts)}); 1 and '1' would be two different users or films. Use one kind, "
            f"e.g. df['{column}'] = df['{column}'].astype(str)."
        )


def _check_scale(ratings: pd.Series, scale: tuple[float, float]) -> None:
    low, high = scale
    bad = ratings.index[(ratings < low) | (ratings > high)]
    if len(bad):
        examples = ", ".join(str(v) for v in ratings.loc[bad[:_SHOW_ROWS]])
        raise ValueError(
            f"column 'rating' must lie in the scale [{low}, {high}], but rows {_rows(bad)} "
            f"hold {examples}."
        )


def _check_unique_pairs(df: pd.DataFrame) -> None:
    duplicated = df.duplicated(subset=["user_id", "item_id"], keep=False)
    bad = df.index[duplicated]
    if len(bad):
        raise ValueError(
            f"columns 'user_id', 'item_id' repeat the same (user, item) pair in {len(bad)} rows: "
            f"{_rows(bad)}. Each user may rate a film once; use clean_ratings(df, "
            "duplicates='last') to keep the latest rating explicitly."
        )


def validate_ratings(df: pd.DataFrame, scale: tuple[float, float] = DEFAULT_SCALE) -> pd.DataFrame:
    """Raise a `ValueError` naming the column and first offending rows if `df` is not a clean ratings table.

    Checked: the columns `user_id`, `item_id`, `rating` exist; the frame is not empty; no id or
    rating is missing; each id column holds whole numbers only or text only; ratings (and `timestamp`, when present) are numeric; ratings lie within
    `scale`; no (user, item) pair appears twice. Returns `df` unchanged so calls can be chained.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"ratings must be a pandas DataFrame, got {type(df).__name__}.")
    scale = _check_scale_argument(scale)
    _check_columns(df)
    if df.empty:
        raise ValueError("ratings table is empty: there is nothing to learn from.")
    _check_not_missing(df, REQUIRED_COLUMNS)
    _check_ids(df, "user_id")
    _check_ids(df, "item_id")
    ratings = _check_numeric(df, "rating")
    if "timestamp" in df.columns:
        _check_not_missing(df, ("timestamp",))
        _check_numeric(df, "timestamp")
    _check_scale(ratings, scale)
    _check_unique_pairs(df)
    return df


def clean_ratings(
    df: pd.DataFrame,
    scale: tuple[float, float] = DEFAULT_SCALE,
    duplicates: str = "last",
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Explicitly repair a ratings table and report how many rows each step removed.

    Rows with a missing id or rating, a non-numeric rating, or a rating outside `scale` are
    dropped; repeated (user, item) pairs keep the `duplicates` one ("first" or "last", by
    `timestamp` when present, else by row order). Returns the cleaned copy and the counts.
    """
    one_of(duplicates, "duplicates", ("first", "last"))
    scale = _check_scale_argument(scale)
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"ratings must be a pandas DataFrame, got {type(df).__name__}.")
    _check_columns(df)
    report: dict[str, int] = {}
    out = df.copy()
    missing = out[list(REQUIRED_COLUMNS)].isna().any(axis=1)
    report["missing_values"] = int(missing.sum())
    out = out[~missing]
    numeric = pd.to_numeric(out["rating"], errors="coerce")
    report["non_numeric_rating"] = int(numeric.isna().sum())
    out = out[numeric.notna()].assign(rating=numeric[numeric.notna()].astype(float))
    in_scale = out["rating"].between(*scale)
    report["out_of_scale"] = int((~in_scale).sum())
    out = out[in_scale]
    kept = _keep_one_per_pair(out, duplicates)
    report["duplicate_pairs"] = len(out) - len(kept)
    return kept, report


def _keep_one_per_pair(df: pd.DataFrame, duplicates: str) -> pd.DataFrame:
    """One row per (user, item): the first or last by numeric `timestamp` (else row order).

    Timestamps are compared as numbers, never as text ("9" sorts after "10" as text), and rows
    are picked by position, so a repeated index label cannot take a second row with it.
    """
    if "timestamp" in df.columns:
        times = pd.to_numeric(df["timestamp"], errors="coerce")
        bad = df.index[times.isna() & df["timestamp"].notna()]
        if len(bad):
            examples = ", ".join(
                repr(v)
                for v in df["timestamp"][times.isna() & df["timestamp"].notna()][:_SHOW_ROWS]
            )
            raise ValueError(
                f"column 'timestamp' must be numeric (seconds since 1970) to tell which duplicate "
                f"is the latest, but rows {_rows(bad)} hold {examples}."
            )
        # (n_rows,) positions by time; a missing time counts as the oldest
        order = np.lexsort((np.arange(len(df)), times.fillna(-np.inf).to_numpy(dtype=float)))
    else:
        order = np.arange(len(df))
    in_order = df.iloc[order]
    unique = ~in_order.duplicated(subset=["user_id", "item_id"], keep=duplicates).to_numpy()
    return df.iloc[np.sort(order[unique])]
