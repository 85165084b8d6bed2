"""Shared fixtures of the attention tests: a tiny corpus where related words share company."""

import pytest

_HEIST_CORPUS = (
    "a crew plans a heist at the bank",
    "a crew plans a robbery at the bank",
    "the crew botches the heist downtown",
    "the crew botches the robbery downtown",
    "a lonely robot falls in love on a space station",
    "a lonely android falls in love on a space station",
    "the robot dreams of the stars",
    "the android dreams of the stars",
)


@pytest.fixture(scope="session")
def heist_corpus() -> list[str]:
    return list(_HEIST_CORPUS)
