"""Tiny MovieLens releases in each on-disk format, written by the tests (real files are never committed)."""

from __future__ import annotations

import zipfile
from pathlib import Path

ML100K_DATA = "1\t1\t5\t874965758\n1\t2\t3\t876893171\n2\t1\t4\t878542960\n3\t2\t1\t884182806\n"
# u.item: id | title | release date | video date | url | 19 genre flags (unknown, Action, ...)
ML100K_ITEM = (
    "1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
    "2|Belle de jour (1967)|01-Jan-1967||http://x|0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0\n"
    "3|Mystery Title|01-Jan-1990||http://x|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
)
ML1M_RATINGS = "1::10::5::978300760\n1::20::3::978302109\n2::10::4::978301968\n"
ML1M_MOVIES = (
    "10::GoldenEye (1995)::Action|Adventure|Thriller\n20::Heat (1995)::Action|Crime|Thriller\n"
)
CSV_RATINGS = (
    "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.5,964981247\n2,1,0.5,964982224\n"
)
CSV_MOVIES = (
    "movieId,title,genres\n"
    "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n"
    '3,"City of Lost Children, The (Cité des enfants perdus, La) (1995)",Adventure|Drama\n'
    "5,Untitled Project,(no genres listed)\n"
)


def _write(folder: Path, files: dict[str, str], encoding: str, crlf: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        if crlf:
            text = text.replace("\n", "\r\n")
        (folder / name).write_bytes(text.encode(encoding))
    return folder


def write_ml100k(root: Path, crlf: bool = False) -> Path:
    return _write(root / "ml-100k", {"u.data": ML100K_DATA, "u.item": ML100K_ITEM}, "latin-1", crlf)


def write_ml1m(root: Path) -> Path:
    files = {"ratings.dat": ML1M_RATINGS, "movies.dat": ML1M_MOVIES}
    return _write(root / "ml-1m", files, "latin-1", False)


def write_csv_release(root: Path, name: str = "ml-latest-small", crlf: bool = True) -> Path:
    files = {"ratings.csv": CSV_RATINGS, "movies.csv": CSV_MOVIES}
    return _write(root / name, files, "utf-8", crlf)


def zip_folder(folder: Path, zip_path: Path) -> Path:
    """Zip `folder` the way GroupLens does: members nested under the release folder's name."""
    with zipfile.ZipFile(zip_path, "w") as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, path.relative_to(folder.parent).as_posix())
    return zip_path
