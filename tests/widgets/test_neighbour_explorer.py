"""NeighbourExplorer: neighbours and their evidence agree with hand computations.

`nearest_neighbours` itself is tested against brute force in tests/recsys/test_similarity.py."""

import numpy as np
import pandas as pd
import pytest

from cinelab.widgets.neighbour_explorer import NeighbourExplorer
from tests.widgets.tiny_data import tiny_dataset

ALIEN = 1


@pytest.fixture(scope="module")
def dataset():
    return tiny_dataset()


@pytest.fixture
def explorer(dataset):
    return NeighbourExplorer(dataset, similarity="pearson", shrinkage=0, k=5)


def ratings_of(dataset, item_id):
    frame = dataset.ratings[dataset.ratings["item_id"] == item_id]
    return frame.set_index("user_id")["rating"]


def test_pearson_neighbours_match_hand_correlation_on_co_raters(explorer, dataset):
    explorer.film.value = explorer.film_labels[ALIEN]
    alien = ratings_of(dataset, ALIEN)
    for row in explorer.neighbours.itertuples(index=False):
        other = ratings_of(dataset, row.id)
        common = alien.index.intersection(other.index)
        expected = np.corrcoef(alien[common], other[common])[0, 1]
        assert row.similarity == pytest.approx(expected)
        assert row.co_rated == len(common)
    assert explorer.neighbours["similarity"].is_monotonic_decreasing
    assert ALIEN not in set(explorer.neighbours["id"])
    assert len(explorer.neighbours) == 5


def test_evidence_lists_the_co_raters_and_their_two_ratings(explorer, dataset):
    explorer.film.value = explorer.film_labels[ALIEN]
    neighbour = explorer.neighbours["id"].iloc[1]
    explorer.evidence_choice.value = neighbour
    both = pd.concat(
        [ratings_of(dataset, ALIEN), ratings_of(dataset, neighbour)], axis=1, join="inner"
    )
    assert list(explorer.evidence["id"]) == sorted(both.index)
    np.testing.assert_array_equal(explorer.evidence["target"], both.sort_index().iloc[:, 0])
    np.testing.assert_array_equal(explorer.evidence["neighbour"], both.sort_index().iloc[:, 1])
    correlation = np.corrcoef(explorer.evidence["target"], explorer.evidence["neighbour"])[0, 1]
    assert f"{correlation:+.3f}" in explorer.evidence_view.value


def test_shrinkage_is_shown_as_n_over_n_plus_lambda(explorer):
    explorer.shrinkage.value = 25
    first = explorer.neighbours.iloc[0]
    assert explorer.evidence_choice.value == first["id"]
    n = len(explorer.evidence)
    raw = np.corrcoef(explorer.evidence["target"], explorer.evidence["neighbour"])[0, 1]
    assert first["similarity"] == pytest.approx(raw * n / (n + 25))
    assert f"shrunk by {n}/({n}+25) → <b>{first['similarity']:+.3f}</b>" in (
        explorer.evidence_view.value
    )


def test_user_neighbours_share_films_with_the_user(explorer, dataset):
    explorer.kind.value = "users"
    explorer.user.value = 3
    assert explorer.film.layout.display == "none" and explorer.user.layout.display is None
    mine = set(dataset.ratings.loc[dataset.ratings["user_id"] == 3, "item_id"])
    for row in explorer.neighbours.itertuples(index=False):
        theirs = set(dataset.ratings.loc[dataset.ratings["user_id"] == row.id, "item_id"])
        assert row.co_rated == len(mine & theirs) > 0
    assert 3 not in set(explorer.neighbours["id"])
    assert set(explorer.evidence["id"]) <= mine


def test_k_slider_sets_the_list_length(explorer):
    explorer.k.value = 2
    assert len(explorer.neighbours) == 2
    assert explorer.listing.value.count("cinelab-neighbour'") == 2


def test_similarity_choice_changes_the_numbers(explorer):
    pearson = explorer.neighbours.copy()
    explorer.similarity.value = "cosine_corated"
    assert not pearson.equals(explorer.neighbours)
    assert "cosine_corated on the" in explorer.evidence_view.value


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "actors"}, "kind must be one of"),
        ({"similarity": "jaccard"}, "similarity must be one of"),
    ],
)
def test_bad_choices_are_refused(dataset, kwargs, message):
    with pytest.raises(ValueError, match=message):
        NeighbourExplorer(dataset, **kwargs)


def test_by_default_it_shows_the_similarity_the_demos_item_knn_uses(dataset):
    explorer = NeighbourExplorer(dataset, k=5)
    model = explorer.model  # the recommender demo's default model, fitted on the same data
    assert (explorer.similarity.value, explorer.shrinkage.value) == ("pearson_baseline", 100)
    explorer.film.value = explorer.film_labels[ALIEN]
    alien = model.item_ids_.get_loc(ALIEN)
    for row in explorer.neighbours.itertuples(index=False):
        used = model.similarity_cache_[alien, model.item_ids_.get_loc(row.id)]
        assert row.similarity == pytest.approx(used, abs=1e-6)  # the cache is float32
    assert "pearson_baseline (co-rated cosine of rating − baseline)" in (
        explorer.evidence_view.value
    )
