"""Data for the kit: the embedded offline dataset, MovieLens loaders, validation and splits.

from cinelab import data
ds = data.load("cinelab")                 # real films + synthetic ratings, offline
ds = data.load_movielens("path/to/ml-100k")
train, test = data.split.random_split(ds.ratings, test_size=0.2, seed=0)
"""

from cinelab.data import split, synth
from cinelab.data.dataset import Dataset
from cinelab.data.download import DATASET_NAMES, RELEASES, cache_dir, load
from cinelab.data.genres import GENRES, genre_matrix
from cinelab.data.movielens import load_movielens
from cinelab.data.validation import clean_ratings, validate_ratings

__all__ = [
    "DATASET_NAMES",
    "GENRES",
    "RELEASES",
    "Dataset",
    "cache_dir",
    "clean_ratings",
    "genre_matrix",
    "load",
    "load_movielens",
    "split",
    "synth",
    "validate_ratings",
]
