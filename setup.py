"""Packaging detail that pyproject.toml cannot express: ship the top-level data/ folder inside the
wheel as ``cinelab/kitdata``, so ``pip install .`` (or from git, as on Colab) has the catalogue,
the ratings, the corpus and the trained model. A clone keeps one copy, in data/; the kit finds
either through ``cinelab.config.data_dir()``."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["cinelab*"]), "cinelab.kitdata"],
    package_dir={"cinelab.kitdata": "data"},
    package_data={"cinelab.kitdata": ["*.csv", "*.md", "corpus/*", "models/*/*"]},
)
