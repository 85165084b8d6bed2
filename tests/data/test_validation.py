import numpy as np
import pandas as pd
import pytest

from cinelab.data import clean_ratings, validate_ratings


def good_ratings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": [1, 1, 2, 3],
            "item_id": [10, 11, 10, 12],
            "rating": [4.0, 3.5, 5.0, 1.0],
            "timestamp": [100, 200, 300, 400],
        }
    )


def test_valid_ratings_pass_unchanged():
    df = good_ratings()
    assert validate_ratings(df) is df


def test_missing_column_is_named_with_a_rename_hint():
    df = good_ratings().rename(columns={"user_id": "userId"})
    with pytest.raises(ValueError, match=r"missing column\(s\) \['user_id'\].*'userId' looks like"):
        validate_ratings(df)


def test_not_a_dataframe_is_a_type_error():
    with pytest.raises(TypeError, match="DataFrame"):
        validate_ratings([(1, 2, 3.0)])


def test_empty_frame_is_rejected():
    with pytest.raises(ValueError, match="empty"):
        validate_ratings(good_ratings().iloc[:0])


def test_nan_rating_names_column_and_row():
    df = good_ratings()
    df.loc[2, "rating"] = np.nan
    with pytest.raises(ValueError, match=r"column 'rating' has 1 missing value.*rows 2"):
        validate_ratings(df)


def test_nan_user_id_names_column():
    df = good_ratings().astype({"user_id": float})
    df.loc[3, "user_id"] = np.nan
    with pytest.raises(ValueError, match=r"column 'user_id'.*rows 3"):
        validate_ratings(df)


def test_non_numeric_rating_shows_the_offending_value():
    df = good_ratings().astype({"rating": object})
    df.loc[1, "rating"] = "four"
    with pytest.raises(ValueError, match=r"'rating' must be numeric.*rows 1 hold 'four'"):
        validate_ratings(df)


def test_rating_outside_scale_is_rejected_with_rows():
    df = good_ratings()
    df.loc[[0, 3], "rating"] = [6.0, 0.0]
    with pytest.raises(ValueError, match=r"scale \[0.5, 5.0\].*rows 0, 3 hold 6.0, 0.0"):
        validate_ratings(df)


def test_custom_scale_is_respected():
    df = good_ratings()
    df.loc[1, "rating"] = 0.5
    with pytest.raises(ValueError, match=r"scale \[1, 5\].*rows 1"):
        validate_ratings(df, scale=(1, 5))


def test_duplicate_pairs_are_rejected():
    df = pd.concat([good_ratings(), good_ratings().iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match=r"same \(user, item\) pair in 2 rows: 0, 4"):
        validate_ratings(df)


def test_nan_timestamp_is_rejected():
    df = good_ratings().astype({"timestamp": float})
    df.loc[0, "timestamp"] = np.nan
    with pytest.raises(ValueError, match="column 'timestamp'"):
        validate_ratings(df)


def test_long_lists_of_rows_are_truncated():
    df = pd.DataFrame({"user_id": range(20), "item_id": 1, "rating": 9.0})
    with pytest.raises(ValueError, match=r"0, 1, 2, 3, 4 \(and 15 more\)"):
        validate_ratings(df)


def test_clean_ratings_reports_every_count_and_keeps_latest_duplicate():
    df = pd.DataFrame(
        {
            "user_id": [1, 1, 2, 3, 4, 5],
            "item_id": [10, 10, 10, 12, 13, 14],
            "rating": [2.0, 4.0, np.nan, 9.0, "x", 3.0],
            "timestamp": [200, 100, 300, 400, 500, 600],
        }
    )
    cleaned, report = clean_ratings(df, duplicates="last")
    assert report == {
        "missing_values": 1,
        "non_numeric_rating": 1,
        "out_of_scale": 1,
        "duplicate_pairs": 1,
    }
    assert cleaned.index.tolist() == [0, 5]  # row 0 is user 1's latest rating (timestamp 200)
    assert cleaned["rating"].tolist() == [2.0, 3.0]
    validate_ratings(cleaned)


def test_clean_ratings_rejects_unknown_policy():
    with pytest.raises(
        ValueError, match=r"duplicates must be one of \['first', 'last'\], got 'mean'"
    ):
        clean_ratings(good_ratings(), duplicates="mean")
