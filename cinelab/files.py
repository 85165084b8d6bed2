"""Small files the kit keeps for a person (saved ratings, exercise progress), written safely.

* `write_atomically`: a crash mid-write leaves the old file, never half a file;
* `move_aside`: a file that cannot be read is renamed to ``<name>.<timestamp>.bak``, never
  overwritten, so nothing a person made is lost;
* `lock_for`: one writer at a time across processes (two notebooks, two browser tabs), so a
  read-change-write cycle never loses another session's update.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from filelock import FileLock

LOCK_TIMEOUT_SECONDS = 10


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file next to `path`, flush it to disk, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:  # bytes as given
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def move_aside(path: Path) -> Path:
    """Rename `path` to ``<name>.<YYYYmmdd-HHMMSS>[-k].bak`` and return the new path."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.name}.{stamp}.bak")
    counter = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.{stamp}-{counter}.bak")
        counter += 1
    os.replace(path, backup)
    return backup


def lock_for(path: Path) -> FileLock:
    """The inter-process lock guarding `path` (the file ``<name>.lock`` beside it).

    The lock file is kept after use: deleting it while another process waits on it would let
    two processes hold "the" lock at once.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(
        path.with_name(path.name + ".lock"),
        timeout=LOCK_TIMEOUT_SECONDS,
        preserve_lock_file=True,
    )
