"""The one tokenizer of `cinelab.language`: lower-case words, negations kept in one piece.

Reviews and questions are short, so a regular expression is enough. "didn't" stays one token
(a negation the models can learn from), digits stay ("1979", "1970s").
"""

from __future__ import annotations

import re

WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")

# Words that carry no meaning for retrieval. Our own short list: sentiment keeps every word
# ("not" and "but" matter there), retrieval drops these.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "did",
        "do",
        "does",
        "film",
        "films",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "movie",
        "movies",
        "of",
        "on",
        "one",
        "or",
        "some",
        "something",
        "that",
        "the",
        "their",
        "there",
        "this",
        "to",
        "was",
        "what",
        "when",
        "where",
        "which",
        "who",
        "with",
        "you",
        "your",
        "about",
        "any",
        "tell",
        "show",
        "give",
        "find",
        "me",
        "my",
        "please",
        "year",
        "years",
        "released",
        "release",
        "come",
        "came",
        "out",
        "genre",
        "genres",
        "kind",
        "type",
        "sort",
        "like",
        "similar",
        "watch",
        "want",
        "see",
        "recommend",
        "looking",
        "know",
        "called",
        "named",
        "how",
        "what's",
        "set",
        "story",
        "plot",
        "premise",
        "happens",
        "start",
        "listed",
        "under",
    ]
)


def words(text: str) -> list[str]:
    """Lower-case word tokens of `text` ("Didn't love it." -> ["didn't", "love", "it"])."""
    if not isinstance(text, str):
        raise TypeError(f"expected a string of text, got {type(text).__name__}: {text!r}")
    return WORD.findall(text.lower().replace("’", "'"))


def content_words(text: str) -> list[str]:
    """`words` without the stop words: what a search query is really about."""
    return [word for word in words(text) if word not in STOP_WORDS]
