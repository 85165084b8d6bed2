"""CineLab: a teaching kit about large language models and movies."""

__version__ = "0.1.0"
