"""Every registered model on random small ratings (hypothesis): it fits and predicts finite
ratings within the range it saw, or refuses the data with a clear `ValueError`."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cinelab.recsys.registry import MODELS, build_model

SETTINGS = settings(
    max_examples=6, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def small_ratings(draw):
    """Unique (user, film) pairs with ratings on a half-star scale; ids are ints or text."""
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, 6), st.integers(0, 8)), min_size=1, max_size=30, unique=True
        )
    )
    text_ids = draw(st.booleans())
    users, films = zip(*pairs, strict=True)
    ratings = draw(
        st.lists(
            st.sampled_from([x / 2 for x in range(1, 11)]), min_size=len(pairs), max_size=len(pairs)
        )
    )
    frame = pd.DataFrame({"user_id": users, "item_id": films, "rating": ratings})
    if text_ids:
        frame = frame.assign(
            user_id="u" + frame["user_id"].astype(str), item_id="f" + frame["item_id"].astype(str)
        )
    return frame


def _catalogue(frame):
    known = list(frame["item_id"].unique())
    ids = [*known, "unrated" if isinstance(known[0], str) else 99]
    return pd.DataFrame(
        {
            "item_id": ids,
            "title": [f"Film {i}" for i in range(len(ids))],
            "genres": ["Drama" if i % 2 else "Comedy" for i in range(len(ids))],
            "logline": [
                f"a story about {['love', 'war', 'ships'][i % 3]}" for i in range(len(ids))
            ],
            "tagline": ["" for _ in ids],
        }
    )


@pytest.mark.parametrize("name", list(MODELS))
@SETTINGS
@given(frame=small_ratings())
def test_every_model_predicts_finite_in_range_values_or_refuses_clearly(name, frame):
    model = build_model(name, _catalogue(frame))
    try:
        model.fit(frame)
    except ValueError as error:  # e.g. a data set too small for the model: said, not crashed
        assert str(error)
        return
    pairs = pd.DataFrame(
        {
            "user_id": [*frame["user_id"], frame["user_id"].iloc[0]],
            "item_id": [*frame["item_id"], "?"],
        }
    )  # the last pair asks about a film nobody knows: the baseline answers
    predictions = model.predict(pairs.astype(object))
    assert np.isfinite(predictions).all()
    if model.predicts_ratings:
        low, high = model.rating_range_
        assert ((predictions >= low) & (predictions <= high)).all()
    top = model.recommend(frame["user_id"].iloc[0], n=3)
    assert np.isfinite(top["score"]).all()


def test_a_catalogue_naming_films_differently_from_the_ratings_is_refused_clearly():
    frame = pd.DataFrame({"user_id": [1, 2], "item_id": ["f1", "f2"], "rating": [4.0, 2.0]})
    catalogue = _catalogue(frame.assign(item_id=[1, 2]))
    with pytest.raises(ValueError, match="different kinds"):
        build_model("Content-based", catalogue).fit(frame)
