"""RecommenderDemo, Python side: what is shown equals what the models say, ratings persist."""

import json

import numpy as np
import pandas as pd
import pytest

from cinelab.recsys.registry import MODELS, ModelEntry, build_model
from cinelab.widgets.catalogue import FilmSearch, film_labels
from cinelab.widgets.recommender_demo import RecommenderDemo
from cinelab.widgets.recommender_views import render_top_list
from cinelab.widgets.store import RatingsStore
from tests.widgets.tiny_data import tiny_dataset

ALIEN, ALIENS, AMELIE, TOY_STORY, HEAT = 1, 2, 3, 4, 5


@pytest.fixture
def dataset():
    return tiny_dataset()


@pytest.fixture
def ratings_file(tmp_path):
    return tmp_path / "my_ratings.json"


@pytest.fixture
def demo(dataset, ratings_file):
    return RecommenderDemo(dataset, ratings_file=ratings_file, n=5)


def shown_ids(demo):
    return list(demo.recommendations["item_id"])


def visible(rows):
    return [row for row in rows if row.layout.display != "none"]


def test_list_without_ratings_is_the_models_cold_start_list(demo):
    expected = demo.model.recommend_for_new_user({}, n=5)
    assert shown_ids(demo) == list(expected["item_id"])
    assert all("not rated anything yet" in reason for reason in demo.recommendations["reason"])


def test_rating_three_films_gives_the_models_fold_in_list(demo):
    before = shown_ids(demo)
    demo.rate(ALIEN, 5)
    demo.rate(AMELIE, 1)
    demo.rate(TOY_STORY, 4)
    mine = {ALIEN: 5.0, AMELIE: 1.0, TOY_STORY: 4.0}
    expected = demo.model.recommend_for_new_user(mine, n=5)
    assert shown_ids(demo) == list(expected["item_id"])
    assert shown_ids(demo) != before
    assert not set(shown_ids(demo)) & set(mine)


def test_predictions_on_screen_sum_the_explanation_terms(demo):
    demo.rate(ALIEN, 5)
    demo.rate(HEAT, 2)
    for item, prediction in zip(
        demo.recommendations["item_id"], demo.recommendations["prediction"], strict=True
    ):
        terms = demo.explain_film(item)
        assert terms["value"].sum() == pytest.approx(prediction)
        expected = demo.model.predict_for_new_user({ALIEN: 5.0, HEAT: 2.0}, [item])[0]
        assert prediction == pytest.approx(expected)


def count_fold_ins(model, monkeypatch) -> list:
    calls = []
    fold_in = model._fold_in
    monkeypatch.setattr(model, "_fold_in", lambda *args: calls.append(1) or fold_in(*args))
    return calls


@pytest.mark.parametrize("algorithm", ["User-KNN", "Item-KNN", "Hybrid", "ALS"])
def test_a_click_folds_you_in_once_for_the_list_its_reasons_and_why_not(
    demo, dataset, algorithm, monkeypatch
):
    demo.algorithm.value = algorithm
    demo.rate(ALIEN, 5)
    calls = count_fold_ins(demo.model, monkeypatch)
    demo.why_input.value = film_labels(dataset.items)[HEAT]
    assert calls == []  # the why-not box reuses the fold-in behind the list
    demo.rate(AMELIE, 2)
    assert calls == [1]  # five recommendations, five reasons, the why-not box: one fold-in
    assert "the sum of:" in demo.why_output.value
    demo.explain_film(TOY_STORY)
    assert calls == [1]
    demo.unrate(AMELIE)
    assert calls == [1, 1]
    expected = demo.model.recommend_for_new_user({ALIEN: 5.0}, n=5)
    assert shown_ids(demo) == list(expected["item_id"])


def test_ratings_are_saved_after_every_change_and_restored(demo, dataset, ratings_file):
    demo.rate(ALIEN, 5)
    assert RatingsStore(ratings_file, dataset="tiny").load() == {ALIEN: 5.0}
    demo.rate(HEAT, 3)
    restored = RecommenderDemo(dataset, ratings_file=ratings_file, n=5)
    assert restored.ratings == {ALIEN: 5.0, HEAT: 3.0}
    assert shown_ids(restored) == shown_ids(demo)
    assert [row.item_id for row in visible(restored.rated_rows)] == [ALIEN, HEAT]
    assert "2 saved rating(s) loaded" in restored.status.value


def test_star_buttons_rate_and_light_up(demo, ratings_file):
    demo.query.value = "heat"
    row = visible(demo.result_rows)[0]
    assert row.item_id == HEAT
    row.stars[3].click()  # the fourth star
    assert demo.ratings == {HEAT: 4.0}
    assert [b.button_style for b in row.stars] == ["warning"] * 4 + [""]
    assert json.loads(ratings_file.read_text())["ratings"]["tiny"] == [[HEAT, 4.0]]


def test_remove_button_and_reset_forget_ratings(demo, ratings_file):
    demo.rate(ALIEN, 5)
    demo.rate(HEAT, 2)
    remove = visible(demo.rated_rows)[0].children[-1]
    remove.click()
    assert demo.ratings == {HEAT: 2.0}
    demo.reset_button.click()
    assert demo.ratings == {}
    assert RatingsStore(ratings_file, dataset="tiny").load() == {}
    assert visible(demo.rated_rows) == []
    assert shown_ids(demo) == list(demo.model.recommend_for_new_user({}, n=5)["item_id"])


def test_search_finds_titles_ignoring_case_and_accents(demo):
    demo.query.value = "ALIEN"
    assert {row.item_id for row in visible(demo.result_rows)} == {ALIEN, ALIENS}
    demo.query.value = "amelie"
    assert [row.item_id for row in visible(demo.result_rows)] == [AMELIE]
    demo.query.value = "no such film"
    assert visible(demo.result_rows) == []


def test_search_puts_title_prefix_matches_before_inner_matches():
    labels = {1: "Heat (1995)", 2: "The Heat (2013)", 3: "Some Like It Hot (1959)"}
    ratings = pd.DataFrame({"user_id": [1, 2, 3], "item_id": [2, 2, 3], "rating": [4.0] * 3})
    search = FilmSearch(labels, ratings)
    assert search.find("heat", limit=5) == [1, 2]
    assert search.find("", limit=2) == [2, 3]  # most rated first when nothing is typed


def test_corrupt_file_is_reported_then_backed_up_on_first_rating(dataset, ratings_file):
    ratings_file.write_text("{ this is not json")
    demo = RecommenderDemo(dataset, ratings_file=ratings_file, n=5)
    assert demo.ratings == {}
    assert "damaged" in demo.status.value and ".bak" in demo.status.value
    assert ratings_file.read_text() == "{ this is not json"
    demo.rate(ALIEN, 4)
    backups = list(ratings_file.parent.glob("my_ratings.json.*.bak"))
    assert len(backups) == 1 and backups[0].read_text() == "{ this is not json"
    assert str(backups[0]) in demo.status.value
    assert RatingsStore(ratings_file, dataset="tiny").load() == {ALIEN: 4.0}


def test_foreign_file_is_reported_and_left_alone(dataset, ratings_file):
    ratings_file.write_text('{"thesis": "chapter 1"}')
    demo = RecommenderDemo(dataset, ratings_file=ratings_file, n=5)
    assert "not a CineLab ratings file" in demo.status.value
    assert ratings_file.read_text() == '{"thesis": "chapter 1"}'


def test_saved_ratings_for_unknown_films_are_kept_but_not_used(dataset, ratings_file):
    RatingsStore(ratings_file, dataset="tiny").save({ALIEN: 5, 999: 4})
    demo = RecommenderDemo(dataset, ratings_file=ratings_file, n=5)
    expected = demo.model.recommend_for_new_user({ALIEN: 5.0}, n=5)
    assert shown_ids(demo) == list(expected["item_id"])
    demo.rate(HEAT, 3)
    assert RatingsStore(ratings_file, dataset="tiny").load() == {ALIEN: 5.0, 999: 4.0, HEAT: 3.0}


@pytest.mark.parametrize("algorithm", list(MODELS))
def test_every_algorithm_shows_its_own_fold_in_list(demo, algorithm):
    demo.rate(ALIEN, 5)
    demo.rate(AMELIE, 2)
    demo.algorithm.value = algorithm
    model = demo.model
    assert type(model) is type(build_model(algorithm, demo.dataset.items))
    expected = model.recommend_for_new_user({ALIEN: 5.0, AMELIE: 2.0}, n=5)
    assert shown_ids(demo) == list(expected["item_id"])
    assert f"data-algorithm='{algorithm}'" in demo.top_list.value


def test_sliders_follow_the_algorithms_hyper_parameters(demo):
    demo.algorithm.value = "ALS"
    assert demo.neighbours.disabled and not demo.regularization.disabled
    assert demo.regularization.value == pytest.approx(demo.model.regularization)
    demo.algorithm.value = "User-KNN"
    assert not demo.neighbours.disabled and demo.regularization.disabled
    demo.neighbours.value = 3
    assert demo.model.n_neighbours == 3
    demo.algorithm.value = "EASE (top-N)"
    assert demo.regularization.min <= np.log10(demo.model.regularization) <= demo.regularization.max
    demo.algorithm.value = "User-KNN"
    assert demo.neighbours.value == 3  # each algorithm remembers its own setting


def test_changing_regularisation_refits_with_the_new_value(demo):
    demo.rate(ALIEN, 5)
    demo.algorithm.value = "ALS"
    demo.regularization.value = 1.0
    assert demo.model.regularization == pytest.approx(1.0)
    expected = demo.model.recommend_for_new_user({ALIEN: 5.0}, n=5)
    assert shown_ids(demo) == list(expected["item_id"])


def test_an_algorithm_that_fails_is_reported_and_the_last_one_kept(demo, monkeypatch):
    def broken(items, **hyper):
        raise ValueError("no taste vectors today")

    monkeypatch.setitem(MODELS, "ALS", ModelEntry(broken, "collaborative"))
    demo.rate(ALIEN, 5)
    shown = shown_ids(demo)
    demo.algorithm.value = "ALS"
    assert demo.algorithm.value == "Item-KNN"
    assert shown_ids(demo) == shown
    assert "ALS could not be used on this dataset (no taste vectors today)" in demo.status.value


def test_a_hyper_parameter_that_fails_is_undone(demo, monkeypatch):
    real_als = MODELS["ALS"].build

    def fragile(items, **hyper):
        if hyper.get("regularization", 1) < 0.01:
            raise ValueError("singular matrix")
        return real_als(items, **hyper)

    monkeypatch.setitem(MODELS, "ALS", ModelEntry(fragile, "collaborative"))
    demo.algorithm.value = "ALS"
    shown = shown_ids(demo)
    demo.regularization.value = 0.001
    assert demo.regularization.value == pytest.approx(demo.model.regularization)
    assert demo.model.regularization >= 0.01 and shown_ids(demo) == shown
    assert "singular matrix" in demo.status.value


def test_item_knn_reason_names_a_film_you_rated(demo):
    demo.rate(ALIEN, 5)
    demo.rate(ALIENS, 5)
    reasons = " ".join(demo.recommendations["reason"])
    assert "You rated Alien" in reasons and "people who liked it liked this" in reasons


def test_popularity_reason_counts_the_films_ratings(demo, dataset):
    demo.algorithm.value = "Popularity"
    first = demo.recommendations.iloc[0]
    count = int((dataset.ratings["item_id"] == first["item_id"]).sum())
    assert first["reason"] == f"Popular: {count:,} people rated it."


def test_why_not_box_gives_the_films_rank_and_terms(demo, dataset):
    demo.rate(ALIEN, 5)
    labels = film_labels(dataset.items)
    full = demo.model.recommend_for_new_user({ALIEN: 5.0}, n=len(demo.model.item_ids_))
    last = full["item_id"].iloc[-1]
    demo.why_input.value = labels[last]
    assert f"ranked <b>#{len(full)}</b> of {len(full)}" in demo.why_output.value
    assert f"{demo.explain_film(last).attrs['prediction']:.2f}" in demo.why_output.value
    demo.why_input.value = labels[ALIEN]
    assert "never recommended back" in demo.why_output.value


def test_why_not_follows_rating_changes(demo, dataset):
    labels = film_labels(dataset.items)
    demo.why_input.value = labels[HEAT]
    before = demo.why_output.value
    demo.rate(ALIENS, 1)
    assert demo.why_output.value != before


def test_top_list_html_escapes_titles_and_counts_revisions():
    recommendations = pd.DataFrame(
        {
            "item_id": [1],
            "title": ["<script>alert(1)</script>"],
            "score": [4.2],
            "prediction": [4.2],
            "reason": ["a & b"],
        }
    )
    markup = render_top_list(recommendations, revision=7, algorithm="ALS", predicts_ratings=True)
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert "a &amp; b" in markup and "data-revision='7'" in markup and "4.2★" in markup


def test_presenter_mode_from_argument_or_environment(dataset, ratings_file, monkeypatch):
    assert (
        "cinelab-presenter"
        in RecommenderDemo(dataset, ratings_file=ratings_file, presenter=True)._dom_classes
    )
    monkeypatch.setenv("CINELAB_PRESENTER", "1")
    assert "cinelab-presenter" in RecommenderDemo(dataset, ratings_file=ratings_file)._dom_classes
    monkeypatch.setenv("CINELAB_PRESENTER", "0")
    assert (
        "cinelab-presenter" not in RecommenderDemo(dataset, ratings_file=ratings_file)._dom_classes
    )


def test_ratings_file_comes_from_the_environment_by_default(dataset, ratings_file, monkeypatch):
    monkeypatch.setenv("CINELAB_RATINGS_FILE", str(ratings_file))
    RecommenderDemo(dataset).rate(HEAT, 5)
    assert RatingsStore(ratings_file, dataset="tiny").load() == {HEAT: 5.0}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda demo: demo.rate(999, 4), "film 999 is not in the 'tiny' catalogue"),
        (lambda demo: demo.rate(ALIEN, 6), "stars must be a number from 1 to 5"),
        (lambda demo: demo.rate(ALIEN, "5"), "stars must be a number from 1 to 5"),
    ],
)
def test_bad_ratings_are_refused_with_a_clear_message(demo, call, message):
    with pytest.raises(ValueError, match=message):
        call(demo)
    assert demo.ratings == {}


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"algorithm": "Magic"}, ValueError, "unknown algorithm 'Magic'"),
        ({"n": 0}, ValueError, "n must be a positive integer"),
        ({"dataset": 42}, TypeError, "dataset must be a name"),
    ],
)
def test_bad_arguments_are_refused(dataset, ratings_file, kwargs, error, message):
    kwargs = {"dataset": dataset, "ratings_file": ratings_file, **kwargs}
    with pytest.raises(error, match=message):
        RecommenderDemo(**kwargs)
