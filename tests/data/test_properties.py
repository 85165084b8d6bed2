"""Property-based tests of the data layer (hypothesis): random ratings frames, ids and indexes.

Whatever the frame, `validate_ratings` passes it or raises a `ValueError` naming the problem;
`clean_ratings` returns a frame that validates; every split loses no row, overlaps nowhere and
is the same for the same seed, even when the index repeats labels.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cinelab.data import clean_ratings, split, validate_ratings

SETTINGS = settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
RATING_STEPS = [x / 2 for x in range(1, 11)]  # 0.5 ... 5.0


@st.composite
def ids(draw, size, kind=None):
    kind = kind or draw(st.sampled_from(["int", "str", "float"]))
    pool = st.integers(0, 12)
    values = draw(st.lists(pool, min_size=size, max_size=size))
    if kind == "str":
        return [f"id{v}" for v in values]
    if kind == "float":
        return [float(v) for v in values]
    return values


@st.composite
def ratings_frames(draw, unique_pairs=False, min_size=1, clean=True):
    """A ratings frame of 1-40 rows; its index may repeat labels, ids are ints, floats or text."""
    size = draw(st.integers(min_size, 40))
    frame = pd.DataFrame(
        {
            "user_id": draw(ids(size)),
            "item_id": draw(ids(size)),
            "rating": draw(st.lists(st.sampled_from(RATING_STEPS), min_size=size, max_size=size)),
            "timestamp": draw(st.lists(st.integers(0, 10**9), min_size=size, max_size=size)),
        }
    )
    if not clean:
        frame["rating"] = frame["rating"].astype(object)
        noise = st.sampled_from([np.nan, 9.0, -1.0, "four", None])
        for position in draw(st.lists(st.integers(0, size - 1), max_size=4)):
            frame.loc[position, "rating"] = draw(noise)
    index = draw(st.sampled_from(["range", "repeated", "shuffled"]))
    if index == "repeated":
        frame.index = [i % 3 for i in range(size)]
    elif index == "shuffled":
        frame.index = draw(st.permutations(list(range(100, 100 + size))))
    if unique_pairs:
        keep = ~frame.duplicated(["user_id", "item_id"]).to_numpy()
        frame = frame.iloc[np.flatnonzero(keep)]
    return frame


@SETTINGS
@given(frame=ratings_frames(clean=False))
def test_validate_ratings_passes_or_names_the_problem(frame):
    try:
        assert validate_ratings(frame) is frame
    except ValueError as error:
        assert "column" in str(error) or "ratings table" in str(error)


@SETTINGS
@given(frame=ratings_frames(clean=False))
def test_clean_ratings_returns_a_valid_subset_and_counts_what_it_removed(frame):
    cleaned, report = clean_ratings(frame)
    assert len(frame) - len(cleaned) == sum(report.values())
    assert not cleaned.duplicated(["user_id", "item_id"]).any()
    if len(cleaned):
        validate_ratings(cleaned)


@SETTINGS
@given(
    user=st.integers(0, 5),
    times=st.lists(st.integers(0, 10**6), min_size=2, max_size=6, unique=True),
)
def test_clean_ratings_keeps_the_latest_rating_of_a_pair(user, times):
    frame = pd.DataFrame(
        {
            "user_id": user,
            "item_id": 1,
            "rating": [float(1 + i % 5) for i in range(len(times))],
            "timestamp": [str(t) for t in times],  # text timestamps compare as numbers
        }
    )
    cleaned, _ = clean_ratings(frame, duplicates="last")
    assert cleaned["rating"].tolist() == [frame["rating"].iloc[int(np.argmax(times))]]


def _tagged(frame):
    return frame.assign(row=np.arange(len(frame)))  # a tag that identifies each row


SPLITS = {
    "random": lambda r, seed: split.random_split(r, test_size=0.3, seed=seed),
    "kfold": lambda r, seed: split.kfold(r, n_splits=2, seed=seed)[0],
    "leave_k_out": lambda r, seed: split.leave_k_out(r, k=1, seed=seed),
    "temporal": lambda r, seed: split.temporal_split(r, test_size=0.3),
    "temporal_per_user": lambda r, seed: split.temporal_split(r, test_size=0.5, per_user=True),
}


@pytest.mark.parametrize("name", list(SPLITS))
@SETTINGS
@given(frame=ratings_frames(unique_pairs=True, min_size=2), seed=st.integers(0, 2**32 - 1))
def test_every_split_loses_no_row_overlaps_nowhere_and_repeats_with_the_seed(name, frame, seed):
    assume(name != "kfold" or len(frame) >= 2)  # fewer rows than folds is refused, clearly
    frame = _tagged(frame)
    train, test = SPLITS[name](frame, seed)
    assert sorted([*train["row"], *test["row"]]) == list(range(len(frame)))
    assert not set(train["row"]) & set(test["row"])
    again_train, again_test = SPLITS[name](frame, seed)
    pd.testing.assert_frame_equal(train, again_train)
    pd.testing.assert_frame_equal(test, again_test)
    for part in (train, test):  # every row is the original row, index label included
        original = frame.iloc[part["row"].to_numpy()]
        pd.testing.assert_frame_equal(part, original)


@SETTINGS
@given(frame=ratings_frames(min_size=2), column=st.sampled_from(["user_id", "item_id"]))
def test_a_column_mixing_number_and_text_ids_is_always_refused(frame, column):
    values = frame[column].astype(object).to_numpy().copy()
    values[0] = "text id"
    values[-1] = 7
    with pytest.raises(ValueError, match=f"'{column}' mixes number ids"):
        validate_ratings(frame.assign(**{column: values}))
