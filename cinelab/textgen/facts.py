"""Does the copy get the film's facts right? Genre claims, years and names, checked by rule.

A small model writes "The Shape of Water is the most charming romantic comedy ever made",
"a 1993 drama" for a 2006 documentary, or "Denzel Grim and Christopher Nicholson star in
Amadeus". Each is fluent English, so the fluency check passes it; each is wrong, and a reader
stops trusting the copy at once. Three rules catch most of these slips, each explainable in
one sentence:

- **genre claims**: the copy calls the film a genre it does not have ("Toy Story is the most
  bleakest action film ever made"). Only claims about the film count: "<title> is a ... comedy",
  "a ... comedy about ...", "the funniest ... musical ever". A genre word used another way ("a
  touch of romance", "feels like a documentary of ...", "every window holds a little drama of
  its own") is not a claim; "A romantic comedy." standing alone as a sentence is one, and so is
  "a gripping drama" for a film that is no Drama ("a crime drama" and "a war drama" claim Crime
  and War). Kinds of film that MovieLens has no genre for count too, through the genres they
  imply: "Argo is the best superhero film ever made" is wrong for a drama thriller, right for an
  action film.
- **years and decades**: every year (1888-2039) or decade ("the 1980s", "the '80s") is the
  film's own or appears in what the kit knows about the film.
- **names**: every name (a capitalised word inside a sentence, or a sentence-opening word that
  is not an English word) appears in what the kit knows about the film. The kit cannot check a
  name it has never seen, and a small model's names are nearly always invented.

"What the kit knows about a film" is its title, logline and tagline plus every line of the
kit's hand-written copy for it (which names its cast, director, characters and places).

Measured on that hand-written copy, each line judged against the film's *other* lines (so a
name said only once counts as unknown): see ``tests/textgen/test_facts.py`` for the rates.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Iterable

from cinelab.textgen.english import HASHTAG, LATIN_WORD, base_form, base_forms_of, english_words

FILM_NOUN = r"(?:film|movie|picture|classic|feature|flick|epic)"
GENRE_CLAIM_WORDS = {  # genre -> the words that call a film that genre
    "Action": rf"action (?:{FILM_NOUN}|comedy|thriller|adventure|drama)",
    "Animation": rf"(?:animated|animation|cartoon) {FILM_NOUN}|cartoon",
    "Children": rf"(?:family|kids'?|children's) {FILM_NOUN}",
    "Comedy": r"comedy|rom-?com",
    "Crime": rf"crime (?:{FILM_NOUN}|drama|comedy|thriller|caper|saga)",
    "Documentary": r"documentary",
    "Drama": r"(?<!crime )(?<!war )drama",  # "crime drama" and "war drama" name Crime and War
    "Fantasy": r"fantasy",
    "Film-Noir": r"(?:film |neo-)?noir",
    "Horror": rf"horror(?: {FILM_NOUN})?",
    "Musical": r"musical",
    "Mystery": r"mystery",
    "Romance": r"romance|romantic (?:comedy|drama)|love story",
    "Sci-Fi": rf"(?:sci-?fi|science[- ]fiction)(?: {FILM_NOUN})?",
    "Thriller": r"thriller",
    "War": rf"(?<!cold )(?<!-)war (?:{FILM_NOUN}|drama)",
    "Western": r"western",
}
KIND_CLAIM_WORDS = {  # a kind of film MovieLens has no genre for -> (its words, genres it implies)
    "a superhero film": (
        rf"superhero {FILM_NOUN}",
        frozenset({"Action", "Adventure", "Animation", "Fantasy", "Sci-Fi"}),
    ),
    "a zombie film": (rf"zombie (?:{FILM_NOUN}|comedy)", frozenset({"Horror"})),
    "a slasher": (rf"slasher(?: {FILM_NOUN})?", frozenset({"Horror"})),
    "a vampire film": (rf"vampire {FILM_NOUN}", frozenset({"Fantasy", "Horror"})),
    "a gangster film": (rf"gangster (?:{FILM_NOUN}|drama|saga)", frozenset({"Crime"})),
    "a spy film": (
        rf"spy (?:{FILM_NOUN}|thriller)",
        frozenset({"Action", "Adventure", "Thriller"}),
    ),
    "a martial-arts film": (rf"(?:martial[- ]arts|kung[- ]fu) {FILM_NOUN}", frozenset({"Action"})),
    "a Bond film": (rf"(?:James )?Bond {FILM_NOUN}", frozenset({"Action"})),
}
TITLE_MARK = "\u2063TITLE\u2063"  # stands for the film's title while claims are read
_ADJECTIVES = r"(?:[\w'-]+\s+){0,4}?"  # up to four words before the genre word
# "a drama of" is a claim; "a little drama of its own" (what a window across the courtyard
# holds) is not: something in the film has its own drama
_OF_NOT_OWN = r"of(?!\s+(?:its|their|his|her|your|our|my)\s+own\b)"
_SUPERLATIVE = r"(?:most|best|biggest|funniest|greatest|scariest|finest|strangest|sweetest)"
# a year, not part of a number: "1985," is a year, "1,985" and "1985,000" are not
YEAR = re.compile(r"(?<![\d,.$])\b(18[89]\d|19\d\d|20[0-3]\d)\b(?!\d|,\d)")
DECADE = re.compile(r"(?<![\w'’])(?:(18|19|20)|['’])?([0-9])0['’]?s\b")
SENTENCE_BREAK = re.compile(r"(?<=[.!?:;])\s+|\n+|[\"“”]")
ANY_TIME_NAMES = frozenset(  # capitalised words that name no one: "I", days, months, holidays
    {"i", "christmas", "halloween", "tv", "dvd", "oscar", "oscars"}
    | {name.lower() for name in (*calendar.day_name, *calendar.month_name) if name}
)


def _claim_pattern(genre_words: str) -> re.Pattern:
    """A claim that the film *is* of a genre, in the four shapes copy uses: "<title> is a ...
    comedy", "a ... comedy about ...", "the funniest ... comedy ever" and a sentence that is
    nothing but the genre ("... rivalry with Mozart. A romantic comedy.")."""
    genre = rf"(?:{genre_words})\b(?!-)"
    return re.compile(
        rf"{TITLE_MARK}(?:\s+is|\s+was|,)\s+(?:a|an|the|one of the)\s+{_ADJECTIVES}{genre}"
        rf"|(?<!like )(?<!as )\b(?:a|an)\s+{_ADJECTIVES}{genre}\s+(?:about|{_OF_NOT_OWN}|that|where|in which|from|starring"
        r"|with|like no other|unlike)\b"
        rf"|\bthe\s+{_SUPERLATIVE}\s+{_ADJECTIVES}{genre}\s+(?:ever|of)\b"
        rf"|(?:^|(?<=[.!?]\s))(?:a|an)\s+{_ADJECTIVES}{genre}(?:\s+{FILM_NOUN})?\s*[.!?]",
        re.IGNORECASE,
    )


def _one_of(genres: Iterable[str]) -> str:
    """Genre names for a sentence: "Action, Fantasy or Sci-Fi"."""
    *others, last = sorted(genres)
    return f"{', '.join(others)} or {last}" if others else last


GENRE_CLAIMS = {  # what is claimed -> (its pattern, the film must have one of these genres)
    **{genre: (_claim_pattern(claim), {genre}) for genre, claim in GENRE_CLAIM_WORDS.items()},
    **{
        f"{kind}, which would be {_one_of(implied)}": (_claim_pattern(claim), implied)
        for kind, (claim, implied) in KIND_CLAIM_WORDS.items()
    },
}


def wrong_genre_claims(text: str, title: str, genres: Iterable[str]) -> list[tuple[str, str]]:
    """(what the copy calls the film, the words that say it) for every claim its genres deny:
    a genre it lacks ("Action"), or a kind of film ("a superhero film") none of its genres fits."""
    marked = text.replace(title, TITLE_MARK) if title else text
    genres = set(genres)
    found = []
    for claimed, (pattern, implied) in GENRE_CLAIMS.items():
        match = pattern.search(marked) if genres.isdisjoint(implied) else None
        if match:
            found.append((claimed, match.group(0).replace(TITLE_MARK, title)))
    return found


def wrong_years(text: str, year: int | None, known_text: str) -> list[str]:
    """Years and decades in ``text`` that are neither the film's nor in what the kit knows."""
    known_years = set(YEAR.findall(known_text))
    known_decades = {_decade_of(match) for match in DECADE.finditer(known_text)}
    if year is not None:
        known_years.add(str(year))
        known_decades.add(str(year)[2])
    wrong = [found for found in YEAR.findall(text) if found not in known_years]
    wrong += [
        match.group(0) for match in DECADE.finditer(text) if _decade_of(match) not in known_decades
    ]
    return wrong


def _decade_of(match: re.Match) -> str:
    """The decade's digit: "1980s", "80s" and "'80s" are all "8" (the century is left open)."""
    return match.group(2)


def unknown_names(text: str, known_text: str) -> list[str]:
    """Names in ``text`` that appear nowhere in ``known_text`` (in order, without repeats)."""
    known = _known_words(known_text)
    unknown = []
    for name in names_in(text):
        base = base_form(name)
        if base not in known and base not in ANY_TIME_NAMES and name not in unknown:
            unknown.append(name)
    return unknown


def names_in(text: str) -> list[str]:
    """Capitalised words inside a sentence, and sentence openers that are not English words.

    Left out: hashtags ("#MovieNight" names no one), words in capitals only ("CIA", "TV") and
    "I" with its contractions ("I've").
    """
    names = []
    for sentence in SENTENCE_BREAK.split(HASHTAG.sub(" ", text)):
        for position, word in enumerate(LATIN_WORD.findall(sentence)):
            base = base_form(word)
            if not word[0].isupper() or (word.isupper() and len(word) > 1) or base[:2] == "i'":
                continue
            if position > 0 or base not in english_words():
                names.append(word)
    return names


@functools.lru_cache(maxsize=256)  # the candidates of one piece ask about the same film
def _known_words(known_text: str) -> frozenset[str]:
    return base_forms_of([known_text])


@functools.cache
def kit_lines_by_film() -> dict[tuple[str, int], str]:
    """Every film's hand-written copy (both corpora), joined: (title, year) -> text."""
    from cinelab.textgen.corpus import all_written_copy

    copy = all_written_copy()
    return {
        (title, int(year)): " \n".join(lines)
        for (title, year), lines in copy.groupby(["title", "year"])["text"]
    }


def known_about(title: str, year: int | None, own_lines: Iterable[str]) -> str:
    """What the kit knows about a film: title, its own lines (logline, tagline), its copy."""
    corpus = kit_lines_by_film().get((title, year), "") if year is not None else ""
    return " \n".join([title, *own_lines, corpus])
