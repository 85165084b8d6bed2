"""Shared test set-up: offline, headless, and the optional real MovieLens folder."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def movielens_dir():
    """The folder named by CINELAB_TEST_DATA (holding ml-latest-small/), or skip."""
    root = os.environ.get("CINELAB_TEST_DATA")
    if not root or not Path(root).is_dir():
        pytest.skip("CINELAB_TEST_DATA is not set to a folder with MovieLens releases")
    return Path(root)
