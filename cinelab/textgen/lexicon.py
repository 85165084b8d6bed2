"""Real words only: a lexicon constraint that a small model's decoding can obey.

A model trained on a few megabytes of text has seen too little English to spell every word it
starts: it writes "tonster" or glues letters onto a name ("RRRom's"). A **constrained decoder**
fixes this at the source. At every step, before sampling, it looks at each token the model
proposes and asks: if I append this piece to the text so far, is every finished word a real
word, and is the unfinished one the start of a common or catalogue word (not of any of the
170,000 rare words the fluency list knows, which a small model started on can only spell out
letter by letter)? Tokens that fail are removed (their
logit becomes ``-inf``); the model then samples among the rest, in their own proportions. The
model still chooses *what* to say; the lexicon only vetoes spellings.

"Real word" means exactly what the fluency check of :func:`~cinelab.textgen.check_copy` means
(:func:`~cinelab.textgen.checks.is_known_word`): English in ``wordfreq`` at Zipf >= 1.5, or a
word of the catalogue or of the kit's hand-written copy, or one of the film's own words. So the
constraint can never produce a word the check would reject, and the check never rejects a
word the constraint allowed.

Words inside a hashtag are left alone (the hashtag check judges those). Accented letters are
letters, as in the check: "Am" + "é" may grow into "Amélie", "Kl" + "é" may not. A token that is
only part of a character's bytes (most accented letters are two such tokens) cannot be judged
and is vetoed, as are stray control characters: the copy is English. The words of the film's
title are *closed*: nothing may be glued onto them, so "Mary Poppins" never becomes "Mary
Poppinss" and "The Last Picture Show" never "The Last Picture Showed".
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from collections.abc import Iterable

import torch

from cinelab.textgen.checks import catalogue_words, corpus_words, is_known_word
from cinelab.textgen.english import LATIN_LETTER

WORD_CHARACTER = re.compile(rf"[{LATIN_LETTER}'’]")  # the letters of check_copy's words
TRAILING_WORD = re.compile(rf"(#?)([{LATIN_LETTER}'’]*)$")
WORD_OR_HASHTAG = re.compile(rf"#?[{LATIN_LETTER}'’]+")
CONTROL_CHARACTER = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
INCOMPLETE_CHARACTER = "\ufffd"  # how a token holding part of a character's bytes decodes
TAIL_TOKENS = 12  # enough tokens to hold the unfinished word at the end of the text
COMMON_ZIPF = 3.0  # a new word must head for a word at least this common (or the kit's own)
CHECKED_TOKENS = 64  # the likeliest tokens checked at each step (top-k then keeps up to 50)
FALLBACK_TOKENS = 1024  # checked when none of those is allowed


class Lexicon:
    """The known words, which also answers "is this the start of a known word?".

    Known: English (``wordfreq``, Zipf >= 1.5), the catalogue's and the corpus's words, and
    ``extra_words`` (one film's names). Possessives and plurals count, as in the fluency check.
    """

    def __init__(self, extra_words: Iterable[str] = ()):
        extra = {word.lower() for word in extra_words}
        self.known = catalogue_words() | corpus_words() | extra
        self.extra_prefixes = {word[:end] for word in extra for end in range(1, len(word) + 1)}

    def is_word(self, word: str) -> bool:
        return is_known_word(word, self.known)

    def is_prefix(self, start: str) -> bool:
        """True if a common or kit word (or its possessive) begins with ``start`` (any case)."""
        start = start.lower().replace("’", "'")
        if "'" in start:  # "film's", "don't": a word, then the start of an ending
            head, _, ending = start.partition("'")
            if ending in ("", "s") and self.is_word(head):
                return True
        ordered = _sorted_word_starts()
        index = bisect.bisect_left(ordered, start)
        if index < len(ordered) and ordered[index].startswith(start):
            return True
        return start in self.extra_prefixes

    def allows(self, unfinished: str, piece: str) -> bool:
        """May ``piece`` follow a text whose last, unfinished word is ``unfinished``?"""
        if CONTROL_CHARACTER.search(piece):
            return False  # a stray byte, never part of copy
        if INCOMPLETE_CHARACTER in piece:
            return False  # half of a character's bytes: what it spells is unknown
        text = unfinished + piece
        words = WORD_OR_HASHTAG.findall(text)
        if not words:
            return True
        ends_in_word = bool(WORD_CHARACTER.match(text[-1]))
        finished = words[:-1] if ends_in_word else words
        if any(
            not word.startswith("#") and not self.is_word(word.strip("'’")) for word in finished
        ):
            return False
        last = words[-1]
        return not ends_in_word or last.startswith("#") or self.is_prefix(last)


@functools.cache
def _sorted_word_starts() -> list[str]:
    """The words a new word may grow into, in order, so a prefix is found by bisection.

    Common English (Zipf >= ``COMMON_ZIPF``) and the kit's own words, not all 170,000 words of
    the fluency list: started towards a rare word ("Cockeysvil..."), a small model can only
    finish it by spelling it out letter by letter.
    """
    from wordfreq import get_frequency_dict

    least = 10 ** (COMMON_ZIPF - 9)  # Zipf = log10(frequency) + 9
    common = {word for word, frequency in get_frequency_dict("en").items() if frequency >= least}
    return sorted(common | catalogue_words() | corpus_words())


@functools.cache
def token_pieces(tokenizer) -> tuple[str, ...]:
    """The text of every token id on its own (``" night"``, ``"ing"``), once per tokenizer.

    A special token (end of text) reads as a space: it ends the word before it.
    """
    special = set(tokenizer.all_special_ids)
    return tuple(
        " " if index in special else tokenizer.decode([index]) for index in range(len(tokenizer))
    )


class RealWordsFilter:
    """A decoding step's filter: ``-inf`` for tokens that would spell a word not in the lexicon.

    Called as ``filter(logits, sequences)`` before top-k and top-p. Each row keeps only the
    allowed tokens among its ``CHECKED_TOKENS`` likeliest (checking a whole vocabulary at every
    step would be slow, and the kit samples from the top 50 anyway); top-k and top-p then
    choose among those. If none of them is allowed, the ``FALLBACK_TOKENS`` likeliest are
    searched, then the whole vocabulary; a row where nothing at all is allowed (a word that no
    token can finish) is left as it was, and the fluency check will say so.
    """

    def __init__(self, tokenizer, lexicon: Lexicon, closed_words: Iterable[str] = ()):
        self.tokenizer = tokenizer
        self.lexicon = lexicon
        self.closed_words = frozenset(closed_words)  # never extended: "Show" never "Showed"
        self.pieces = token_pieces(tokenizer)
        self._verdicts: dict[tuple[str, int], bool] = {}
        self.fallbacks = 0  # steps where none of the likeliest tokens was allowed

    def __call__(self, logits: torch.Tensor, sequences: torch.Tensor) -> torch.Tensor:
        keep = torch.ones_like(logits, dtype=torch.bool)  # (rows, vocab)
        likeliest = logits.topk(min(CHECKED_TOKENS, logits.shape[-1]), dim=-1).indices  # (rows, k)
        for row in range(logits.shape[0]):
            tail = self.tokenizer.decode(sequences[row, -TAIL_TOKENS:], skip_special_tokens=True)
            unfinished = TRAILING_WORD.search(tail).group(0)
            allowed = self._allowed(unfinished, likeliest[row].tolist())
            if not allowed:  # rare: look further down the list, then everywhere
                self.fallbacks += 1
                ranked = logits[row].argsort(descending=True)  # (vocab,)
                for limit in (FALLBACK_TOKENS, len(self.pieces)):
                    allowed = allowed or self._allowed(unfinished, ranked[:limit].tolist())
            if allowed:
                keep[row] = False
                keep[row, allowed] = True
        return logits.masked_fill(~keep, -math.inf)

    def _allowed(self, unfinished: str, token_ids) -> list[int]:
        return [index for index in token_ids if self._allows(unfinished, index)]

    def _allows(self, unfinished: str, index: int) -> bool:
        """One verdict, remembered: the candidates of one piece ask the same questions."""
        key = (unfinished, index)
        if key not in self._verdicts:
            piece = self.pieces[index]
            glued = unfinished in self.closed_words and WORD_CHARACTER.match(piece)
            self._verdicts[key] = not glued and self.lexicon.allows(unfinished, piece)
        return self._verdicts[key]
