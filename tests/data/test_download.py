"""The download path, end to end, against a loopback HTTP server serving zips the tests build."""

import functools
import hashlib
import http.server
import socket
import threading

import pytest

from cinelab.data import download, load
from cinelab.data.download import Release
from tests.data.movielens_fixtures import write_csv_release, write_ml100k, zip_folder


@pytest.fixture
def served(tmp_path):
    """A folder served over HTTP on a random loopback port; yields (folder, base_url)."""
    folder = tmp_path / "server"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _use_release(monkeypatch, base_url, release):
    monkeypatch.setattr(download, "BASE_URL", base_url)
    monkeypatch.setitem(download.RELEASES, release.name, release)


def _ml100k_zip(tmp_path, folder):
    return zip_folder(write_ml100k(tmp_path / "src"), folder / "ml-100k.zip")


def _sha256(path):
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def test_download_verifies_checksum_and_loads(tmp_path, served, monkeypatch):
    folder, url = served
    archive = _ml100k_zip(tmp_path, folder)
    _use_release(
        monkeypatch, url, Release("movielens-100k", "ml-100k.zip", _sha256(archive), 4, 3, 3)
    )
    cache = tmp_path / "cache"
    ds = load("movielens-100k", data_home=cache)
    assert len(ds.ratings) == 4 and ds.name == "movielens-100k"
    assert (cache / "ml-100k.zip").read_bytes() == archive.read_bytes()


def test_checksum_mismatch_raises_and_leaves_no_file(tmp_path, served, monkeypatch):
    folder, url = served
    _ml100k_zip(tmp_path, folder)
    _use_release(
        monkeypatch, url, Release("movielens-100k", "ml-100k.zip", "sha256:" + "0" * 64, 4, 3, 3)
    )
    cache = tmp_path / "cache"
    with pytest.raises(ValueError, match="hash"):
        load("movielens-100k", data_home=cache)
    assert not cache.exists() or list(cache.iterdir()) == []


def test_offline_error_says_where_to_put_the_zip(tmp_path, monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _use_release(
        monkeypatch,
        f"http://127.0.0.1:{port}/",
        Release("movielens-100k", "ml-100k.zip", None, 4, 3, 3),
    )
    cache = tmp_path / "cache"
    with pytest.raises(ConnectionError) as error:
        load("movielens-100k", data_home=cache)
    message = str(error.value)
    assert "ml-100k.zip" in message and str(cache / "ml-100k.zip") in message
    assert "load('cinelab') works offline" in message
    assert not (cache / "ml-100k.zip").exists()


def test_zip_placed_by_hand_is_verified_and_used_without_network(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    archive = _ml100k_zip(tmp_path, cache)
    _use_release(
        monkeypatch,
        "http://127.0.0.1:9/",
        Release("movielens-100k", "ml-100k.zip", _sha256(archive), 4, 3, 3),
    )
    assert len(load("movielens-100k", data_home=cache).ratings) == 4


def test_download_false_never_touches_the_network(tmp_path, monkeypatch):
    _use_release(
        monkeypatch, "http://127.0.0.1:9/", Release("movielens-100k", "ml-100k.zip", None, 4, 3, 3)
    )
    with pytest.raises(FileNotFoundError, match="download=False"):
        load("movielens-100k", data_home=tmp_path, download=False)


def _member_hashes(folder):
    return tuple(
        (p.name, "sha256:" + hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.iterdir())
    )


def test_release_pinned_by_member_hashes_is_also_checked_by_structure(
    tmp_path, served, monkeypatch
):
    folder, url = served
    release_folder = write_csv_release(tmp_path / "src")
    zip_folder(release_folder, folder / "ml-latest-small.zip")
    wrong_counts = Release(
        "movielens-latest-small", "ml-latest-small.zip", None, 100_836, 610, 9_742,
        member_hashes=_member_hashes(release_folder),
    )  # fmt: skip
    _use_release(monkeypatch, url, wrong_counts)
    cache = tmp_path / "cache"
    with pytest.raises(
        ValueError,
        match=r"expected \(ratings, users, films\) = \(100836, 610, 9742\), found \(3, 2, 3\)",
    ):
        load("movielens-latest-small", data_home=cache)
    assert not (cache / "ml-latest-small.zip").exists()


def test_release_without_any_pinned_hash_is_never_accepted(tmp_path, served, monkeypatch):
    folder, url = served
    zip_folder(write_csv_release(tmp_path / "src"), folder / "ml-latest-small.zip")
    _use_release(
        monkeypatch, url, Release("movielens-latest-small", "ml-latest-small.zip", None, 3, 2, 3)
    )
    cache = tmp_path / "cache"
    with pytest.raises(download.ChecksumError, match="no pinned hash"):
        load("movielens-latest-small", data_home=cache)
    assert list(cache.iterdir()) == []


def test_cache_dir_honours_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CINELAB_DATA_HOME", str(tmp_path / "mine"))
    assert download.cache_dir() == tmp_path / "mine"
    assert download.cache_dir(tmp_path / "arg") == tmp_path / "arg"


def test_unknown_dataset_name_lists_the_choices():
    with pytest.raises(ValueError, match=r"Unknown dataset 'movielens-7'.*movielens-100k"):
        load("movielens-7")


def test_every_release_is_pinned_and_lists_grouplens_first():
    for release in download.RELEASES.values():
        assert release.urls[0] == download.BASE_URL + release.filename
        assert all(url.endswith(release.filename) for url in release.urls)
        assert release.known_hash or release.member_hashes, release.name
    assert download.RELEASES["movielens-100k"].known_hash.endswith(
        "50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229"
    )
