"""Fetch MovieLens releases once into a per-user cache: from several sources, verified, resumable.

Each release lists where it can be fetched: GroupLens first, then public mirrors that host
byte-identical zips (Microsoft's recommenders project published one on Hugging Face when the
GroupLens certificate expired in August 2026). A download from *any* source is kept only when
its hash matches the one pinned here, so a mirror can make a download possible but can never
change the data.

* the bytes arrive in ``<zip>.part`` and are renamed to ``<zip>`` only after verification, so
  the cache never holds a half-written or unverified zip;
* an interrupted download resumes where it stopped (an HTTP ``Range`` request);
* a file that fails verification is deleted, and the error names the source and both hashes;
* ``download=False`` never opens a socket: it verifies the cached zip or says what to do.

Most releases are pinned by the SHA-256 of the zip (100k, 1m and 25m: the values TensorFlow
Datasets publishes for the GroupLens files; 100k also matches the earlier pin). ml-latest-small
is pinned by the SHA-256 of the files inside the zip, hashed from a verified copy. ml-32m has no
published SHA-256 that could be checked here: the MD5s of its two main files are pinned instead.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import ssl
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from cinelab import config
from cinelab.data.dataset import Dataset
from cinelab.data.embedded import load_embedded
from cinelab.data.movielens import load_movielens
from cinelab.progress import progress_bar

BASE_URL = "https://files.grouplens.org/datasets/movielens/"
RECOMMENDERS_MIRROR = "https://huggingface.co/datasets/Recommenders/MovieLens/resolve/main/"
TIMEOUT_SECONDS = 30
_CHUNK_BYTES = 1 << 20
# What a failed download can raise; anything else (a full disk, a read-only cache) is not
# a network problem and must not be reported as one.
NETWORK_ERRORS = (
    urllib.error.URLError,
    http.client.HTTPException,
    ConnectionError,
    TimeoutError,
    ssl.SSLError,
)


@dataclass(frozen=True)
class Release:
    """One MovieLens release: where it lives, how to verify it, and what it must contain.

    ``known_hash`` is ``"<algorithm>:<hex>"`` of the zip; ``member_hashes`` maps files inside
    the zip (by name) to ``"<algorithm>:<hex>"`` for releases whose zip hash is not published.
    ``mirrors`` are base URLs of byte-identical copies, tried in order after GroupLens.
    """

    name: str
    filename: str
    known_hash: str | None
    n_ratings: int
    n_users: int
    n_items: int
    mirrors: tuple[str, ...] = ()
    member_hashes: tuple[tuple[str, str], ...] = field(default=())

    @property
    def url(self) -> str:
        return BASE_URL + self.filename

    @property
    def urls(self) -> list[str]:
        """Every source, GroupLens first."""
        return [self.url, *(mirror + self.filename for mirror in self.mirrors)]


RELEASES = {
    r.name: r
    for r in (
        Release(
            "movielens-100k", "ml-100k.zip",
            "sha256:50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229",
            100_000, 943, 1_682, mirrors=(RECOMMENDERS_MIRROR,),
        ),
        Release(
            "movielens-latest-small", "ml-latest-small.zip", None, 100_836, 610, 9_742,
            member_hashes=(
                ("ratings.csv", "sha256:aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646"),
                ("movies.csv", "sha256:5a5f32dd9bb3797b8e728a1b98958789d2b13f294a69fdfbc5727f8a9611aa07"),
                ("links.csv", "sha256:97ad18e4e56a09363c65676b6cb3482ce3e2cea2372a24620c1599c843325f31"),
                ("tags.csv", "sha256:92a9f8bb7916dceef6151209845788c3643f794dfa79d1feaec7121b5960399d"),
            ),
        ),
        Release(
            "movielens-1m", "ml-1m.zip",
            "sha256:a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20",
            1_000_209, 6_040, 3_883, mirrors=(RECOMMENDERS_MIRROR,),
        ),
        Release(
            "movielens-25m", "ml-25m.zip",
            "sha256:8b21cfb7eb1706b4ec0aac894368d90acf26ebdfb6aced3ebd4ad5bd1eb9c6aa",
            25_000_095, 162_541, 62_423,
        ),
        Release(
            "movielens-32m", "ml-32m.zip", None, 32_000_204, 200_948, 87_585,
            member_hashes=(
                ("ratings.csv", "md5:cf12b74f9ad4b94a011f079e26d4270a"),
                ("movies.csv", "md5:0df90835c19151f9d819d0822e190797"),
            ),
        ),
    )
}  # fmt: skip
DATASET_NAMES = ("cinelab", *RELEASES)


class ChecksumError(ValueError):
    """Downloaded or cached bytes are not the release pinned in `RELEASES`."""


def cache_dir(data_home: str | Path | None = None) -> Path:
    """Where downloads are cached: the argument, else $CINELAB_DATA_HOME, else the user cache."""
    chosen = data_home or config.data_home()
    return Path(chosen or platformdirs.user_cache_dir("cinelab")).expanduser()


# ---------------------------------------------------------------------- verification
def _digest(chunks, algorithm: str) -> str:
    hasher = hashlib.new(algorithm)
    for chunk in chunks:
        hasher.update(chunk)
    return hasher.hexdigest()


def _file_chunks(path: Path):
    with path.open("rb") as stream:
        yield from iter(lambda: stream.read(_CHUNK_BYTES), b"")


def verify(release: Release, path: Path) -> None:
    """Raise `ChecksumError` unless `path` holds exactly the pinned release."""
    if release.known_hash is not None:
        algorithm, expected = release.known_hash.split(":", 1)
        found = _digest(_file_chunks(path), algorithm)
        if found != expected:
            raise ChecksumError(
                f"{path.name} has {algorithm} {found}, but {release.name} is pinned to {expected}."
            )
        return
    if not release.member_hashes:
        raise ChecksumError(f"{release.name} has no pinned hash: the kit cannot verify it.")
    _verify_members(release, path)


def _verify_members(release: Release, path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            by_name = {n.rsplit("/", 1)[-1]: n for n in archive.namelist()}
            for filename, pinned in release.member_hashes:
                algorithm, expected = pinned.split(":", 1)
                if filename not in by_name:
                    raise ChecksumError(
                        f"{path.name} has no {filename}: not the {release.name} release."
                    )
                with archive.open(by_name[filename]) as member:
                    found = _digest(iter(lambda: member.read(_CHUNK_BYTES), b""), algorithm)
                if found != expected:
                    raise ChecksumError(
                        f"{path.name}: {filename} has {algorithm} {found}, but {release.name} "
                        f"is pinned to {expected}."
                    )
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise ChecksumError(f"{path.name} is not a readable zip ({error}).") from error


# ---------------------------------------------------------------------- downloading
def _fetch_into(url: str, part: Path) -> None:
    """Append `url`'s bytes to `part`, resuming after the bytes already there."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "cinelab"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS)
    except urllib.error.HTTPError as error:
        if error.code == 416 and have:  # nothing left to send: the part is complete
            return
        raise
    with response:
        resumed = have and response.status == 206
        total = response.length + (have if resumed else 0) if response.length else None
        with (
            part.open("ab" if resumed else "wb") as out,
            progress_bar(
                desc=part.name.removesuffix(".part"), total=total, unit="B", unit_scale=True,
                initial=have if resumed else 0, leave=False,
            ) as bar,
        ):  # fmt: skip
            for chunk in iter(lambda: response.read(_CHUNK_BYTES), b""):
                out.write(chunk)
                bar.update(len(chunk))


def _try_source(release: Release, url: str, part: Path) -> None:
    """Download from one source and verify; a resumed file that fails is fetched afresh once."""
    resumed = part.exists() and part.stat().st_size > 0
    _fetch_into(url, part)
    try:
        verify(release, part)
    except ChecksumError:
        part.unlink(missing_ok=True)
        if not resumed:
            raise
        _fetch_into(url, part)
        try:
            verify(release, part)
        except ChecksumError:
            part.unlink(missing_ok=True)
            raise


def _offline_message(release: Release, folder: Path, failures: list[str]) -> str:
    tried = "; ".join(failures)
    return (
        f"Could not download {release.name} from any of its {len(failures)} source(s): {tried}. "
        f"If you are offline or behind a proxy, download {release.filename} from one of them on "
        f"a machine that has internet access and copy it, unchanged, to "
        f"{folder / release.filename}; the next call to load({release.name!r}) will verify it "
        f"and use it without the network. Or point load_movielens() at an unpacked copy. Until "
        f"then, load('cinelab') works offline."
    )


def _prepare_folder(folder: Path) -> None:
    """Create the cache folder, or say plainly that it cannot be written (not a network error)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as error:
        raise NotADirectoryError(
            f"The MovieLens cache {folder} is not a folder ({error}). Remove that file, or choose "
            "another folder with data_home=... or CINELAB_DATA_HOME."
        ) from error
    except PermissionError as error:
        raise PermissionError(
            f"Cannot create the MovieLens cache folder {folder} ({error}). Choose a folder you "
            "can write with data_home=... or the CINELAB_DATA_HOME environment variable."
        ) from error
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(
            f"The MovieLens cache folder {folder} is not writable. Choose a folder you can write "
            "with data_home=... or the CINELAB_DATA_HOME environment variable."
        )


def _download(release: Release, folder: Path, target: Path) -> None:
    _prepare_folder(folder)
    part = target.with_name(target.name + ".part")
    failures, mismatches = [], []
    for url in release.urls:
        try:
            _try_source(release, url, part)
        except NETWORK_ERRORS as error:
            failures.append(f"{url} ({type(error).__name__}: {error})")
            continue
        except ChecksumError as error:
            failures.append(f"{url} (rejected: {error})")
            mismatches.append(url)
            continue
        os.replace(part, target)
        return
    if mismatches:
        raise ChecksumError(
            f"No source gave the verified {release.name}: {'; '.join(failures)}. Nothing was "
            "kept in the cache. A source whose hash does not match is never used."
        )
    raise ConnectionError(_offline_message(release, folder, failures))


def fetch(release: Release, folder: Path, download: bool = True) -> Path:
    """The verified zip of `release` in `folder`, downloading it first if needed and allowed."""
    target = folder / release.filename
    if target.is_file():
        try:
            verify(release, target)
            return target
        except ChecksumError as error:
            target.unlink()
            if not download:
                raise ChecksumError(
                    f"The cached {target} is damaged ({error}) and was removed. download=False, "
                    f"so nothing was fetched: call load({release.name!r}, download=True), or copy "
                    f"a good {release.filename} there."
                ) from error
    elif target.exists():
        raise IsADirectoryError(
            f"{target} should be the {release.filename} zip, but it is a folder."
        )
    if not download:
        raise FileNotFoundError(
            f"{release.name} is not in the cache ({target}) and download=False. Copy "
            f"{release.filename} there, or call load({release.name!r}, download=True)."
        )
    _download(release, folder, target)
    return target


def _check_structure(dataset: Dataset, release: Release, zip_path: Path) -> None:
    """The counts are a second check: a verified zip that does not hold them is not the release."""
    found = (
        len(dataset.ratings),
        dataset.ratings["user_id"].nunique(),
        len(dataset.items),
    )
    expected = (release.n_ratings, release.n_users, release.n_items)
    if found != expected:
        zip_path.unlink(missing_ok=True)
        raise ValueError(
            f"{zip_path.name} does not hold the {release.name} release: expected "
            f"(ratings, users, films) = {expected}, found {found}. The file was removed from the "
            "cache; download it again."
        )


def load(
    name: str = "cinelab", data_home: str | Path | None = None, download: bool = True
) -> Dataset:
    """Load a dataset by name: the embedded ``"cinelab"`` data, or a MovieLens release.

    Parameters
    ----------
    name : str
        One of `DATASET_NAMES`.
    data_home : str or Path, optional
        Cache folder for downloads (default: ``$CINELAB_DATA_HOME`` or the per-user cache).
    download : bool
        If False, never touch the network: use the cached zip or fail with instructions.
    """
    if name == "cinelab":
        return load_embedded()
    if name not in RELEASES:
        raise ValueError(f"Unknown dataset {name!r}. Choose one of {list(DATASET_NAMES)}.")
    release = RELEASES[name]
    zip_path = fetch(release, cache_dir(data_home), download=download)
    dataset = load_movielens(zip_path, name=name)
    _check_structure(dataset, release, zip_path)
    return dataset
