"""Absurd settings are refused in `fit` with the parameter's name; training that diverges
raises instead of predicting NaN (and `recommend` returning an empty list)."""

import numpy as np
import pytest

from cinelab import recsys
from cinelab.recsys.registry import MODELS, build_model


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (
            recsys.FunkSVD(learning_rate=-0.1),
            r"learning_rate must be a finite number > 0, got -0.1",
        ),
        (recsys.FunkSVD(batch_size=0), r"batch_size must be a positive integer, got 0"),
        (recsys.FunkSVD(epochs=2.5), r"epochs must be an integer >= 0, got 2.5"),
        (
            recsys.FunkSVD(regularization=float("nan")),
            r"regularization must be a finite number >= 0",
        ),
        (recsys.FunkSVD(factors=0), r"factors must be a positive integer, got 0"),
        (recsys.ALS(regularization=-1), r"regularization must be a finite number > 0, got -1"),
        (recsys.ALS(regularization=0), r"regularization must be a finite number > 0, got 0"),
        (recsys.ALS(iterations=True), r"iterations must be an integer >= 0, got True"),
        (recsys.ALS(seed=-3), r"seed must be an integer >= 0, got -3"),
        (
            recsys.Baseline(user_regularization=-5),
            r"user_regularization must be a finite number >= 0",
        ),
        (
            recsys.Baseline(item_regularization=-1),
            r"item_regularization must be a finite number >= 0",
        ),
        (recsys.Baseline(iterations=0), r"iterations must be a positive integer, got 0"),
        (recsys.Popularity(item_regularization=-1), r"item_regularization must be a finite number"),
        (recsys.ItemKNN(n_neighbours=0), r"n_neighbours must be a positive integer, got 0"),
        (recsys.UserKNN(shrinkage=-1), r"shrinkage must be a finite number >= 0, got -1"),
        (recsys.UserKNN(similarity="jaccard"), r"similarity must be one of \['cosine'"),
        (recsys.ItemKNN(damping=float("inf")), r"damping must be a finite number >= 0, got inf"),
        (recsys.EASE(regularization=0), r"regularization must be a finite number > 0, got 0"),
        (recsys.EASE(max_films=0), r"max_films must be a positive integer, got 0"),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, str) else "",
)
def test_absurd_hyper_parameters_are_refused_in_fit(ratings, model, message):
    with pytest.raises(ValueError, match=message):
        model.fit(ratings)


@pytest.mark.parametrize("blend", [-1.0, 0.0])
def test_hybrid_needs_a_positive_blend(ratings, items, blend):
    with pytest.raises(ValueError, match=f"blend_ratings must be a finite number > 0, got {blend}"):
        recsys.Hybrid(items, blend_ratings=blend).fit(ratings)


def test_hybrid_parts_must_be_models(ratings, items):
    with pytest.raises(TypeError, match="collaborative must be an unfitted Recommender"):
        recsys.Hybrid(items, collaborative="ItemKNN").fit(ratings)


def test_diverging_funk_svd_raises_instead_of_predicting_nan(ratings):
    with pytest.raises(
        FloatingPointError, match=r"FunkSVD diverged: after epoch 1.*learning_rate=50"
    ):
        recsys.FunkSVD(learning_rate=50).fit(ratings)


def test_other_spelling_points_to_the_kits_name():
    with pytest.raises(
        TypeError,
        match=r"ItemKNN has no parameter 'n_neighbors'\. The kit spells it 'n_neighbours'",
    ):
        recsys.ItemKNN(n_neighbors=10)
    with pytest.raises(
        TypeError,
        match=r"ALS has no parameter 'regularisation'\. The kit spells it 'regularization'",
    ):
        recsys.ALS(regularisation=0.1)
    with pytest.raises(TypeError, match=r"UserKNN has no parameter 'k'\. Its parameters are \["):
        recsys.UserKNN(k=3)


@pytest.mark.parametrize("name", list(MODELS))
def test_every_registered_model_works_with_its_defaults_and_gives_finite_predictions(
    ratings, items, name
):
    model = build_model(name, items).fit(ratings)
    predictions = model.predict(ratings[["user_id", "item_id"]])
    assert np.isfinite(predictions).all()
    assert len(model.recommend(ratings["user_id"].iloc[0], n=3)) == 3


def test_a_subclass_taking_any_arguments_is_left_to_its_own_init():
    class Flexible(recsys.Baseline):
        def __init__(self, *args, **kwargs):
            super().__init__()
            self.extra = kwargs

    assert Flexible(anything=1).extra == {"anything": 1}
