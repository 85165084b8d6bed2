"""A character n-gram model with interpolated Kneser-Ney smoothing: the baseline a GPT must beat.

Before training a neural network it is worth asking what simple counting achieves. A character
n-gram model predicts the next character from the ``order - 1`` characters before it, using how
often each continuation followed that context in the training text. Two ideas make it work:

- **Discounting.** Seen continuations give up a fixed amount ``D`` of their count, and the mass
  freed is handed to a shorter context (the last ``order - 2`` characters, and so on down to
  single characters, then a uniform guess), so an unseen continuation is unlikely, not impossible.
- **Continuation counts (Kneser and Ney, 1995).** A shorter context is only consulted when the
  longer one ran out of evidence, so its counts should say "after how many *different* contexts
  was this seen", not "how often". The letter after "Francisc" is nearly always "o": a plain count
  would make "o" very likely everywhere; the continuation count knows it follows few contexts.

For a context ``h`` (its shorter version ``h'``) and a next character ``c``::

    P(c | h) = max(count(h c) - D, 0) / count(h) + D * distinct(h) / count(h) * P(c | h')

with ``count`` the raw count at the highest order and the continuation count below it,
``distinct(h)`` the number of different characters seen after ``h``, and ``D = n1 / (n1 + 2 n2)``
per order (``n1``, ``n2``: how many n-grams were seen once, twice). An unseen context passes all
its mass down: ``P(c | h) = P(c | h')``.

Scores are in **bits per character**, which compares models with any tokenizer: a GPT's loss
per token, summed and divided by the number of characters, means the same thing.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

START = "\x02"  # pads the start of a document, so the first characters have a context
END = "\x03"  # ends a document: predicting it is predicting "stop here"


class CharNGram:
    """Character n-gram language model with interpolated Kneser-Ney smoothing.

    Parameters
    ----------
    order : int
        Characters per n-gram: the model reads the ``order - 1`` characters before the next one.

    Examples
    --------
    >>> model = CharNGram(order=3).fit(["abracadabra"])
    >>> model.probability("r", "ab") > model.probability("c", "ab") > 0
    True
    """

    def __init__(self, order: int = 5):
        if not isinstance(order, int) or order < 1:
            raise ValueError(f"order must be a positive integer, got {order!r}.")
        self.order = order

    def fit(self, texts: Iterable[str]) -> CharNGram:
        """Count every n-gram of every text (each padded with START and closed with END)."""
        texts = list(texts)
        if not texts:
            raise ValueError("CharNGram.fit needs at least one text.")
        top = Counter()
        for text in texts:
            padded = START * (self.order - 1) + text + END
            top.update(padded[i : i + self.order] for i in range(len(padded) - self.order + 1))
        self.alphabet_ = sorted({c for text in texts for c in text} | {END})
        self.counts_ = {self.order: top}  # order -> n-gram -> (continuation) count
        for n in range(self.order - 1, 0, -1):  # a shorter n-gram counts its distinct left sides
            self.counts_[n] = Counter(gram[1:] for gram in self.counts_[n + 1])
        self.discounts_ = {n: _discount(counts) for n, counts in self.counts_.items()}
        self.contexts_ = {n: _context_totals(counts) for n, counts in self.counts_.items()}
        return self

    def probability(self, character: str, context: str) -> float:
        """P(character | the last ``order - 1`` characters of context)."""
        self._require_fitted()
        padded = START * (self.order - 1) + context
        return self._interpolated(character, padded[len(padded) - self.order + 1 :])

    def _interpolated(self, character: str, context: str) -> float:
        n = len(context) + 1
        if n == 1:
            lower = 1.0 / (len(self.alphabet_) + 1)  # uniform, with room for an unseen character
        else:
            lower = self._interpolated(character, context[1:])
        total, distinct = self.contexts_[n].get(context, (0, 0))
        if total == 0:
            return lower
        discount = self.discounts_[n]
        seen = max(self.counts_[n].get(context + character, 0) - discount, 0.0)
        return (seen + discount * distinct * lower) / total

    def continuation_bits(self, prompt: str, continuation: str) -> float:
        """Bits (-log2 probability) of ``continuation`` and the end of the document after ``prompt``."""
        self._require_fitted()
        history = START * (self.order - 1) + prompt
        bits = 0.0
        for character in continuation + END:
            context = history[len(history) - self.order + 1 :]
            bits -= math.log2(self._interpolated(character, context))
            history += character
        return bits

    def bits_per_character(self, prompts: Sequence[str], continuations: Sequence[str]) -> float:
        """Mean bits per character of each continuation (and its end) given its prompt."""
        prompts, continuations = list(prompts), list(continuations)
        if len(prompts) != len(continuations) or not prompts:
            raise ValueError("bits_per_character needs as many prompts as continuations (>= 1).")
        bits = sum(map(self.continuation_bits, prompts, continuations))
        return bits / sum(len(text) + 1 for text in continuations)

    def _require_fitted(self) -> None:
        if not hasattr(self, "counts_"):
            raise RuntimeError("This CharNGram is not fitted yet; call fit(texts) first.")


def _discount(counts: Counter) -> float:
    """Ney's estimate D = n1 / (n1 + 2 n2), kept inside (0, 1]."""
    frequency = Counter(counts.values())
    n1, n2 = frequency.get(1, 0), frequency.get(2, 0)
    return n1 / (n1 + 2 * n2) if n1 else 0.5


def _context_totals(counts: Counter) -> dict[str, tuple[int, int]]:
    """For each context: (total count of its continuations, number of distinct continuations)."""
    totals = defaultdict(lambda: [0, 0])
    for gram, count in counts.items():
        entry = totals[gram[:-1]]
        entry[0] += count
        entry[1] += 1
    return {context: (total, distinct) for context, (total, distinct) in totals.items()}
