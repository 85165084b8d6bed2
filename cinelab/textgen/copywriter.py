"""Trailer copy for a film and an audience, written by a language model and checked.

The copywriter does three things, in order:

1. **Prompt.** Pick the film's genre the audience cares most about (the *angle*) and ask the
   model for copy. The kit's tiny model is asked with the header it was trained on
   (``social | Horror | Alien (1979)``); a chat model gets a short brief in its chat template.
2. **Decode.** Greedy or beam search gives one candidate; sampling gives several at once.
3. **Check.** Each candidate is checked (title mentioned when asked, length limit, nothing
   copied from the training corpus) and measured (distinct-1/2, repetition, perplexity).
   The most fluent candidate that passes wins; if none passes, the best one is returned with
   its failed checks visible, because a student should see the failure, not a silent retry.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd
import torch

from cinelab.data.embedded import read_films, read_ratings
from cinelab.textgen import decoding
from cinelab.textgen.audience import (
    GENERAL_AUDIENCE,
    Audience,
    audience_from_persona,
    taste_profile,
)
from cinelab.textgen.corpus import build_documents, format_header, load_copy
from cinelab.textgen.loading import KIT_MODEL_NAME, LanguageModel, load_language_model
from cinelab.textgen.metrics import (
    CorpusIndex,
    continuation_perplexity,
    distinct_n,
    repetition_rate,
    words,
)

WORDS_PER_SECOND = 2.5  # a trailer voice reads about 150 words a minute


@dataclass(frozen=True)
class CopyFormat:
    """What each kind of copy is and how long it may be."""

    description: str
    max_words: int | None = None
    max_characters: int | None = None
    max_new_tokens: int = 40
    mention_title: bool = False


FORMATS = {
    "tagline": CopyFormat("a one-line tagline for the poster", max_words=15, max_new_tokens=30),
    "voiceover": CopyFormat(
        "a 30-second trailer voice-over",
        max_words=int(30 * WORDS_PER_SECOND),
        max_new_tokens=90,
        mention_title=True,
    ),
    "social": CopyFormat(
        "a social media post", max_characters=280, max_new_tokens=70, mention_title=True
    ),
    "blurb": CopyFormat("a short blurb for a streaming catalogue", max_words=60, max_new_tokens=80),
}
STRATEGIES = ("greedy", "sample", "beam")


@dataclass(frozen=True)
class Film:
    """The facts the copywriter needs about a film."""

    title: str
    year: int
    genres: tuple[str, ...]
    logline: str = ""

    @classmethod
    def from_record(cls, record: Mapping) -> Film:
        missing = [key for key in ("title", "year", "genres") if key not in record]
        if missing:
            raise ValueError(f"A film needs title, year and genres; this one lacks {missing}.")
        genres = record["genres"]
        genres = tuple(genres.split("|")) if isinstance(genres, str) else tuple(genres)
        logline = record.get("logline", "")
        return cls(
            str(record["title"]), int(record["year"]), genres, "" if pd.isna(logline) else logline
        )


@dataclass
class CopyChecks:
    """Checks and measurements of one piece of copy."""

    mentions_title: bool | None  # None when the title was not asked for
    n_words: int
    n_characters: int
    within_length: bool
    copied_parts: list[str]
    distinct_1: float
    distinct_2: float
    repetition_rate: float
    perplexity: float

    @property
    def copied_from_corpus(self) -> bool:
        return bool(self.copied_parts)

    @property
    def passed(self) -> bool:
        return (
            self.mentions_title is not False and self.within_length and not self.copied_from_corpus
        )

    def as_dict(self) -> dict:
        return {
            "mentions title": self.mentions_title,
            "words": self.n_words,
            "characters": self.n_characters,
            "within length": self.within_length,
            "copied from corpus": self.copied_from_corpus,
            "distinct-1": round(self.distinct_1, 3),
            "distinct-2": round(self.distinct_2, 3),
            "repetition rate": round(self.repetition_rate, 3),
            "perplexity": round(self.perplexity, 2),
            "passed": self.passed,
        }


@dataclass
class Copy:
    """A written piece of copy, what it was written for, and how it fared."""

    text: str
    kind: str
    film: Film
    audience: Audience
    angle: str
    strategy: str
    checks: CopyChecks
    prompt_ids: torch.Tensor = field(repr=False)
    token_ids: torch.Tensor = field(repr=False)  # the chosen candidate's new tokens
    candidates: list[str] = field(default_factory=list, repr=False)


class TrailerCopywriter:
    """Write taglines, voice-overs, social posts and blurbs for a film and an audience.

    Parameters
    ----------
    model : str or LanguageModel
        ``"kit"`` (the kit's tiny GPT), a folder, a cached Hugging Face model id, or a loaded
        :class:`LanguageModel`. Loaded on first use.
    strategy : {"sample", "greedy", "beam"}
    temperature, top_k, top_p, repetition_penalty : decoding settings (see ``decoding``)
    num_beams : int
        Beams for ``strategy="beam"``.
    n_candidates : int
        Samples drawn at once with ``strategy="sample"``; the best passing one is returned.
    seed : int
        Fixes the random draws: the same prompt with the same seed gives the same copy, while
        different prompts (another film, angle or kind) get draws of their own.
    films, ratings : DataFrame, optional
        Catalogue and ratings, used to look up a film by ``item_id`` and an audience by
        ``user_id``; the kit's embedded dataset is used when they are needed and not given.
    """

    def __init__(
        self,
        model: str | LanguageModel = KIT_MODEL_NAME,
        *,
        strategy: str = "sample",
        temperature: float = 0.7,
        top_k: int | None = 50,
        top_p: float | None = 0.9,
        repetition_penalty: float = 1.1,
        num_beams: int = 4,
        n_candidates: int = 8,
        seed: int = 0,
        films: pd.DataFrame | None = None,
        ratings: pd.DataFrame | None = None,
    ):
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}.")
        self.model = model
        self.strategy = strategy
        self.temperature = temperature
        self.top_k = top_k
        self.top_p = top_p
        self.repetition_penalty = repetition_penalty
        self.num_beams = num_beams
        self.n_candidates = n_candidates
        self.seed = seed
        self.films = films
        self.ratings = ratings

    # ------------------------------------------------------------ lazily loaded resources

    @cached_property
    def language_model(self) -> LanguageModel:
        if isinstance(self.model, LanguageModel):
            return self.model
        return load_language_model(self.model)

    @cached_property
    def catalogue(self) -> pd.DataFrame:
        if self.films is not None:
            return self.films
        return read_films()

    @cached_property
    def corpus_index(self) -> CorpusIndex:
        """Every line the kit's model was trained on (train and validation films alike)."""
        documents = build_documents(read_films(), load_copy())
        return CorpusIndex.from_texts(documents["text"])

    # ------------------------------------------------------------ public API

    def write(
        self,
        film,
        audience=None,
        kind: str = "tagline",
        *,
        mention_title: bool | None = None,
        seed: int | None = None,
    ) -> Copy:
        """Write one piece of copy.

        Parameters
        ----------
        film : int, Mapping or Film
            An ``item_id`` of the catalogue, or a record with title, year, genres (and logline).
        audience : None, str, int or Audience
            Everyone, a persona in words, a ``user_id`` (taste profile from ratings), or an Audience.
        kind : {"tagline", "voiceover", "social", "blurb"}
        mention_title : bool, optional
            Require the title in the text (default: yes for voice-overs and social posts).
        seed : int, optional
            Overrides the writer's seed for this call.
        """
        if kind not in FORMATS:
            raise ValueError(f"kind must be one of {list(FORMATS)}, got {kind!r}.")
        film = self.resolve_film(film)
        audience = self.resolve_audience(audience)
        copy_format = FORMATS[kind]
        must_mention = copy_format.mention_title if mention_title is None else mention_title
        angle = audience.angle_for(list(film.genres))
        opening = self.opening(film, must_mention)
        prompt_ids = self.prompt_ids(film, audience, kind, angle, must_mention)
        candidates = self.generate(
            prompt_ids,
            copy_format.max_new_tokens,
            prompt_seed(self.seed if seed is None else seed, prompt_ids),
        )
        scored = []
        for continuation, ids in candidates:
            text = (opening + continuation).strip()
            checks = self.check(text, ids, prompt_ids, film, copy_format, must_mention)
            scored.append((checks, text, ids))
        checks, text, ids = min(scored, key=lambda item: (not item[0].passed, item[0].perplexity))
        candidate_texts = [candidate[1] for candidate in scored]
        return Copy(
            text,
            kind,
            film,
            audience,
            angle,
            self.strategy,
            checks,
            prompt_ids,
            ids,
            candidate_texts,
        )

    def opening(self, film: Film, mention_title: bool) -> str:
        """Words the copy starts with, written into the prompt before the model continues.

        A tiny model rarely copies a title from its header into the copy, so when the title is
        required the kit's model is *primed* with it: the copy starts with the title and the
        model writes the rest ("Alien is ..."). A chat model is simply asked to mention it.
        """
        if mention_title and not self.language_model.has_chat_template:
            return film.title
        return ""

    def resolve_film(self, film) -> Film:
        if isinstance(film, Film):
            return film
        if isinstance(film, Mapping | pd.Series):
            return Film.from_record(dict(film))
        rows = self.catalogue[self.catalogue["item_id"] == film]
        if rows.empty:
            raise ValueError(f"No film with item_id {film!r} in the catalogue.")
        return Film.from_record(rows.iloc[0].to_dict())

    def resolve_audience(self, audience) -> Audience:
        if audience is None:
            return GENERAL_AUDIENCE
        if isinstance(audience, Audience):
            return audience
        if isinstance(audience, str):
            return audience_from_persona(audience)
        ratings = self.ratings
        if ratings is None:
            ratings = self.ratings = read_ratings()
        return taste_profile(ratings, self.catalogue, audience)

    def prompt_ids(
        self, film: Film, audience: Audience, kind: str, angle: str, mention_title: bool
    ) -> torch.Tensor:
        """The prompt: the training header for a plain LM, a short brief for a chat model."""
        lm = self.language_model
        if not lm.has_chat_template:
            opening = self.opening(film, mention_title)
            header = format_header(kind, angle, film.title, film.year)
            return lm.encode(f"{header} {opening}".rstrip())  # (1, length)
        return lm.encode_chat(chat_brief(film, audience, kind, angle, mention_title))

    def generate(
        self, prompt_ids: torch.Tensor, max_new_tokens: int, seed: int
    ) -> list[tuple[str, torch.Tensor]]:
        """Decode with the writer's strategy; return (text, new token ids) per candidate."""
        lm = self.language_model
        room = lm.context_length - prompt_ids.shape[1]
        max_new_tokens = min(max_new_tokens, room)
        if max_new_tokens < 1:
            raise ValueError(
                f"The prompt fills the model's whole context ({lm.context_length} tokens)."
            )
        if self.strategy == "greedy":
            outputs = decoding.greedy(
                lm.model, prompt_ids, max_new_tokens, repetition_penalty=self.repetition_penalty
            )
        elif self.strategy == "beam":
            outputs = decoding.beam_search(lm.model, prompt_ids, self.num_beams, max_new_tokens)
        else:
            outputs = decoding.sample(
                lm.model,
                prompt_ids.repeat(self.n_candidates, 1),  # (n_candidates, prompt_length)
                max_new_tokens,
                temperature=self.temperature,
                top_k=self.top_k,
                top_p=self.top_p,
                repetition_penalty=self.repetition_penalty,
                seed=seed,
            )
        return [self._cut(row[prompt_ids.shape[1] :]) for row in outputs]

    def _cut(self, new_ids: torch.Tensor) -> tuple[str, torch.Tensor]:
        """Drop everything from the first end-of-text token on."""
        stop_ids, _ = decoding.stop_and_pad_ids(self.language_model.model, None)
        ends = torch.nonzero(torch.isin(new_ids, stop_ids))
        if len(ends):
            new_ids = new_ids[: ends[0, 0]]
        return self.language_model.decode(new_ids), new_ids

    def check(
        self,
        text: str,
        new_ids: torch.Tensor,
        prompt_ids: torch.Tensor,
        film: Film,
        copy_format: CopyFormat,
        mention_title: bool,
    ) -> CopyChecks:
        """Check and measure one candidate."""
        n_words = len(text.split())
        within = n_words > 0
        if copy_format.max_words is not None:
            within &= n_words <= copy_format.max_words
        if copy_format.max_characters is not None:
            within &= len(text) <= copy_format.max_characters
        perplexity = (
            continuation_perplexity(self.language_model.model, prompt_ids[0], new_ids)
            if len(new_ids)
            else float("inf")
        )
        return CopyChecks(
            mentions_title=mentions_title(text, film.title) if mention_title else None,
            n_words=n_words,
            n_characters=len(text),
            within_length=bool(within),
            copied_parts=self.corpus_index.copied_parts(text),
            distinct_1=distinct_n(text, 1),
            distinct_2=distinct_n(text, 2),
            repetition_rate=repetition_rate(text),
            perplexity=perplexity,
        )


def prompt_seed(seed: int, prompt_ids: torch.Tensor) -> int:
    """A seed for one prompt: ``seed`` mixed with a checksum of the prompt's token ids.

    With one shared seed, two prompts whose next-token distributions are close would draw
    the very same tokens; mixing in the prompt keeps runs reproducible but independent.
    """
    checksum = zlib.crc32(prompt_ids.numpy().astype("int64").tobytes(), seed & 0xFFFFFFFF)
    return checksum & 0x7FFFFFFF


def mentions_title(text: str, title: str) -> bool:
    """True if the title's words appear in the text, in order and side by side (any case)."""
    title_words, text_words = words(title), words(text)
    span = len(title_words)
    if span == 0:
        return False
    return any(
        text_words[start : start + span] == title_words
        for start in range(len(text_words) - span + 1)
    )


def chat_brief(
    film: Film, audience: Audience, kind: str, angle: str, mention_title: bool
) -> list[dict]:
    """A short instruction for a chat model: the film, the audience, the format and its limits."""
    copy_format = FORMATS[kind]
    limits = []
    if copy_format.max_words:
        limits.append(f"at most {copy_format.max_words} words")
    if copy_format.max_characters:
        limits.append(f"at most {copy_format.max_characters} characters")
    if mention_title:
        limits.append(f"mention the title {film.title!r}")
    brief = (
        f"Write {copy_format.description} for {film.title} ({film.year}), a "
        f"{'/'.join(film.genres)} film. Premise: {film.logline or 'not given'}. "
        f"Audience: {audience.describe()}. Play up the {angle} side of the film. "
        f"Rules: {', '.join(limits) or 'keep it short'}; no spoilers; reply with the copy only."
    )
    return [
        {
            "role": "system",
            "content": "You are a film trailer copywriter. You write original, vivid copy.",
        },
        {"role": "user", "content": brief},
    ]
