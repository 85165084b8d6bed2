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
from scipy import sparse
from scipy.sparse.linalg import svds

from cinelab.arguments import positive_int

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
        return self.ids_of(tokenize(text))

    def ids_of(self, tokens: Sequence[str]) -> np.ndarray:
        """Ids of already tokenized text; unknown tokens get the id of ``<unk>``."""
        unknown = self.index_[UNKNOWN]
        return np.array([self.index_.get(t, unknown) for t in tokens], dtype=np.int64)

    def decode(self, ids: Sequence[int]) -> list[str]:
        """The tokens behind ``ids``."""
        return [self.tokens_[i] for i in ids]


class CooccurrenceEmbedding:
    """Word vectors from the positive PMI of window co-occurrences, reduced by a truncated SVD.

    Two words that keep the same company ("heist" and "robbery" both sit near "crew",
    "bank", "plan") get rows of the co-occurrence table that look alike; the SVD keeps the
    ``dim`` strongest directions of that table, so alike rows become nearby vectors.
    PMI (how much more often than chance two words meet) stops "the" and "a" from
    dominating. Vectors are scaled to unit length, so a dot product is a cosine.

    Parameters
    ----------
    dim : length of each word vector.
    window : how many tokens on each side count as "near"; 4 gave the most sensible
        neighbours on the kit's ~800 loglines (2 is too sparse for so little text).
    min_count : passed to :class:`WordVocabulary`; words seen once get no vector of their
        own (``<unk>``), since one meeting says too little about a word.
    seed : seed of the randomized SVD.
    """

    def __init__(self, dim: int = 32, window: int = 4, min_count: int = 2, seed: int = 0):
        self.dim = dim
        self.window = window
        self.min_count = min_count
        self.seed = seed

    def fit(self, texts: Sequence[str]) -> CooccurrenceEmbedding:
        """Learn ``vocabulary_`` and ``vectors_`` (len(vocabulary_), dim) from ``texts``."""
        positive_int(self.dim, "dim")
        self.vocabulary_ = WordVocabulary(min_count=self.min_count).fit(texts)
        ppmi = _positive_pmi(self._cooccurrence_counts(texts))  # sparse (n_words, n_words)
        # a small corpus has fewer directions than dim: the extra columns stay zero
        n_directions = min(self.dim, len(self.vocabulary_) - 2)
        left, strengths = _top_singular_directions(ppmi, n_directions, self.seed)
        left = np.pad(left, ((0, 0), (0, self.dim - n_directions)))  # (n_words, dim)
        strengths = np.pad(strengths, (0, self.dim - n_directions))  # (dim,)
        vectors = left * np.sqrt(strengths)  # (n_words, dim)
        # words that never met another word (and <pad>, <unk>) keep the zero vector
        has_company = (np.diff(ppmi.indptr) > 0)[:, None]  # (n_words, 1): row has an entry
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

    def _cooccurrence_counts(self, texts: Sequence[str]) -> sparse.csr_array:
        """Sparse (n_words, n_words) table: how often word b is within ``window`` of word a."""
        rows, columns = [], []
        for text in texts:
            ids = self.vocabulary_.encode(text)  # (n_tokens,)
            for offset in range(1, self.window + 1):
                rows += [ids[:-offset], ids[offset:]]
                columns += [ids[offset:], ids[:-offset]]
        rows, columns = np.concatenate(rows), np.concatenate(columns)  # (n_pairs,) each
        meaningful = (rows > 1) & (columns > 1)  # <pad> (0) and <unk> (1) have no company
        n_words = len(self.vocabulary_)
        pairs = (rows[meaningful], columns[meaningful])
        ones = np.ones(int(meaningful.sum()))  # (n_meaningful_pairs,)
        return sparse.coo_array((ones, pairs), shape=(n_words, n_words)).tocsr()  # sums repeats


def _top_singular_directions(
    matrix: sparse.csr_array, k: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The k strongest left singular vectors (n, k) and their strengths (k,), strongest first.

    ARPACK finds just those k exactly, which on a sparse table is much faster than a full
    SVD; its random start vector comes from ``seed``, so the result is reproducible.
    """
    n_rows = matrix.shape[0]
    if matrix.nnz == 0:  # no two words ever met: nothing to learn
        return np.zeros((n_rows, k)), np.zeros(k)
    start = np.random.default_rng(seed).uniform(-1.0, 1.0, size=min(matrix.shape))  # (n,)
    left, strengths, _ = svds(matrix.astype(np.float64), k=k, v0=start)  # ascending order
    order = np.argsort(-strengths, kind="stable")  # (k,)
    return left[:, order], strengths[order]


def _positive_pmi(counts: sparse.csr_array, smoothing: float = 0.75) -> sparse.csr_array:
    """max(0, log P(a, b) / (P(a)·P_smooth(b))) for every pair that met; others stay 0.

    Raising context counts to the power 0.75 before normalising (as word2vec does) gives
    rare words a little more probability, which stops them from getting huge PMI values
    from one chance meeting.
    """
    coo = counts.tocoo()
    if coo.nnz == 0:  # no two words ever met
        return counts
    total = coo.data.sum()
    word_share = np.asarray(counts.sum(axis=1)).ravel() / total  # (n_words,)
    context = np.asarray(counts.sum(axis=0)).ravel() ** smoothing  # (n_words,)
    context_share = context / context.sum()  # (n_words,)
    expected = word_share[coo.row] * context_share[coo.col]  # (n_pairs,)
    pmi = np.maximum(np.log(coo.data / total / expected), 0.0)  # (n_pairs,)
    ppmi = sparse.coo_array((pmi, (coo.row, coo.col)), shape=counts.shape).tocsr()
    ppmi.eliminate_zeros()
    return ppmi
