"""The ratings file: survives restarts, writes atomically, never destroys a file it cannot read."""

import json
import os

import numpy as np
import pytest

from cinelab.widgets.store import (
    ENV_VAR,
    RatingsFileError,
    RatingsStore,
    default_ratings_path,
)


@pytest.fixture
def path(tmp_path):
    return tmp_path / "ratings" / "my_ratings.json"


def test_missing_file_loads_as_no_ratings(path):
    assert RatingsStore(path).load() == {}
    assert not path.exists()


def test_ratings_survive_a_new_store_object(path):
    RatingsStore(path).save({1: 5, 42: 3.5})
    assert RatingsStore(path).load() == {1: 5.0, 42: 3.5}


def test_numpy_ids_and_ratings_are_saved_as_plain_values(path):
    RatingsStore(path).save({np.int64(7): np.float64(4.0), np.int32(8): np.int64(2)})
    assert RatingsStore(path).load() == {7: 4.0, 8: 2.0}
    assert isinstance(next(iter(RatingsStore(path).load())), int)


def test_string_ids_round_trip(path):
    RatingsStore(path, dataset="other").save({"tt0078748": 5})
    assert RatingsStore(path, dataset="other").load() == {"tt0078748": 5.0}


def test_datasets_are_kept_apart_in_one_file(path):
    RatingsStore(path, dataset="cinelab").save({1: 5})
    RatingsStore(path, dataset="movielens-100k").save({1: 2})
    assert RatingsStore(path, dataset="cinelab").load() == {1: 5.0}
    assert RatingsStore(path, dataset="movielens-100k").load() == {1: 2.0}


def test_reset_forgets_only_this_dataset(path):
    RatingsStore(path, dataset="cinelab").save({1: 5})
    RatingsStore(path, dataset="movielens-100k").save({3: 4})
    RatingsStore(path, dataset="cinelab").reset()
    assert RatingsStore(path, dataset="cinelab").load() == {}
    assert RatingsStore(path, dataset="movielens-100k").load() == {3: 4.0}


def test_file_is_readable_json_with_format_and_version(path):
    RatingsStore(path).save({2: 1, 1: 4})
    content = json.loads(path.read_text())
    assert content == {
        "format": "cinelab-ratings",
        "version": 1,
        "ratings": {"cinelab": [[1, 4.0], [2, 1.0]]},
    }


def test_save_leaves_no_temporary_files(path):
    store = RatingsStore(path)
    for rating in (1, 2, 3):
        store.save({1: rating})
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "my_ratings.json",
        "my_ratings.json.lock",
    ]


def test_failed_write_keeps_the_old_file_and_no_temporary(path, monkeypatch):
    store = RatingsStore(path)
    store.save({1: 5})

    def broken_replace(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        store.save({1: 1})
    monkeypatch.undo()
    assert RatingsStore(path).load() == {1: 5.0}
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "my_ratings.json",
        "my_ratings.json.lock",
    ]


def test_corrupt_file_raises_a_clear_error_and_is_untouched(path):
    path.parent.mkdir(parents=True)
    path.write_text('{"format": "cinelab-ratings", "version": 1, "ratings": {"cinelab": [[1, 5')
    with pytest.raises(RatingsFileError, match="damaged"):
        RatingsStore(path).load()
    assert path.read_text().endswith("[[1, 5")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"name": "my thesis"}', "not a CineLab ratings file"),
        ("[1, 2, 3]", "not a CineLab ratings file"),
        ('{"format": "cinelab-ratings", "version": 99, "ratings": {}}', "another CineLab version"),
        ('{"format": "cinelab-ratings", "version": 1}', 'no "ratings" table'),
        (
            '{"format": "cinelab-ratings", "version": 1, "ratings": {"cinelab": {"1": 5}}}',
            "not a list",
        ),
        (
            '{"format": "cinelab-ratings", "version": 1, "ratings": {"cinelab": [[1, "five"]]}}',
            r"entry 0 for 'cinelab' should be \[item_id, rating\]",
        ),
        (
            '{"format": "cinelab-ratings", "version": 1, "ratings": {"other": [[1, true]]}}',
            "entry 0 for 'other'",
        ),
    ],
)
def test_foreign_or_malformed_files_are_named_in_the_error(path, content, message):
    path.parent.mkdir(parents=True)
    path.write_text(content)
    with pytest.raises(RatingsFileError, match=message):
        RatingsStore(path).load()


def test_saving_over_an_unreadable_file_backs_it_up_first(path):
    path.parent.mkdir(parents=True)
    path.write_text("not json at all")
    store = RatingsStore(path)
    store.save({1: 4})
    assert store.backup_path is not None
    assert store.backup_path.parent == path.parent
    assert store.backup_path.name.startswith("my_ratings.json.")
    assert store.backup_path.name.endswith(".bak")
    assert store.backup_path.read_text() == "not json at all"
    assert RatingsStore(path).load() == {1: 4.0}


def test_two_backups_in_the_same_second_do_not_collide(path):
    path.parent.mkdir(parents=True)
    backups = []
    for text in ("first", "second"):
        path.write_text(text)
        store = RatingsStore(path)
        store.reset()
        backups.append(store.backup_path)
    assert backups[0] != backups[1]
    assert sorted(b.read_text() for b in backups) == ["first", "second"]


def test_a_readable_file_is_not_backed_up(path):
    store = RatingsStore(path)
    store.save({1: 4})
    store.save({1: 5})
    assert store.backup_path is None
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "my_ratings.json",
        "my_ratings.json.lock",
    ]


def test_environment_variable_chooses_the_default_path(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "elsewhere.json"))
    assert default_ratings_path() == tmp_path / "elsewhere.json"
    assert RatingsStore().path == tmp_path / "elsewhere.json"


def test_default_path_is_in_the_user_data_folder(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    path = default_ratings_path()
    assert path.name == "my_ratings.json"
    assert "cinelab" in path.parent.name.lower()


@pytest.mark.parametrize(
    ("ratings", "error", "message"),
    [
        ([(1, 5)], TypeError, "must be a dict"),
        ({1.5: 5}, TypeError, "item ids must be int or str"),
        ({1: float("nan")}, ValueError, "film 1 must be a finite number"),
        ({1: "5"}, ValueError, "film 1 must be a finite number"),
        ({1: True}, ValueError, "film 1 must be a finite number"),
    ],
)
def test_bad_ratings_are_refused_before_touching_the_file(path, ratings, error, message):
    RatingsStore(path).save({1: 3})
    with pytest.raises(error, match=message):
        RatingsStore(path).save(ratings)
    assert RatingsStore(path).load() == {1: 3.0}


def test_empty_dataset_name_is_refused(path):
    with pytest.raises(ValueError, match="dataset must be a Dataset or a non-empty key"):
        RatingsStore(path, dataset="")
