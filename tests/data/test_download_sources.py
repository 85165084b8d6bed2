"""MovieLens stays downloadable when GroupLens is not: mirrors, hashes, resume, no network when
told so. Every server here is a loopback server the test starts; nothing leaves the machine."""

import hashlib
import http.server
import socket
import threading
from typing import ClassVar

import pytest

from cinelab.data import download, load
from cinelab.data.download import ChecksumError, Release
from tests.data.movielens_fixtures import write_ml100k, zip_folder


class _RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves `files` (name -> bytes) with Range support, or fails with `status`."""

    files: ClassVar[dict] = {}
    status = 200
    requests: ClassVar[list] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        name = self.path.lstrip("/")
        self.requests.append((name, self.headers.get("Range")))
        if self.status != 200 or name not in self.files:
            self.send_error(self.status if self.status != 200 else 404)
            return
        body = self.files[name]
        start = 0
        if self.headers.get("Range"):
            start = int(self.headers["Range"].removeprefix("bytes=").split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        self.wfile.write(body[start:])


@pytest.fixture
def start_server():
    servers = []

    def start(files=None, status=200):
        handler = type(
            "Handler", (_RangeHandler,), {"files": files or {}, "status": status, "requests": []}
        )
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/", handler

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _closed_port_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/"


@pytest.fixture
def archive(tmp_path):
    path = zip_folder(write_ml100k(tmp_path / "src"), tmp_path / "ml-100k.zip")
    return path.read_bytes()


def _release(archive_bytes, mirrors):
    digest = "sha256:" + hashlib.sha256(archive_bytes).hexdigest()
    return Release("movielens-100k", "ml-100k.zip", digest, 4, 3, 3, mirrors=tuple(mirrors))


def _use(monkeypatch, primary, release):
    monkeypatch.setattr(download, "BASE_URL", primary)
    monkeypatch.setitem(download.RELEASES, release.name, release)


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a socket fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a socket was opened although download=False")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("primary_status", [None, 500, 404], ids=["refused", "500", "404"])
def test_primary_fails_and_the_mirror_is_used(
    tmp_path, start_server, monkeypatch, archive, primary_status
):
    primary = (
        _closed_port_url() if primary_status is None else start_server(status=primary_status)[0]
    )
    mirror, handler = start_server({"ml-100k.zip": archive})
    _use(monkeypatch, primary, _release(archive, [mirror]))
    cache = tmp_path / "cache"
    assert len(load("movielens-100k", data_home=cache).ratings) == 4
    assert (cache / "ml-100k.zip").read_bytes() == archive
    assert handler.requests == [("ml-100k.zip", None)]


def test_tampered_mirror_is_rejected_and_leaves_no_file(
    tmp_path, start_server, monkeypatch, archive
):
    tampered = archive[:-10] + b"0123456789"
    mirror, _ = start_server({"ml-100k.zip": tampered})
    _use(monkeypatch, _closed_port_url(), _release(archive, [mirror]))
    cache = tmp_path / "cache"
    with pytest.raises(ChecksumError, match=r"rejected: ml-100k\.zip.part has sha256") as error:
        load("movielens-100k", data_home=cache)
    assert mirror in str(error.value)
    assert list(cache.iterdir()) == []


def test_a_good_mirror_after_a_tampered_one_is_used(tmp_path, start_server, monkeypatch, archive):
    bad, _ = start_server({"ml-100k.zip": archive[:-1] + b"x"})
    good, _ = start_server({"ml-100k.zip": archive})
    _use(monkeypatch, bad, _release(archive, [good]))
    assert len(load("movielens-100k", data_home=tmp_path / "cache").ratings) == 4


def test_interrupted_download_resumes_from_where_it_stopped(
    tmp_path, start_server, monkeypatch, archive
):
    primary, handler = start_server({"ml-100k.zip": archive})
    _use(monkeypatch, primary, _release(archive, []))
    cache = tmp_path / "cache"
    cache.mkdir()
    half = len(archive) // 2
    (cache / "ml-100k.zip.part").write_bytes(archive[:half])  # what an interruption leaves
    assert len(load("movielens-100k", data_home=cache).ratings) == 4
    assert handler.requests == [("ml-100k.zip", f"bytes={half}-")]
    assert (cache / "ml-100k.zip").read_bytes() == archive
    assert not (cache / "ml-100k.zip.part").exists()


def test_a_corrupt_partial_file_is_fetched_afresh(tmp_path, start_server, monkeypatch, archive):
    primary, handler = start_server({"ml-100k.zip": archive})
    _use(monkeypatch, primary, _release(archive, []))
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "ml-100k.zip.part").write_bytes(b"garbage" * 10)
    assert len(load("movielens-100k", data_home=cache).ratings) == 4
    assert [r for _, r in handler.requests] == ["bytes=70-", None]


def test_offline_message_names_every_source_tried(tmp_path, monkeypatch, archive):
    primary, mirror = _closed_port_url(), _closed_port_url().replace("/", "/mirror/", 3)
    _use(monkeypatch, primary, _release(archive, [mirror]))
    with pytest.raises(ConnectionError) as error:
        load("movielens-100k", data_home=tmp_path / "cache")
    message = str(error.value)
    assert "2 source(s)" in message
    assert primary + "ml-100k.zip" in message and mirror + "ml-100k.zip" in message


def test_download_false_never_opens_a_socket(tmp_path, monkeypatch, archive, no_network):
    _use(monkeypatch, "http://127.0.0.1:9/", _release(archive, ["http://127.0.0.1:9/m/"]))
    cache = tmp_path / "cache"
    with pytest.raises(FileNotFoundError, match="download=False"):
        load("movielens-100k", data_home=cache, download=False)
    cache.mkdir()
    (cache / "ml-100k.zip").write_bytes(archive)
    assert len(load("movielens-100k", data_home=cache, download=False).ratings) == 4


def test_damaged_cached_zip_with_download_false_is_reported_not_fetched(
    tmp_path, monkeypatch, archive, no_network
):
    _use(monkeypatch, "http://127.0.0.1:9/", _release(archive, []))
    (tmp_path / "ml-100k.zip").write_bytes(archive[: len(archive) // 2])
    with pytest.raises(
        ChecksumError, match=r"cached .*ml-100k\.zip is damaged.*nothing was fetched"
    ):
        load("movielens-100k", data_home=tmp_path, download=False)
    assert not (tmp_path / "ml-100k.zip").exists()


def test_damaged_cached_zip_is_replaced_by_a_verified_download(
    tmp_path, start_server, monkeypatch, archive
):
    primary, _ = start_server({"ml-100k.zip": archive})
    _use(monkeypatch, primary, _release(archive, []))
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "ml-100k.zip").write_bytes(b"not a zip")
    assert len(load("movielens-100k", data_home=cache).ratings) == 4
    assert (cache / "ml-100k.zip").read_bytes() == archive


def test_cache_path_that_is_a_file_is_not_reported_as_offline(tmp_path, monkeypatch, archive):
    _use(monkeypatch, _closed_port_url(), _release(archive, []))
    blocker = tmp_path / "cache"
    blocker.write_text("I am a file")
    with pytest.raises(NotADirectoryError, match=r"is not a folder.*CINELAB_DATA_HOME"):
        load("movielens-100k", data_home=blocker)


def test_unwritable_cache_folder_is_not_reported_as_offline(tmp_path, monkeypatch, archive):
    _use(monkeypatch, _closed_port_url(), _release(archive, []))
    monkeypatch.setattr(download.os, "access", lambda path, mode: False)
    with pytest.raises(PermissionError, match=r"not writable.*CINELAB_DATA_HOME"):
        load("movielens-100k", data_home=tmp_path / "cache")


def test_member_hashes_pin_a_release_without_a_published_zip_hash(tmp_path):
    release = download.RELEASES["movielens-latest-small"]
    folder = write_ml100k(tmp_path / "src")
    path = zip_folder(folder, tmp_path / "ml-latest-small.zip")
    with pytest.raises(ChecksumError, match="has no ratings.csv"):
        download.verify(release, path)


def test_real_ml_latest_small_matches_its_pinned_member_hashes(movielens_dir, tmp_path, no_network):
    archive = zip_folder(movielens_dir / "ml-latest-small", tmp_path / "ml-latest-small.zip")
    download.verify(download.RELEASES["movielens-latest-small"], archive)
    ds = load("movielens-latest-small", data_home=tmp_path, download=False)
    assert len(ds.ratings) == 100_836
