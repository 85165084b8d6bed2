"""Numbers that describe generated copy: diversity, repetition, novelty and perplexity.

- **distinct-n**: unique word n-grams / all word n-grams. 1.0 means no n-gram appears twice;
  computed over several texts it measures how different the texts are from each other.
- **repetition rate**: the share of word trigrams that already appeared earlier in the same
  text. Greedy decoding that loops ("the night is dark, the night is dark...") scores high.
- **copied from the corpus**: a small model can simply recite its training data. A text is
  flagged when one of its sentences (of at least ``min_sentence_words`` words: "Run." is
  everybody's) *is* a corpus line or sentence, or when it shares a run of ``copy_ngram`` words
  with the corpus.
- **perplexity** of a continuation: how surprised the model is by its own text (low = the
  model finds it very typical; very low often means memorised or repetitive).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

if TYPE_CHECKING:
    from cinelab.textgen.angle_judge import AngleVerdict

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# a sentence ends at . ! or ? followed by a space, except after a title such as "Dr." or "Mr."
# (the cheap test for . ! ? comes first, so the title look-behinds run only after punctuation)
SENTENCE_END = re.compile(
    r"(?<=[.!?])(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)(?<!\bSt\.)(?<!\bJr\.)\s+|\n+"
)


def words(text: str) -> list[str]:
    """Lower-case words (apostrophes kept inside words, punctuation dropped)."""
    return WORD.findall(text.lower())


def ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}.")
    return [tuple(tokens[start : start + n]) for start in range(len(tokens) - n + 1)]


def distinct_n(texts: str | Iterable[str], n: int) -> float:
    """Unique word n-grams divided by all word n-grams, pooled over ``texts`` (0.0 if none)."""
    texts = [texts] if isinstance(texts, str) else list(texts)
    pooled = [gram for text in texts for gram in ngrams(words(text), n)]
    return len(set(pooled)) / len(pooled) if pooled else 0.0


def repetition_rate(text: str, n: int = 3) -> float:
    """Share of the text's word n-grams that already occurred earlier in the same text."""
    grams = ngrams(words(text), n)
    if not grams:
        return 0.0
    seen: set[tuple[str, ...]] = set()
    repeats = 0
    for gram in grams:
        repeats += gram in seen
        seen.add(gram)
    return repeats / len(grams)


def sentences(text: str) -> list[str]:
    return [part.strip() for part in SENTENCE_END.split(text) if part.strip()]


def _normalise(text: str) -> str:
    return " ".join(words(text))


@dataclass(frozen=True)
class CorpusIndex:
    """What the corpus contains, for spotting copied text: its sentences and long word n-grams."""

    sentences: frozenset[str]
    long_ngrams: frozenset[tuple[str, ...]]
    copy_ngram: int
    min_sentence_words: int

    @classmethod
    def from_texts(
        cls, texts: Iterable[str], copy_ngram: int = 8, min_sentence_words: int = 4
    ) -> CorpusIndex:
        """Index ``texts`` (the training copy). ``copy_ngram`` words in a row count as copying."""
        if copy_ngram < 2:
            raise ValueError(f"copy_ngram must be at least 2 words, got {copy_ngram}.")
        texts = list(texts)
        found_sentences = {_normalise(text) for text in texts}
        found_sentences |= {_normalise(part) for text in texts for part in sentences(text)}
        grams = {gram for text in texts for gram in ngrams(words(text), copy_ngram)}
        return cls(
            frozenset(found_sentences - {""}), frozenset(grams), copy_ngram, min_sentence_words
        )

    def copied_parts(self, text: str, title: str = "") -> list[str]:
        """Sentences of ``text`` found in the corpus, and word runs of ``copy_ngram`` shared with it.

        A run does not cross or include ``title`` (a fact every line about the film may state):
        the text is searched piece by piece between the title's mentions, so a long title ("Dr.
        Strangelove or: How I Learned to Stop Worrying and Love the Bomb") can be named.
        """
        copied = [
            part
            for part in sentences(text)
            if len(words(part)) >= self.min_sentence_words and _normalise(part) in self.sentences
        ]
        pieces = re.split(re.escape(title), text, flags=re.IGNORECASE) if title else [text]
        copied += [
            " ".join(gram)
            for piece in pieces
            for gram in ngrams(words(piece), self.copy_ngram)
            if gram in self.long_ngrams
        ]
        return copied

    def is_copied(self, text: str, title: str = "") -> bool:
        return bool(self.copied_parts(text, title))


@torch.no_grad()
def continuation_perplexity(
    model, prompt_ids: torch.Tensor, continuation_ids: torch.Tensor
) -> float:
    """``exp`` of the mean negative log-likelihood of ``continuation_ids`` given ``prompt_ids``.

    Both are 1-D tensors (or lists) of token ids; only the continuation's tokens are scored.
    """
    prompt_ids = torch.as_tensor(prompt_ids).reshape(-1)
    continuation_ids = torch.as_tensor(continuation_ids).reshape(-1)
    if len(prompt_ids) == 0 or len(continuation_ids) == 0:
        raise ValueError("continuation_perplexity needs a non-empty prompt and continuation.")
    ids = torch.cat([prompt_ids, continuation_ids])[None, :]  # (1, length)
    logits = model(input_ids=ids).logits[0, :-1].float()  # (length - 1, vocab)
    targets = ids[0, 1:]  # (length - 1,)
    losses = F.cross_entropy(logits, targets, reduction="none")  # (length - 1,)
    return math.exp(losses[len(prompt_ids) - 1 :].mean().item())


def ngram_distance(first: str, second: str, n_max: int = 2) -> float:
    """How different two texts' wording is: 1 - Jaccard overlap of their word 1..n_max-grams.

    0 means the same words (and word pairs); 1 means nothing in common.
    """
    grams = [
        {gram for n in range(1, n_max + 1) for gram in ngrams(words(text), n)}
        for text in (first, second)
    ]
    union = grams[0] | grams[1]
    return 1.0 - len(grams[0] & grams[1]) / len(union) if union else 0.0


@dataclass(frozen=True)
class ViewerContrast:
    """Does the copy change with the viewer more than it changes by chance?

    ``between_viewers`` is the mean :func:`ngram_distance` between viewer A's and viewer B's
    copy written with the same seed; ``between_seeds`` is the mean distance between two
    seeds' copy for the *same* viewer: the noise floor. Personalisation shows when the first
    is clearly above the second (``gap > 0`` and a small ``p_value``).

    ``p_value`` is an exact permutation test: if the viewer made no difference, swapping the
    two viewers' pieces of any seed would change nothing, so the observed gap is compared with
    the gaps of every such swap (2 ** n_seeds of them, the observed one included). With n
    seeds it cannot go below 2 / 2 ** n (swapping every seed gives the same gap): 0.125 for 4
    seeds, 0.031 for 6.

    Distance says the copy differs, not that it differs the right way. ``angles``, set by
    :meth:`~cinelab.textgen.TrailerCopywriter.compare_viewers` when the viewers' angles
    differ, says whether a judge trained on hand-written copy can tell whose piece is whose.
    """

    between_viewers: float
    between_seeds: float
    p_value: float = 1.0
    angles: AngleVerdict | None = None  # the angle judge's verdict, when the angles differ

    @property
    def gap(self) -> float:
        return self.between_viewers - self.between_seeds


MAX_CONTRAST_SEEDS = 12  # 4,096 swaps, each a few dozen distances


def viewer_contrast(copies_a: Sequence[str], copies_b: Sequence[str]) -> ViewerContrast:
    """Compare two viewers' copy of one film; ``copies_a[i]`` and ``copies_b[i]`` share seed i."""
    if len(copies_a) != len(copies_b) or not 2 <= len(copies_a) <= MAX_CONTRAST_SEEDS:
        raise ValueError(
            f"viewer_contrast needs the same number (at least 2, at most {MAX_CONTRAST_SEEDS})"
            f" of copies per viewer, one per seed; got {len(copies_a)} and {len(copies_b)}."
        )
    observed = _distances(copies_a, copies_b)
    gaps = []
    for swapped in itertools.product((False, True), repeat=len(copies_a)):
        pairs = [(b, a) if swap else (a, b) for a, b, swap in zip(copies_a, copies_b, swapped)]
        between_viewers, between_seeds = _distances(*zip(*pairs))
        gaps.append(between_viewers - between_seeds)
    observed_gap = observed[0] - observed[1]
    p_value = sum(gap >= observed_gap - 1e-12 for gap in gaps) / len(gaps)
    return ViewerContrast(*observed, p_value)


def _distances(copies_a: Sequence[str], copies_b: Sequence[str]) -> tuple[float, float]:
    """(mean distance between the viewers at one seed, mean distance between two seeds)."""
    between_viewers = [ngram_distance(a, b) for a, b in zip(copies_a, copies_b)]
    between_seeds = [
        ngram_distance(copies[i], copies[j])
        for copies in (copies_a, copies_b)
        for i in range(len(copies))
        for j in range(i + 1, len(copies))
    ]
    return (
        sum(between_viewers) / len(between_viewers),
        sum(between_seeds) / len(between_seeds),
    )
