"""Checks that tell usable trailer copy from gibberish, each with a reason a student can read.

``check_copy(text, film, kind)`` runs every check and returns a :class:`CopyReport`; the
copywriter keeps the candidates that pass. The checks are deliberately simple rules, so that
a failure can always be explained in one sentence:

- **length**: between the kind's minimum and maximum number of words (and characters for a
  social post). "Scarface is notes." is too short for a 30-second voice-over.
- **fluency**: every word is English or one of the kit's own words (the catalogue's titles and
  loglines, the names in its hand-written copy). "English" means the word is in the
  ``wordfreq`` list with a Zipf frequency of at least ``FLUENCY_MIN_ZIPF`` = 1.5, i.e. it
  appears at least about 30 times per billion words of running text. At that threshold fewer
  than 1 in 1,000 lower-case words of the kit's hand-written copy fall below it ("tensest",
  "sandworms"), while invented words such as "cillionof", "bearders" or "maying" (Zipf 1.07)
  are caught.
- **hashtags**: a genre hashtag (#SciFi, #Horror, #FilmNoir) names one of the film's own
  genres; a hashtag of the title (#MaryPoppins) is fine; any other hashtag must be made of
  English words (#MovieNight yes, #Maying no).
- **no prompt leak**: none of the prompt's scaffolding ("film:", "kind:", "tagline |",
  special tokens such as ``<|im_end|>``) and no reasoning (``<think>``) reaches the copy.
- **title**: when the kind names the film, the exact title is there (any case, a possessive
  "Alien's" counts); the title is never misspelt by glued letters ("Mary Poppinss") nor
  broken off into a look-alike ("Exit Through the Gift Shot") nor said with one of its words in
  another's place ("Sensibility and Sensibility"); and the copy does not name a
  sequel of the film instead ("Toy Story 2" in copy for Toy Story).
- **not repetitive**: at most ``MAX_REPETITION`` of the word trigrams repeat earlier ones; no
  word three times in a row ("Bang Bang Bang" beyond the title's own); the title not said
  twice within a few words ("Duck Soup, Duck Soup").
- **facts**: the copy calls the film no genre it lacks ("Toy Story is the bleakest action film
  ever made"), says no year or decade foreign to it ("a 1993 drama" for a 2006 film), and names
  no one the kit does not know with the film ("Denzel Grim ... star in Amadeus"): see
  :mod:`~cinelab.textgen.facts`.
- **original**: no sentence of the kit's corpus, nor the film's own logline or tagline, is
  copied (the corpus rule of :class:`~cinelab.textgen.metrics.CorpusIndex`).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from cinelab.data.genres import GENRES
from cinelab.textgen.english import (
    HASHTAG,
    LATIN_WORD,
    base_form,
    base_forms_of,
    english_words,
)
from cinelab.textgen.facts import known_about, unknown_names, wrong_genre_claims, wrong_years
from cinelab.textgen.metrics import CorpusIndex, repetition_rate, words

MAX_REPETITION = 0.25
MAX_RUN = 2  # the same word at most twice in a row ("very, very" yes, "Bang Bang Bang" no)
TITLE_ECHO_GAP = 3  # words between two mentions of the title below which it is a stutter


@dataclass(frozen=True)
class LengthLimits:
    """How long one kind of copy may be, in words (and characters where a platform caps it)."""

    min_words: int
    max_words: int | None = None
    max_characters: int | None = None
    names_title: bool = False  # the copy must say the film's title


LENGTH_LIMITS = {
    "tagline": LengthLimits(3, 15),
    "voiceover": LengthLimits(15, 75, names_title=True),  # 30 s at 150 words a minute
    "social": LengthLimits(8, None, max_characters=280, names_title=True),
    "blurb": LengthLimits(15, 60),
    "continuation": LengthLimits(10, 60),
    "scene": LengthLimits(30, 120),
    "dialogue": LengthLimits(20, 150),
    "description": LengthLimits(20, 80, names_title=True),
}

# the spellings of each genre as a hashtag, lower case without punctuation
GENRE_HASHTAGS = {
    "Action": {"action"},
    "Adventure": {"adventure"},
    "Animation": {"animation", "animated"},
    "Children": {"children", "kids", "family", "familyfilm"},
    "Comedy": {"comedy"},
    "Crime": {"crime", "truecrime"},
    "Documentary": {"documentary", "doc"},
    "Drama": {"drama"},
    "Fantasy": {"fantasy"},
    "Film-Noir": {"filmnoir", "noir"},
    "Horror": {"horror"},
    "Musical": {"musical", "musicals"},
    "Mystery": {"mystery"},
    "Romance": {"romance", "romantic"},
    "Sci-Fi": {"scifi", "sciencefiction"},
    "Thriller": {"thriller"},
    "War": {"war", "warfilm"},
    "Western": {"western"},
}
assert set(GENRE_HASHTAGS) == set(GENRES)

CAMEL_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
LEAK = re.compile(  # the fields of the kit's prompt and of a chat model's brief, the viewer's
    r"(?im)^\s*(film|genres|logline|premise|viewer|kind|copy|rules|audience|system|user|assistant)"
    r"\s*:|\bfavou?rite films\s*:"  # taste copied from the brief, and the marks below
    r"|\|"
    r"|<\|?/?[a-z_]+\|?>"
    r"|\b(tagline|voiceover|social|blurb|continuation)\s*\|"
)


@dataclass(frozen=True)
class Check:
    """One check: its name, whether it passed, and why."""

    name: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class CopyReport:
    """Every check of one piece of copy; ``passed`` only when all of them pass."""

    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]

    def __getitem__(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(f"No check named {name!r}; the checks are {[c.name for c in self.checks]}.")

    def as_dict(self) -> dict[str, bool]:
        return {check.name: check.passed for check in self.checks} | {"passed": self.passed}

    def reasons(self) -> list[str]:
        """One line per failed check, for a notebook or a widget."""
        return [f"{check.name}: {check.reason}" for check in self.failed]


def check_copy(
    text: str,
    film,
    kind: str,
    *,
    names_title: bool | None = None,
    corpus: CorpusIndex | None = None,
) -> CopyReport:
    """Check one piece of copy for one film.

    Parameters
    ----------
    text : str
        The copy.
    film : Mapping or Film
        ``title``, ``genres`` ("Horror|Sci-Fi" or a sequence), and optionally ``logline`` and
        ``tagline`` (a row of ``films.csv`` or a :class:`~cinelab.textgen.Film`).
    kind : str
        One of ``LENGTH_LIMITS`` (tagline, voiceover, social, blurb, continuation, scene,
        dialogue, description).
    names_title : bool, optional
        Require the title (default: the kind's rule, yes for voice-overs and social posts).
    corpus : CorpusIndex, optional
        What counts as copying; default: the kit's written copy and every film's logline and
        tagline.

    Returns
    -------
    CopyReport
        ``report.passed``, ``report.failed``, ``report.as_dict()``, ``report["fluency"]``.
    """
    if kind not in LENGTH_LIMITS:
        raise ValueError(f"kind must be one of {list(LENGTH_LIMITS)}, got {kind!r}.")
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}.")
    title, genres = _field(film, "title"), _genres(film)
    limits = LENGTH_LIMITS[kind]
    must_name = limits.names_title if names_title is None else names_title
    own_lines = [
        line for line in (_field(film, "logline", ""), _field(film, "tagline", "")) if line
    ]
    checks = (
        length_check(text, kind),
        fluency_check(text, extra_words=words(" ".join([title, *own_lines]))),
        hashtag_check(text, title, genres, kind),
        leak_check(text),
        title_check(text, title, must_name),
        repetition_check(text, title),
        facts_check(text, film, own_lines),
        originality_check(text, corpus or default_corpus(), own_lines, title),
    )
    return CopyReport(checks)


# ---------------------------------------------------------------- the checks, one by one


def length_check(text: str, kind: str) -> Check:
    limits = LENGTH_LIMITS[kind]
    n_words = len(text.split())
    if n_words < limits.min_words:
        return Check(
            "length", False, f"{n_words} words; a {kind} needs at least {limits.min_words}."
        )
    if limits.max_words is not None and n_words > limits.max_words:
        return Check("length", False, f"{n_words} words; a {kind} has at most {limits.max_words}.")
    if limits.max_characters is not None and len(text) > limits.max_characters:
        return Check(
            "length", False, f"{len(text)} characters; the limit is {limits.max_characters}."
        )
    return Check("length", True, f"{n_words} words, {len(text)} characters.")


def fluency_check(text: str, extra_words: Iterable[str] = ()) -> Check:
    """Every word is English (``wordfreq``), the kit's own, or one of ``extra_words``."""
    strange = non_words(text, extra_words)
    if strange:
        return Check("fluency", False, f"not English words: {', '.join(strange[:6])}.")
    return Check("fluency", True, "every word is English or from the catalogue.")


def non_words(text: str, extra_words: Iterable[str] = ()) -> list[str]:
    """The words of ``text`` (hashtags left out) that are neither English nor the kit's own."""
    known = (catalogue_words(), corpus_words(), set(extra_words))  # not merged: no big copy
    return [
        word
        for word in LATIN_WORD.findall(HASHTAG.sub(" ", text))
        if not is_known_word(word, *known)
    ]


def is_known_word(word: str, *known: AbstractSet[str]) -> bool:
    """English (``wordfreq``), or in one of the ``known`` sets of lower-case words; a
    possessive or a plural counts as its word."""
    base = base_form(word)
    candidates = {base, base.removesuffix("s")}
    if any(candidates & words for words in known):
        return True
    return base in english_words()


def hashtag_check(text: str, title: str, genres: Iterable[str], kind: str) -> Check:
    """Each hashtag a genre of the film, its title or English words; and only in a social post."""
    genres = list(genres)
    allowed = set().union(*(GENRE_HASHTAGS[genre] for genre in genres if genre in GENRE_HASHTAGS))
    every_genre = set().union(*GENRE_HASHTAGS.values())
    title_tag = _squash(title)
    seen = set()
    for tag in HASHTAG.findall(text):
        squashed = _squash(tag)
        if squashed in seen:
            return Check("hashtags", False, f"#{tag} is there twice.")
        seen.add(squashed)
        if squashed == title_tag or squashed in allowed:
            continue
        if squashed in every_genre:
            return Check(
                "hashtags", False, f"#{tag} is not a genre of this film ({', '.join(genres)})."
            )
        other_film = squashed_titles().get(squashed)
        if other_film:
            return Check("hashtags", False, f"#{tag} is the title of another film, {other_film}.")
        parts = CAMEL_PART.findall(tag)
        unknown = [part for part in parts if not part.isdigit() and not is_known_word(part)]
        if unknown or not parts:
            return Check("hashtags", False, f"#{tag} is neither a genre, the title nor English.")
    if seen and kind != "social":
        return Check("hashtags", False, f"hashtags belong in a social post, not in a {kind}.")
    return Check("hashtags", True, "hashtags fit the film.")


def leak_check(text: str) -> Check:
    found = LEAK.search(text)
    if found or "<think>" in text or "</think>" in text:
        shown = found.group(0).strip() if found else "<think>"
        return Check("no prompt leak", False, f"prompt scaffolding in the copy: {shown!r}.")
    return Check("no prompt leak", True, "no prompt text in the copy.")


def title_check(text: str, title: str, must_name: bool) -> Check:
    misspelt = (
        misspelt_title_words(text, title) + broken_titles(text, title) + garbled_titles(text, title)
    )
    if misspelt:
        return Check("title", False, f"the title is misspelt: {', '.join(misspelt)}.")
    sequels = sequels_named(text, title)
    if sequels:
        return Check("title", False, f"names another film, {sequels[0]!r}, not {title!r}.")
    if must_name and not names_the_title(text, title):
        return Check("title", False, f"the copy must name {title!r}.")
    return Check("title", True, "named exactly." if must_name else "not misspelt.")


def names_the_title(text: str, title: str) -> bool:
    """True if the title's words appear in the text, in order and side by side (any case)."""
    title_words = [word.removesuffix("'s") for word in words(title)]  # "del Toro's Pinocchio"
    text_words = [word.removesuffix("'s") for word in words(text)]
    span = len(title_words)
    if span == 0:
        return False
    return any(
        text_words[start : start + span] == title_words
        for start in range(len(text_words) - span + 1)
    )


def misspelt_title_words(text: str, title: str) -> list[str]:
    """Words of ``text`` that are a title word with letters glued on ("Poppinss", "Titanicc").

    A possessive ("Poppins's", "Poppins'") is fine, and so is a real word that merely starts
    like a title word: English ("Aliens" after "Alien", "shopkeeper" after "Gift Shop") or the
    kit's own ("Barbieland"). Hashtags are the hashtag check's business ("#GiftShop").
    """
    title_words = {word.lower() for word in LATIN_WORD.findall(title) if len(word) >= 4}
    real_words = (english_words(), corpus_words(), catalogue_words())  # kept apart: no copying
    glued = []
    for word in LATIN_WORD.findall(HASHTAG.sub(" ", text)):
        lower = base_form(word)
        starts_like_title = any(lower.startswith(title_word) for title_word in title_words)
        is_real = lower in title_words or any(lower in known for known in real_words)
        if starts_like_title and not is_real:
            glued.append(word)
    return glued


def _title_and_text_words(text: str, title: str) -> tuple[list[str], list[str], list[str]]:
    """The title's words in base form, the text's words as written, and the text's in base form."""
    text_words = LATIN_WORD.findall(text)
    return (
        [base_form(word) for word in LATIN_WORD.findall(title)],
        text_words,
        [base_form(word) for word in text_words],
    )


def broken_titles(text: str, title: str) -> list[str]:
    """Places where the title starts and then veers into a look-alike word.

    At least half of the title's words (two or more) are matched in order, and the next word
    starts with the same three letters as the title's next word without being it or its
    possessive: "Exit Through the Gift Shot" for *Exit Through the Gift Shop*. A title cut
    short by an ordinary word ("The Great War" for *The Great Dictator*) is not a misspelling.
    """
    title_words, text_words, lowered = _title_and_text_words(text, title)
    broken = []
    for start in range(len(lowered)):
        matched = 0
        while (
            matched < len(title_words) - 1
            and start + matched < len(lowered)
            and lowered[start + matched] == title_words[matched]
        ):
            matched += 1
        if matched < max(2, len(title_words) / 2) or start + matched >= len(lowered):
            continue
        expected, written = title_words[matched], lowered[start + matched]
        if written != expected and written[:3] == expected[:3]:
            broken.append(" ".join(text_words[start : start + matched + 1]))
    return broken


def garbled_titles(text: str, title: str) -> list[str]:
    """Places where the title's own words stand in the wrong slots: one word of a title of three
    or more swapped for another of its content words ("Sensibility and Sensibility" for *Sense
    and Sensibility*), the stutter of a model that half-remembers the title.

    Words of a correct mention do not count ("the Upper West Side, West Side Story"), nor do
    short words ("the lives of the people" for *The Lives of Others*).
    """
    title_words, text_words, lowered = _title_and_text_words(text, title)
    width = len(title_words)
    if width < 3:
        return []
    in_title = set()  # positions of words inside a correct mention
    for start in range(len(lowered) - width + 1):
        if lowered[start : start + width] == title_words:
            in_title.update(range(start, start + width))
    garbled = []
    for start in range(len(lowered) - width + 1):
        window = lowered[start : start + width]
        wrong = [i for i, (seen, meant) in enumerate(zip(window, title_words)) if seen != meant]
        if len(wrong) != 1 or in_title.intersection(range(start, start + width)):
            continue
        swapped = window[wrong[0]]
        if swapped in title_words and len(swapped) >= 4:
            garbled.append(" ".join(text_words[start : start + width]))
    return garbled


def sequels_named(text: str, title: str) -> list[str]:
    """Catalogue titles that extend this one ("Toy Story 2" for Toy Story) named in the text."""
    return [
        other
        for other in catalogue_titles()
        if other != title and other.startswith(title) and _mentions(text, other)
    ]


def _mentions(text: str, title: str) -> list[tuple[int, int]]:
    """Where the exact title stands in the text as whole words (a hashtag is not a mention)."""
    pattern = r"(?<![\w#])" + re.escape(title) + r"(?![\w])"
    return [match.span() for match in re.finditer(pattern, text)]


def repetition_check(text: str, title: str = "") -> Check:
    rate = repetition_rate(text)
    if rate > MAX_REPETITION:
        return Check("not repetitive", False, f"{rate:.0%} of its word trigrams repeat.")
    run = longest_word_run(text)
    if len(run) > MAX_RUN:
        return Check("not repetitive", False, f"{' '.join(run)!r}: one word over and over.")
    if title and title_echoes(text, title):
        return Check("not repetitive", False, f"says {title!r} twice in a row.")
    return Check("not repetitive", True, f"{rate:.0%} of its word trigrams repeat.")


def longest_word_run(text: str) -> list[str]:
    """The longest stretch of one word repeated back to back (any case), as written."""
    written = LATIN_WORD.findall(text)
    best, start = written[:1], 0
    for end in range(1, len(written) + 1):
        if end == len(written) or written[end].lower() != written[start].lower():
            if end - start > len(best):
                best = written[start:end]
            start = end
    return best


def title_echoes(text: str, title: str) -> bool:
    """The title said again within ``TITLE_ECHO_GAP`` words of the last time it was said."""
    mentions = _mentions(text, title)
    return any(
        len(LATIN_WORD.findall(text[end:start])) <= TITLE_ECHO_GAP
        for (_, end), (start, _) in itertools.pairwise(mentions)
    )


def facts_check(text: str, film, own_lines: Iterable[str] = ()) -> Check:
    """Genre claims, years and names agree with what the kit knows (:mod:`.facts`)."""
    title, genres = _field(film, "title"), _genres(film)
    year = _field(film, "year", None) if _has_field(film, "year") else None
    year = int(year) if year not in ("", None) and int(year) > 0 else None
    claims = wrong_genre_claims(text, title, genres)
    if claims:
        genre, words_used = claims[0]
        return Check("facts", False, f"{words_used!r} calls it {genre}; it is {', '.join(genres)}.")
    known = known_about(title, year, own_lines)
    years = wrong_years(text, year, known)
    if years:
        return Check("facts", False, f"says {years[0]}; the film is from {year}.")
    misspelt = " ".join(misspelt_title_words(text, title) + broken_titles(text, title))
    names = [name for name in unknown_names(text, known) if name not in misspelt]  # title's job
    if names:
        return Check(
            "facts",
            False,
            f"names {', '.join(names[:4])}: not in what the kit knows about the film"
            " (its logline, tagline and hand-written copy), so no one can vouch for it.",
        )
    return Check("facts", True, "genres, years and names agree with the film's facts.")


def originality_check(
    text: str, corpus: CorpusIndex, own_lines: Iterable[str], title: str = ""
) -> Check:
    """No sentence or long word run of the corpus (the film's own lines: a shorter run); the
    title does not count towards a run (:meth:`CorpusIndex.copied_parts`)."""
    copied = corpus.copied_parts(text, title)
    if own_lines:
        copied += CorpusIndex.from_texts(own_lines, copy_ngram=6).copied_parts(text, title)
    if copied:
        return Check("original", False, f"copied: {copied[0]!r}.")
    return Check("original", True, "no copied sentence.")


# ---------------------------------------------------------------- what the kit knows


@functools.cache
def catalogue_words() -> frozenset[str]:
    """Lower-case words of every title and logline in the kit's catalogue (names, places)."""
    from cinelab.data.embedded import read_films

    films = read_films()
    texts = list(films["title"]) + list(films["logline"].fillna(""))
    return base_forms_of(texts)


@functools.cache
def catalogue_titles() -> tuple[str, ...]:
    """Every title in the kit's catalogue."""
    from cinelab.data.embedded import read_films

    return tuple(read_films()["title"].drop_duplicates())


@functools.cache
def squashed_titles() -> dict[str, str]:
    """Every catalogue title as a hashtag would spell it ("drno"), and the title itself."""
    return {_squash(title): title for title in catalogue_titles()}


@functools.cache
def corpus_words() -> frozenset[str]:
    """Lower-case words of the kit's hand-written copy (characters, places, directors)."""
    from cinelab.textgen.corpus import all_written_copy

    return base_forms_of(all_written_copy()["text"])


@functools.cache
def default_corpus() -> CorpusIndex:
    """The kit's written copy (both corpora) plus every film's logline and tagline."""
    from cinelab.data.embedded import read_films
    from cinelab.textgen.corpus import all_written_copy

    films = read_films()
    texts = list(all_written_copy()["text"]) + [
        line for column in ("logline", "tagline") for line in films[column].dropna() if line
    ]
    return CorpusIndex.from_texts(texts)


def _squash(text: str) -> str:
    """Lower-case letters and digits only, accents dropped: "Amélie" and "#Amelie" agree."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", plain.lower())


def _field(film, name: str, default=None):
    value = film.get(name, default) if isinstance(film, Mapping) else getattr(film, name, default)
    if value is None:
        raise ValueError(f"A film needs {name!r} to be checked against; this one lacks it.")
    return "" if isinstance(value, float) else value  # a missing logline read by pandas is NaN


def _has_field(film, name: str) -> bool:
    return name in film if isinstance(film, Mapping) else hasattr(film, name)


def _genres(film) -> list[str]:
    genres = _field(film, "genres")
    return genres.split("|") if isinstance(genres, str) else list(genres)
