import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics.pairwise import cosine_similarity

from cinelab import recsys
from cinelab.recsys.factorization import solve_user

from .conftest import make_ratings


def all_models(items):
    return [
        recsys.Popularity(),
        recsys.Baseline(),
        recsys.UserKNN(n_neighbours=5),
        recsys.ItemKNN(n_neighbours=5),
        recsys.UserKNN(similarity="cosine", centering="none", shrinkage=0),
        recsys.UserKNN(similarity="cosine", centering="none", shrinkage=0, damping=0.5),
        recsys.ItemKNN(similarity="pearson", centering="mean"),
        recsys.FunkSVD(factors=4, epochs=5, batch_size=64, seed=1),
        recsys.ALS(factors=4, iterations=3, seed=1),
        recsys.EASE(regularization=5.0),
        recsys.ContentBased(items, n_neighbours=5),
        recsys.Hybrid(items, collaborative=recsys.ItemKNN(n_neighbours=5)),
    ]


MODEL_IDS = [
    "popularity", "baseline", "userknn", "itemknn", "userknn-cosine", "userknn-none-damped",
    "itemknn-pearson",
    "funksvd", "als", "ease", "content", "hybrid",
]  # fmt: skip


@pytest.fixture(scope="module", params=range(len(MODEL_IDS)), ids=MODEL_IDS)
def fitted(request, ratings, items):
    return all_models(items)[request.param].fit(ratings)


def test_predict_returns_one_clipped_value_per_pair(fitted, ratings):
    predictions = fitted.predict(ratings[["user_id", "item_id"]])
    assert isinstance(predictions, np.ndarray) and predictions.shape == (len(ratings),)
    assert np.isfinite(predictions).all()
    if fitted.predicts_ratings:
        assert predictions.min() >= ratings["rating"].min()
        assert predictions.max() <= ratings["rating"].max()


def test_explain_terms_sum_to_predict(fitted, ratings):
    pairs = pd.DataFrame({"user_id": [100, 101, 105, 139], "item_id": [1000, 1007, 1029, 1003]})
    predictions = fitted.predict(pairs)
    for (user, item), prediction in zip(pairs.itertuples(index=False), predictions, strict=True):
        terms = fitted.explain(user, item)
        assert {"term", "value"} <= set(terms.columns)
        assert terms["value"].sum() == pytest.approx(prediction, abs=1e-9)
        assert terms.attrs["prediction"] == pytest.approx(prediction)
        assert isinstance(terms.attrs["reason"], str) and terms.attrs["reason"]


def test_unknown_user_and_film_fall_back_to_the_baseline(fitted):
    pairs = pd.DataFrame({"user_id": [-5, 100, -5], "item_id": [1000, -7, -7]})
    biases = fitted.baseline_
    user = fitted.user_ids_.get_loc(100)
    item = fitted.item_ids_.get_loc(1000)
    expected = [
        biases.global_mean + biases.item[item],
        biases.global_mean + biases.user[user],
        biases.global_mean,
    ]
    assert np.allclose(fitted.predict(pairs), fitted._clip(np.array(expected)))
    assert fitted.explain(-5, -7)["value"].sum() == pytest.approx(
        fitted._clip(np.array([expected[2]]))[0]
    )
    assert len(fitted.recommend(-5, n=3)) == 3


def test_recommend_excludes_seen_films_and_is_sorted(fitted, ratings):
    top = fitted.recommend(100, n=5)
    assert list(top.columns) == ["item_id", "score"] and len(top) == 5
    seen = set(ratings.loc[ratings["user_id"] == 100, "item_id"])
    assert not seen & set(top["item_id"])
    assert top["score"].is_monotonic_decreasing


def test_recommend_matches_predict_order_for_rating_models(fitted, ratings):
    if isinstance(fitted, recsys.Popularity):
        pytest.skip("Popularity ranks by count, not by predicted rating")
    top = fitted.recommend(101, n=3)
    pairs = pd.DataFrame({"user_id": 101, "item_id": top["item_id"]})
    assert np.allclose(fitted._clip(top["score"].to_numpy()), fitted.predict(pairs))


def test_new_user_fold_in_answers_and_explains(fitted, ratings):
    given = {1000: 5.0, 1001: 1.0, 1002: 4.5, 99999: 3.0}  # the unknown film is ignored
    top = fitted.recommend_for_new_user(given, n=4)
    assert len(top) == 4 and not {1000, 1001, 1002} & set(top["item_id"])
    predicted = fitted.predict_for_new_user(given, [top["item_id"].iloc[0]])[0]
    terms = fitted.explain_for_new_user(given, top["item_id"].iloc[0])
    assert terms["value"].sum() == pytest.approx(predicted, abs=1e-9)


def test_one_fold_in_answers_every_question(fitted, monkeypatch):
    calls = []
    fold_in = fitted._fold_in
    monkeypatch.setattr(fitted, "_fold_in", lambda *args: calls.append(1) or fold_in(*args))
    given = {1000: 5.0, 1001: 1.0, 1002: 4.5}
    person = fitted.fold_in(given)
    top = person.recommend(n=10)
    explanations = [person.explain(item) for item in top["item_id"]]
    predictions = person.predict(top["item_id"])
    assert len(calls) == 1  # a top-10, ten explanations and the predictions: one fold-in
    assert person.ratings == given
    for terms, prediction in zip(explanations, predictions, strict=True):
        assert terms["value"].sum() == pytest.approx(prediction, abs=1e-9)
    assert top.equals(fitted.recommend_for_new_user(given, n=10))  # the shortcuts agree
    assert len(calls) == 2


def test_fold_in_without_usable_ratings_gives_the_fallback(fitted):
    person = fitted.fold_in({99999: 4.0})  # a film the model does not know
    assert person.recommend(n=3).equals(fitted.recommend(-5, n=3))
    film = fitted.item_ids_[0]
    expected = fitted.baseline_.global_mean + fitted.baseline_.item[0]
    assert person.predict([film])[0] == pytest.approx(fitted._clip(np.array([expected]))[0])
    assert person.explain(film)["value"].sum() == pytest.approx(person.predict([film])[0])


def test_user_knn_fold_in_of_a_known_user_matches_predict(ratings):
    # mean-centred cosine without shrinkage does not depend on the biases, so folding a known
    # user in again (similarities computed once at fold-in) must reproduce `predict` exactly
    for damping in (None, 0.5):
        model = recsys.UserKNN(
            similarity="cosine", centering="mean", shrinkage=0, n_neighbours=5, damping=damping
        ).fit(ratings)
        mine = ratings[ratings["user_id"] == 100]
        unseen = np.setdiff1d(model.item_ids_, mine["item_id"])
        person = model.fold_in(dict(zip(mine["item_id"], mine["rating"], strict=True)))
        known = model.predict(pd.DataFrame({"user_id": 100, "item_id": unseen}))
        np.testing.assert_allclose(person.predict(unseen), known, atol=1e-12)


def test_known_user_folded_in_again_gets_the_same_neighbour_prediction(ratings):
    model = recsys.ItemKNN(n_neighbours=5).fit(ratings)
    mine = ratings[ratings["user_id"] == 100]
    as_new = model.predict_for_new_user(
        dict(zip(mine["item_id"], mine["rating"], strict=True)), [1005]
    )
    # item-based neighbours only use the user's own ratings, so only the bias may differ
    assert (
        abs(as_new[0] - model.predict(pd.DataFrame({"user_id": [100], "item_id": [1005]}))[0]) < 0.3
    )


def test_pickle_round_trip_keeps_predictions(fitted, ratings):
    pairs = ratings[["user_id", "item_id"]].head(50)
    clone = pickle.loads(pickle.dumps(fitted))
    assert np.array_equal(clone.predict(pairs), fitted.predict(pairs))


def test_same_seed_same_numbers_different_seed_different(ratings):
    pairs = ratings[["user_id", "item_id"]]
    for model_class in (recsys.FunkSVD, recsys.ALS):
        first = model_class(factors=4, seed=3).fit(ratings).predict(pairs)
        again = model_class(factors=4, seed=3).fit(ratings).predict(pairs)
        other = model_class(factors=4, seed=4).fit(ratings).predict(pairs)
        assert np.array_equal(first, again) and not np.array_equal(first, other)


def test_invalid_ratings_are_rejected_by_validate_ratings():
    bad = pd.DataFrame({"user_id": [1, 1], "item_id": [2, 2], "rating": [4.0, 5.0]})
    with pytest.raises(ValueError, match="repeat"):
        recsys.ALS().fit(bad)
    with pytest.raises(ValueError, match="missing column"):
        recsys.Baseline().fit(pd.DataFrame({"user": [1], "item_id": [2], "rating": [3.0]}))


def test_bad_calls_get_clear_errors(ratings):
    model = recsys.Baseline().fit(ratings)
    with pytest.raises(TypeError, match="DataFrame"):
        model.predict([(100, 1000)])
    with pytest.raises(ValueError, match="missing"):
        model.predict(pd.DataFrame({"user_id": [100]}))
    with pytest.raises(ValueError, match="outside"):
        model.recommend_for_new_user({1000: 9.0})
    with pytest.raises(ValueError, match="positive integer"):
        model.recommend(100, n=0)
    with pytest.raises(RuntimeError, match="not fitted"):
        recsys.ALS().predict(ratings)
    with pytest.raises(ValueError, match="similarity"):
        recsys.ItemKNN(similarity="jaccard").fit(ratings)


def test_baseline_biases_solve_the_ridge_regression(ratings):
    model = recsys.Baseline(user_regularization=2.0, item_regularization=3.0, iterations=200)
    model.fit(ratings)
    users = model.user_ids_.get_indexer(ratings["user_id"])
    items = model.item_ids_.get_indexer(ratings["item_id"])
    residual = ratings["rating"].to_numpy() - model.biases_.predict(users, items)
    # stationarity: each bias equals the sum of its residuals divided by its regularisation
    user_sums = np.bincount(users, residual)
    assert np.allclose(user_sums, 2.0 * model.biases_.user, atol=1e-6)


def test_user_knn_prediction_by_hand():
    ratings = pd.DataFrame(
        {
            "user_id": [1, 1, 1, 2, 2, 2, 3, 3],
            "item_id": [10, 11, 12, 10, 11, 12, 10, 11],
            "rating": [5.0, 3.0, 4.0, 4.0, 2.0, 1.0, 1.0, 5.0],
        }
    )
    model = recsys.UserKNN(similarity="cosine", centering="none", shrinkage=0, n_neighbours=2)
    model.fit(ratings)
    # user 3 on film 12: raters 1 and 2, zero-filled cosine on (10, 11, 12)
    u3 = np.array([1, 5, 0.0])
    s1 = u3 @ [5, 3, 4] / np.linalg.norm(u3) / np.linalg.norm([5, 3, 4])
    s2 = u3 @ [4, 2, 1] / np.linalg.norm(u3) / np.linalg.norm([4, 2, 1])
    expected = (s1 * 4 + s2 * 1) / (s1 + s2)
    assert model.predict(pd.DataFrame({"user_id": [3], "item_id": [12]}))[0] == pytest.approx(
        expected
    )
    terms = model.explain(3, 12)
    assert set(terms["neighbour_id"]) == {1, 2}


def test_item_knn_keeps_only_the_k_most_similar(ratings):
    model = recsys.ItemKNN(n_neighbours=3).fit(ratings)
    terms = model.explain(100, 1003)
    neighbours = terms.dropna(subset=["neighbour_id"])
    assert len(neighbours) <= 3 and (neighbours["similarity"] > 0).all()


def test_als_user_step_equals_the_closed_form_solve(ratings):
    model = recsys.ALS(factors=3, iterations=2, regularization=0.2).fit(ratings)
    user = 0
    items, values = model._user_row(user)
    # after the last sweep item factors moved, so re-solve the user against them and compare
    # with solving every user at once through the sparse Gram product
    residual = model.matrix_.copy()
    residual.data = residual.data - model.global_mean_ - model.item_bias_[residual.indices]
    factors, biases = model._solve_side(residual, model.item_factors_)
    expected_factors, expected_bias = solve_user(
        model.item_factors_[items],
        values - model.global_mean_ - model.item_bias_[items],
        0.2 * len(items),
    )
    assert np.allclose(factors[user], expected_factors) and biases[user] == pytest.approx(
        expected_bias
    )


def test_factorisation_learns_planted_structure():
    ratings = make_ratings(n_users=80, n_items=60, density=0.5, seed=2)
    train = ratings.sample(frac=0.8, random_state=0)
    test = ratings.drop(train.index)
    baseline = recsys.evaluate(recsys.Baseline(), train, test)["rmse"]
    for model in (
        recsys.ALS(factors=3, seed=0),
        recsys.FunkSVD(factors=3, epochs=60, batch_size=256),
    ):
        assert recsys.evaluate(model, train, test)["rmse"] < baseline


def test_funk_svd_records_learning_curves(ratings):
    train, validation = ratings.iloc[::2], ratings.iloc[1::2]
    model = recsys.FunkSVD(factors=3, epochs=4, batch_size=64).fit(train, validation=validation)
    assert list(model.history_.columns) == ["epoch", "train_rmse", "validation_rmse"]
    assert len(model.history_) == 4 and model.history_["train_rmse"].is_monotonic_decreasing


def test_content_based_recommends_films_nobody_rated(ratings, items):
    model = recsys.ContentBased(items).fit(ratings)
    assert {1030, 1031} <= set(model.item_ids_)
    fan = {1000: 5.0, 1005: 5.0, 1010: 5.0, 1001: 1.0}  # loves the alien films (i % 5 == 0)
    assert model.predict_for_new_user(fan, [1030])[0] > model.predict_for_new_user(fan, [1031])[0]


def test_hybrid_weights_follow_rating_counts(ratings, items):
    model = recsys.Hybrid(items, blend_ratings=10.0).fit(ratings)
    cold = model.item_ids_.get_loc(1030)
    assert model.weights_[cold] == 0.0
    counts = ratings.groupby("item_id").size()
    warm = model.item_ids_.get_loc(1000)
    assert model.weights_[warm] == pytest.approx(counts[1000] / (counts[1000] + 10.0))


def test_item_knn_damped_prediction_by_hand():
    ratings = pd.DataFrame(
        {
            "user_id": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4],
            "item_id": [10, 11, 12, 10, 11, 13, 10, 12, 13, 11, 13],
            "rating": [5.0, 4.0, 1.0, 4.0, 5.0, 2.0, 2.0, 1.0, 5.0, 3.0, 4.0],
        }
    )
    model = recsys.ItemKNN(similarity="cosine", shrinkage=0, damping=0.5).fit(ratings)
    dense = ratings.pivot(index="item_id", columns="user_id", values="rating").fillna(0)
    similarity = cosine_similarity(dense.to_numpy())  # (4 films, 4 films), zero-filled
    biases = model.baseline_
    films = list(dense.index)

    def baseline(user, film):
        return (
            biases.global_mean
            + biases.user[model.user_ids_.get_loc(user)]
            + biases.item[films.index(film)]
        )

    for user, film in [(1, 13), (2, 12), (4, 10), (4, 12)]:
        mine = ratings[ratings["user_id"] == user]
        s = similarity[films.index(film), [films.index(j) for j in mine["item_id"]]]
        v = mine["rating"].to_numpy() - [baseline(user, j) for j in mine["item_id"]]
        expected = baseline(user, film) + (s * v).sum() / (s.sum() + 0.5)
        pair = pd.DataFrame({"user_id": [user], "item_id": [film]})
        assert model.predict(pair)[0] == pytest.approx(np.clip(expected, 1, 5))
        assert model.explain(user, film)["value"].sum() == pytest.approx(model.predict(pair)[0])
        undamped = recsys.ItemKNN(similarity="cosine", shrinkage=0, damping=0).fit(ratings)
        textbook = baseline(user, film) + (s * v).sum() / s.sum()
        assert undamped.predict(pair)[0] == pytest.approx(np.clip(textbook, 1, 5))


def test_damping_in_the_raw_rating_formula_by_hand():
    ratings = pd.DataFrame(
        {
            "user_id": [1, 1, 1, 2, 2, 2, 3, 3],
            "item_id": [10, 11, 12, 10, 11, 12, 10, 11],
            "rating": [5.0, 3.0, 4.0, 4.0, 2.0, 1.0, 1.0, 5.0],
        }
    )
    model = recsys.UserKNN(
        similarity="cosine", centering="none", shrinkage=0, n_neighbours=2, damping=0.5
    ).fit(ratings)
    u3 = np.array([1, 5, 0.0])
    s1 = u3 @ [5, 3, 4] / np.linalg.norm(u3) / np.linalg.norm([5, 3, 4])
    s2 = u3 @ [4, 2, 1] / np.linalg.norm(u3) / np.linalg.norm([4, 2, 1])
    fallback = model.baseline_.predict([model.user_ids_.get_loc(3)], [model.item_ids_.get_loc(12)])
    # the damping is a virtual neighbour with similarity 0.5 who predicts the baseline
    expected = (s1 * 4 + s2 * 1 + 0.5 * fallback[0]) / (s1 + s2 + 0.5)
    assert model.predict(pd.DataFrame({"user_id": [3], "item_id": [12]}))[0] == pytest.approx(
        expected
    )
    assert model.explain(3, 12)["value"].sum() == pytest.approx(expected)


def test_one_weak_neighbour_barely_moves_the_base(ratings):
    """The fold-in failure damping fixes: with few ratings, a film whose only neighbour is a
    weak one got that neighbour's whole deviation; now it gets s / (s + damping) of it."""
    model = recsys.ItemKNN().fit(ratings)
    person = model.fold_in({1000: 5.0, 1001: 1.0, 1002: 4.5, 1003: 2.0, 1004: 5.0})
    biases = model.baseline_
    for item in person.recommend(n=10)["item_id"]:
        terms = person.explain(item).set_index("term")
        neighbours = terms.dropna(subset=["neighbour_id"])
        film_bias = biases.item[model.item_ids_.get_indexer(neighbours["neighbour_id"])]
        deviation = neighbours["rating"] - (
            biases.global_mean + terms.loc["user bias", "value"] + film_bias
        )  # what each rated film says beyond the baseline
        weight = neighbours["similarity"].sum()
        correction = neighbours["value"].sum()
        assert correction == pytest.approx(
            (neighbours["similarity"] * deviation).sum() / (weight + 0.25)
        )
        assert abs(correction) <= weight / (weight + 0.25) * deviation.abs().max() + 1e-12


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (recsys.ItemKNN(), 0.25),
        (recsys.UserKNN(), 0.25),
        (recsys.ItemKNN(centering="mean"), 0.0),
        (recsys.UserKNN(centering="none"), 0.0),
        (recsys.UserKNN(centering="none", damping=0.7), 0.7),
    ],
)
def test_default_damping_applies_to_baseline_centering_only(ratings, items, model, expected):
    assert model.fit(ratings).damping_ == expected
    assert recsys.ContentBased(items).fit(ratings).damping_ == 0.25


@pytest.mark.parametrize("damping", [-0.1, np.inf, "strong"])
def test_bad_damping_is_refused(ratings, damping):
    with pytest.raises(ValueError, match="damping must be a finite number >= 0"):
        recsys.ItemKNN(damping=damping).fit(ratings)
