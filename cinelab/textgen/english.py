"""What counts as a word, and as an English word, for every check of the kit's copy.

One place for the rules that the checks (:mod:`~cinelab.textgen.checks`), the facts rules
(:mod:`~cinelab.textgen.facts`) and the decoder's real-words veto (:mod:`~cinelab.textgen.lexicon`)
share, so that they can never disagree about what a word is.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from wordfreq import get_frequency_dict

FLUENCY_MIN_ZIPF = 1.5
HASHTAG = re.compile(r"#(\w+)")
LATIN_LETTER = "A-Za-zÀ-ÖØ-öø-ÿĀ-ɏ"  # ASCII and accented Latin letters: Amélie, Héloïse, Łódź
LATIN_WORD = re.compile(rf"[{LATIN_LETTER}]+(?:['’][{LATIN_LETTER}]+)*")


@functools.cache
def english_words() -> frozenset[str]:
    """Every word ``wordfreq`` rates at Zipf >= ``FLUENCY_MIN_ZIPF``, read once (a set lookup is
    what lets the decoder's real-words veto ask about thousands of words per piece)."""
    least = 10 ** (FLUENCY_MIN_ZIPF - 0.005 - 9)  # Zipf = log10(frequency) + 9, shown to 2 places
    return frozenset(
        word for word, frequency in get_frequency_dict("en").items() if frequency >= least
    )


def base_form(word: str) -> str:
    """Lower case, without a possessive: "Vertov's" and "Vertov" are the same word."""
    base = word.lower().replace("’", "'")
    for ending in ("'s", "'"):
        base = base.removesuffix(ending)
    return base


def base_forms_of(texts: Iterable[str]) -> frozenset[str]:
    """The base form of every word in ``texts``; each distinct spelling is normalised once
    (the kit's copy has about 470,000 words but only tens of thousands of spellings)."""
    return frozenset(map(base_form, set(LATIN_WORD.findall("\n".join(texts)))))
