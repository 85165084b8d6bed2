"""Careless input to the data layer: refused with a message naming what and where, or handled
without losing a row. Each test reproduces a case that used to go wrong silently."""

import zipfile

import numpy as np
import pandas as pd
import pytest

from cinelab.data import clean_ratings, load_movielens, split, validate_ratings
from tests.data.movielens_fixtures import CSV_MOVIES, write_csv_release, write_ml1m, zip_folder


def _concatenated_ratings() -> pd.DataFrame:
    """3,000 ratings whose index repeats labels, as `pd.concat` without ignore_index makes."""
    rng = np.random.default_rng(0)
    parts = [
        pd.DataFrame(
            {
                "user_id": rng.integers(0, 60, 1000) + 1000 * part,
                "item_id": np.arange(1000),
                "rating": rng.integers(1, 6, 1000).astype(float),
                "timestamp": rng.integers(0, 10**6, 1000),
            }
        )
        for part in range(3)
    ]
    return pd.concat(parts)


@pytest.mark.parametrize(
    "make_split",
    [
        lambda r: split.leave_k_out(r, k=2, seed=0),
        lambda r: split.temporal_split(r, test_size=0.3, per_user=True),
        lambda r: split.temporal_split(r, test_size=0.3),
        lambda r: split.random_split(r, test_size=0.3, seed=0),
        lambda r: split.kfold(r, n_splits=3, seed=0)[1],
    ],
    ids=["leave_k_out", "temporal_per_user", "temporal_global", "random", "kfold"],
)
def test_splits_lose_no_row_when_the_index_repeats_labels(make_split):
    ratings = _concatenated_ratings()
    assert not ratings.index.is_unique
    train, test = make_split(ratings)
    assert len(train) + len(test) == len(ratings) == 3000
    together = pd.concat([train, test]).sort_values(["user_id", "item_id"])
    expected = ratings.sort_values(["user_id", "item_id"])
    np.testing.assert_array_equal(together.to_numpy(), expected.to_numpy())


def test_leave_k_out_puts_k_ratings_of_each_user_in_test_with_a_repeated_index():
    ratings = _concatenated_ratings()
    _, test = split.leave_k_out(ratings, k=2, seed=0)
    counts = ratings.groupby("user_id").size()
    per_user = test.groupby("user_id").size()
    assert (per_user == 2).all() and set(per_user.index) == set(counts.index[counts > 2])


def _csv_release(tmp_path, ratings_text, movies_text=CSV_MOVIES, encoding="utf-8"):
    folder = write_csv_release(tmp_path, crlf=False)
    (folder / "ratings.csv").write_text(ratings_text, encoding="utf-8")
    (folder / "movies.csv").write_bytes(movies_text.encode(encoding))
    return folder


def test_float_movie_id_is_refused_not_truncated(tmp_path):
    folder = _csv_release(
        tmp_path, "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,10.5,4.5,964981247\n"
    )
    with pytest.raises(ValueError, match=r"ratings\.csv.*'item_id'.*10\.5"):
        load_movielens(folder)


@pytest.mark.parametrize(
    ("row", "what"),
    [
        ("1,abc,4.0,964982703", r"'item_id'"),
        ("1,99999999999999999999,4.0,964982703", r"'item_id'"),
        ("1,3,4.0,", r"'timestamp' has 1 missing"),
        ("1,3,4.0,2020-01-01T10:00:00", r"'timestamp' must be numeric"),
    ],
    ids=["text id", "id above 2**63", "missing timestamp", "ISO date"],
)
def test_bad_values_in_a_release_name_the_file_and_column(tmp_path, row, what):
    folder = _csv_release(tmp_path, f"userId,movieId,rating,timestamp\n1,1,4.0,964982703\n{row}\n")
    with pytest.raises(ValueError, match=r"ratings\.csv.*" + what):
        load_movielens(folder)


def test_empty_ratings_file_names_the_file(tmp_path):
    folder = _csv_release(tmp_path, "")
    with pytest.raises(ValueError, match=r"ratings\.csv cannot be read as a table"):
        load_movielens(folder)


def test_latin1_movies_csv_names_the_file(tmp_path):
    movies = "movieId,title,genres\n1,Amélie (2001),Comedy\n3,Heat (1995),Crime\n"
    folder = _csv_release(
        tmp_path,
        "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n",
        movies,
        encoding="latin-1",
    )
    with pytest.raises(ValueError, match=r"movies\.csv is not utf-8 text"):
        load_movielens(folder)


def test_missing_movies_dat_names_the_release(tmp_path):
    folder = write_ml1m(tmp_path)
    (folder / "movies.dat").unlink()
    with pytest.raises(FileNotFoundError, match=r"ml-1m release has no movies\.dat"):
        load_movielens(folder)


def test_crc_corrupt_zip_names_the_zip_and_member(tmp_path):
    archive = zip_folder(write_csv_release(tmp_path / "src"), tmp_path / "ml-latest-small.zip")
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as z:
        info = z.getinfo("ml-latest-small/ratings.csv")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 5] ^= 0xFF  # flip a byte of the stored ratings.csv: its CRC no longer matches
    archive.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"ml-latest-small\.zip: ml-latest-small/ratings\.csv"):
        load_movielens(archive)


def test_truncated_zip_is_called_damaged(tmp_path):
    archive = zip_folder(write_csv_release(tmp_path / "src"), tmp_path / "ml-latest-small.zip")
    archive.write_bytes(archive.read_bytes()[:100])
    with pytest.raises(ValueError, match="damaged or incompletely downloaded"):
        load_movielens(archive)


def test_mixed_int_and_text_ids_are_refused_with_rows():
    df = pd.DataFrame({"user_id": [1, "2", 3], "item_id": [10, 11, 12], "rating": [4.0, 3.0, 5.0]})
    with pytest.raises(
        ValueError, match=r"'user_id' mixes number ids \(rows 0, 2\) with text ids \(rows 1\)"
    ):
        validate_ratings(df)


def test_fractional_ids_are_refused_but_whole_floats_pass():
    df = pd.DataFrame({"user_id": [1.0, 2.0], "item_id": [10.0, 10.5], "rating": [4.0, 3.0]})
    with pytest.raises(
        ValueError, match=r"'item_id' must hold whole numbers or text ids.*rows 1 hold 10\.5"
    ):
        validate_ratings(df)
    validate_ratings(df.assign(item_id=[10.0, 11.0]))


def test_clean_ratings_compares_text_timestamps_as_numbers():
    df = pd.DataFrame(
        {"user_id": [1, 1], "item_id": [5, 5], "rating": [2.0, 4.0], "timestamp": ["10", "9"]}
    )
    cleaned, report = clean_ratings(df, duplicates="last")
    assert report["duplicate_pairs"] == 1
    assert cleaned["rating"].tolist() == [2.0]  # timestamp 10 is later than 9


def test_clean_ratings_refuses_timestamps_it_cannot_order():
    df = pd.DataFrame(
        {"user_id": [1, 1], "item_id": [5, 5], "rating": [2.0, 4.0], "timestamp": ["x", "9"]}
    )
    with pytest.raises(ValueError, match=r"'timestamp' must be numeric.*rows 0 hold 'x'"):
        clean_ratings(df)


def test_clean_ratings_keeps_distinct_rows_that_share_an_index_label():
    df = pd.DataFrame(
        {"user_id": [1, 2], "item_id": [5, 5], "rating": [2.0, 4.0], "timestamp": [1, 2]},
        index=[7, 7],
    )
    cleaned, report = clean_ratings(df)
    assert len(cleaned) == 2 and report["duplicate_pairs"] == 0


@pytest.mark.parametrize(
    ("scale", "message"),
    [
        ((5, 1), "lowest < highest"),
        ((1, float("nan")), r"scale\[1\] must be a finite number"),
        (5, "a pair"),
    ],
)
def test_a_scale_that_cannot_be_a_rating_scale_is_refused(scale, message):
    df = pd.DataFrame({"user_id": [1], "item_id": [2], "rating": [3.0]})
    with pytest.raises(ValueError, match=message):
        validate_ratings(df, scale=scale)
    with pytest.raises(ValueError, match=message):
        clean_ratings(df, scale=scale)


@pytest.mark.parametrize("seed", [-1, 2.5, "zero"])
def test_split_seeds_must_be_non_negative_integers(seed):
    df = _concatenated_ratings()
    for make_split in (split.random_split, split.kfold, split.leave_k_out):
        with pytest.raises(ValueError, match=f"seed must be an integer >= 0, got {seed!r}"):
            make_split(df, seed=seed)
