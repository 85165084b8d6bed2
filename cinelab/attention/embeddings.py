"""Word-level tokens and word vectors learned from co-occurrence, with nothing downloaded.

A model reads numbers, not words: the tokenizer cuts text into tokens, the vocabulary
gives each token an id, and an embedding gives each id a vector. Here the vectors come
from counting which words appear near which others in a small corpus (the kit's
loglines), so that words used in similar company get similar vectors.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from sklearn.utils.extmath import randomized_svd

PAD = "<pad>"
UNKNOWN = "<unk>"
_TOKEN_PATTERN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")


def tokenize(text: str) -> list[str]:
    """Lower-case words (keeping "don't" whole) and single punctuation marks."""
    if not isinstance(text, str):
        raise TypeError(f"tokenize expects a string; got {type(text).__name__}.")
    return _TOKEN_PATTERN.findall(text.lower())


class WordVocabulary:
    """Map tokens to integer ids, most frequent first, with ``<pad>`` = 0 and ``<unk>`` = 1.

    Parameters
    ----------
    min_count : tokens seen fewer times than this become ``<unk>``.
    """

    def __init__(self, min_count: int = 1) -> None:
        self.min_count = min_count

    def fit(self, texts: Iterable[str]) -> WordVocabulary:
        """Count the tokens of ``texts``; sets ``counts_``, ``tokens_`` and ``index_``."""
        if isinstance(texts, str):
            raise TypeError("fit expects a list of texts, not one string.")
        if self.min_count < 1:
            raise ValueError(f"min_count must be at least 1; got {self.min_count}.")
        self.counts_ = Counter(token for text in texts for token in tokenize(text))
        if not self.counts_:
            raise ValueError("fit needs at least one text with a word in it.")
        kept = [t for t, c in self.counts_.items() if c >= self.min_count]
        kept.sort(key=lambda token: (-self.counts_[token], token))
        self.tokens_ = [PAD, UNKNOWN, *kept]
        self.index_ = {token: i for i, token in enumerate(self.tokens_)}
        return self

    def __len__(self) -> int:
        return len(self.tokens_)

    def encode(self, text: str) -> np.ndarray:
        """Token ids of ``text``; unknown words get the id of ``<unk>``."""
        unknown = self.index_[UNKNOWN]
        return np.array([self.index_.get(t, unknown) for t in tokenize(text)], dtype=np.int64)

    def decode(self, ids: Sequence[int]) -> list[str]:
        """The tokens behind ``ids``."""
        return [self.tokens_[i] for i in ids]


class CooccurrenceEmbedding:
    """Word vectors from the positive PMI of window co-occurrences, reduced by truncated SVD.

    Two words that keep the same company ("heist" and "robbery" both sit near "crew",
    "bank", "plan") get rows of the co-occurrence table that look alike; the SVD keeps the
    ``dim`` strongest directions of that table, so alike rows become nearby vectors.
    PMI (how much more often than chance two words meet) stops "the" and "a" from
    dominating. Vectors are scaled to unit length, so a dot product is a cosine.

    Parameters
    ----------
    dim : length of each word vector.
    window : how many tokens on each side count as "near".
    min_count : passed to :class:`WordVocabulary`.
    seed : seed of the randomized SVD.
    """

    def __init__(self, dim: int = 32, window: int = 2, min_count: int = 1, seed: int = 0):
        self.dim = dim
        self.window = window
        self.min_count = min_count
        self.seed = seed

    def fit(self, texts: Sequence[str]) -> CooccurrenceEmbedding:
        """Learn ``vocabulary_`` and ``vectors_`` (len(vocabulary_), dim) from ``texts``."""
        if (
            isinstance(self.dim, bool)
            or not isinstance(self.dim, (int, np.integer))
            or self.dim < 1
        ):
            raise ValueError(f"dim must be a positive integer; got {self.dim!r}.")
        self.vocabulary_ = WordVocabulary(min_count=self.min_count).fit(texts)
        counts = self._cooccurrence_counts(texts)  # (n_words, n_words)
        ppmi = _positive_pmi(counts)  # (n_words, n_words)
        # a small corpus has fewer directions than dim: the extra columns stay zero
        n_directions = min(self.dim, len(self.vocabulary_) - 2)
        left, strengths, _ = randomized_svd(ppmi, n_directions, random_state=self.seed)
        left = np.pad(left, ((0, 0), (0, self.dim - n_directions)))  # (n_words, dim)
        strengths = np.pad(strengths, (0, self.dim - n_directions))  # (dim,)
        vectors = left * np.sqrt(strengths)  # (n_words, dim)
        # words that never met another word (and <pad>, <unk>) keep the zero vector
        has_company = ppmi.any(axis=1, keepdims=True)  # (n_words, 1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)  # (n_words, 1)
        self.vectors_ = np.divide(
            vectors, norms, out=np.zeros_like(vectors), where=has_company & (norms > 0)
        )
        return self

    def embed(self, text: str) -> np.ndarray:
        """(n_tokens, dim) vectors of the tokens of ``text`` (``<unk>`` is the zero vector)."""
        return self.vectors_[self.vocabulary_.encode(text)]

    def most_similar(self, word: str, n: int = 5) -> pd.DataFrame:
        """The ``n`` words whose vectors have the highest cosine with ``word``'s."""
        index = self.vocabulary_.index_.get(word.lower())
        if index is None or index < 2:
            raise ValueError(f"{word!r} is not in the vocabulary learned from the texts.")
        cosines = self.vectors_ @ self.vectors_[index]  # (n_words,)
        cosines[[0, 1, index]] = -np.inf
        best = np.argsort(-cosines, kind="stable")[:n]  # (n,)
        return pd.DataFrame({"word": self.vocabulary_.decode(best), "cosine": cosines[best]})

    def _cooccurrence_counts(self, texts: Sequence[str]) -> np.ndarray:
        n_words = len(self.vocabulary_)
        counts = np.zeros((n_words, n_words))  # (n_words, n_words)
        for text in texts:
            ids = self.vocabulary_.encode(text)  # (n_tokens,)
            for offset in range(1, self.window + 1):
                np.add.at(counts, (ids[:-offset], ids[offset:]), 1.0)
                np.add.at(counts, (ids[offset:], ids[:-offset]), 1.0)
        counts[:2, :] = 0.0  # <pad> and <unk> carry no meaning of their own
        counts[:, :2] = 0.0
        return counts


def _positive_pmi(counts: np.ndarray) -> np.ndarray:
    """max(0, log P(a, b) / (P(a)·P(b))) for every word pair; 0 where they never meet."""
    total = counts.sum()
    row = counts.sum(axis=1, keepdims=True)  # (n_words, 1)
    column = counts.sum(axis=0, keepdims=True)  # (1, n_words)
    expected = row @ column / total  # (n_words, n_words)
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(counts / expected)  # (n_words, n_words)
    return np.where(counts > 0, np.maximum(pmi, 0.0), 0.0)
