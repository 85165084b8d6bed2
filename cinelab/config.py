"""The one place that reads the kit's environment variables and decides where its files live.

Every other module asks here, so that ``HF_HUB_OFFLINE=true`` means the same thing to the
doctor, the model loader and the downloader, and so that a wheel install (``pip install .``)
finds the same data as a clone of the repository.

Environment variables
---------------------
``CINELAB_DATA_HOME``      where MovieLens downloads are cached (default: the user cache folder)
``CINELAB_RATINGS_FILE``   the live demo's saved ratings (default: the user data folder)
``CINELAB_PROGRESS_FILE``  exercise progress; empty string = keep it in memory only
``CINELAB_PRESENTER``      1/true/yes/on: large fonts for a projector
``CINELAB_PROGRESS``       0/false/no/off: never show progress bars; 1/true: always show them
``HF_HUB_OFFLINE``         1/true/yes/on: never contact the Hugging Face Hub
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})

PACKAGE_DIR = Path(__file__).resolve().parent
# In a clone the data sits beside the package; a wheel carries the same files as cinelab/kitdata.
CHECKOUT_DATA_DIR = PACKAGE_DIR.parent / "data"
WHEEL_DATA_DIR = PACKAGE_DIR / "kitdata"


def flag(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable; an unrecognised value is an error, not a guess."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(
        f"Environment variable {name}={raw!r} is not a yes/no value: use one of "
        f"{sorted(TRUE_WORDS)} or {sorted(FALSE_WORDS - {''})}."
    )


def path_setting(name: str) -> Path | None:
    """A path from the environment (``~`` expanded), or None when the variable is unset or empty."""
    raw = os.environ.get(name, "").strip()
    return Path(raw).expanduser() if raw else None


def data_dir() -> Path:
    """The folder holding films.csv, ratings.csv, the corpus and the shipped model."""
    if (CHECKOUT_DATA_DIR / "films.csv").is_file():
        return CHECKOUT_DATA_DIR
    return WHEEL_DATA_DIR


def hf_offline() -> bool:
    """True when the Hugging Face Hub must not be contacted (``HF_HUB_OFFLINE``)."""
    return flag("HF_HUB_OFFLINE")


def presenter_mode() -> bool:
    """True when widgets should start in projector-friendly presenter mode."""
    return flag("CINELAB_PRESENTER")


def data_home() -> Path | None:
    """The MovieLens cache folder chosen by the user, if any (``CINELAB_DATA_HOME``)."""
    return path_setting("CINELAB_DATA_HOME")


def ratings_file() -> Path | None:
    """The live demo's ratings file chosen by the user, if any (``CINELAB_RATINGS_FILE``)."""
    return path_setting("CINELAB_RATINGS_FILE")


def progress_file_setting() -> tuple[bool, Path | None]:
    """(is it set?, the path) for ``CINELAB_PROGRESS_FILE``; set but empty means memory only."""
    if "CINELAB_PROGRESS_FILE" not in os.environ:
        return False, None
    return True, path_setting("CINELAB_PROGRESS_FILE")


def show_progress() -> bool:
    """Progress bars belong in a terminal or a notebook, not in logs and CI output.

    ``CINELAB_PROGRESS`` forces the choice; otherwise bars show when stderr is a terminal or
    the code runs inside a Jupyter kernel (whose stderr is not a terminal but is shown live).
    """
    if "CINELAB_PROGRESS" in os.environ:
        return flag("CINELAB_PROGRESS")
    if _in_jupyter_kernel():
        return True
    stream = sys.stderr
    return bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())


def _in_jupyter_kernel() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    ipython = shell.get_ipython()
    return ipython is not None and hasattr(ipython, "kernel")
