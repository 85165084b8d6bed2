"""Two demos on one ratings file lose nothing; datasets are kept apart by what they are."""

import multiprocessing

import pytest

from cinelab.data import load_movielens
from cinelab.widgets.store import RatingsStore
from tests.data.movielens_fixtures import write_csv_release
from tests.widgets.tiny_data import tiny_dataset


@pytest.fixture
def path(tmp_path):
    return tmp_path / "my_ratings.json"


def test_two_sessions_saving_in_turn_keep_both_sessions_ratings(path):
    first, second = RatingsStore(path), RatingsStore(path)
    first.load(), second.load()
    first.save({1: 5})
    second.save({2: 4})  # knows nothing of film 1: must not erase it
    assert RatingsStore(path).load() == {1: 5.0, 2: 4.0}


def test_a_session_removes_only_what_it_removed(path):
    first, second = RatingsStore(path), RatingsStore(path)
    first.save({1: 5, 3: 2})
    second.load()
    second.save({**second.load(), 2: 4})
    first.save({1: 5})  # this session removed film 3 (and never saw film 2)
    assert RatingsStore(path).load() == {1: 5.0, 2: 4.0}


def test_save_returns_the_merged_ratings(path):
    RatingsStore(path).save({1: 5})
    assert RatingsStore(path).save({2: 3}) == {1: 5.0, 2: 3.0}


def test_re_rating_a_film_wins_over_the_older_value(path):
    first, second = RatingsStore(path), RatingsStore(path)
    first.save({1: 5})
    second.load()
    second.save({1: 2})
    first.save({1: 5, 4: 1})  # film 1 unchanged here since this session's last save
    assert RatingsStore(path).load() == {1: 2.0, 4: 1.0}


def _rate_many(path, offset, count):
    store = RatingsStore(path)
    ratings = {}
    for film in range(offset, offset + count):
        ratings[film] = 3.0
        store.save(ratings)


def test_two_processes_saving_at_once_lose_no_update(path):
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_rate_many, args=(path, o, 15)) for o in (0, 100)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0]
    assert set(RatingsStore(path).load()) == set(range(15)) | set(range(100, 115))


def test_a_folder_as_ratings_file_is_refused_clearly(tmp_path):
    with pytest.raises(IsADirectoryError, match=r"is a folder.*my_ratings\.json"):
        RatingsStore(tmp_path)


def test_recommender_demo_with_a_folder_as_ratings_file_says_so(tmp_path):
    from cinelab.widgets import RecommenderDemo

    with pytest.raises(IsADirectoryError, match=f"ratings file {tmp_path} is a folder"):
        RecommenderDemo(tiny_dataset(), ratings_file=tmp_path)


def test_a_movielens_folder_called_cinelab_does_not_share_the_kits_slot(tmp_path, path):
    impostor = load_movielens(write_csv_release(tmp_path, name="cinelab"))
    assert impostor.name == "cinelab" and impostor.key != "cinelab"
    RatingsStore(path, dataset="cinelab").save({1: 5})
    assert RatingsStore(path, dataset=impostor).load() == {}


def test_one_release_under_two_names_shares_one_slot(tmp_path, path):
    a = load_movielens(write_csv_release(tmp_path / "a", name="ml-latest-small"))
    b = load_movielens(write_csv_release(tmp_path / "b", name="movielens-latest-small"))
    assert a.name != b.name and a.key == b.key
    RatingsStore(path, dataset=a).save({1: 4})
    assert RatingsStore(path, dataset=b).load() == {1: 4.0}


def test_the_kits_own_data_keeps_its_key():
    from cinelab.data import load

    assert load("cinelab").key == "cinelab"
