"""Trailer copy for a film and a viewer, written by a language model and checked.

The copywriter does three things, in order:

1. **Prompt.** Pick the film's genre the viewer cares most about (the *angle*) and ask the
   model for copy, with the film's facts (year, genres, logline) and the viewer's taste
   (angle, a favourite film, a persona in words). The kit's own model is asked with the
   prompt it was trained on (:func:`~cinelab.textgen.corpus.build_prompt`); a chat model
   gets a short brief in its chat template, after two of the kit's hand-written pieces of the
   same kind for other films, shown as earlier answers (few-shot prompting), or alone when
   the kit's copy adapter is merged into it (:mod:`~cinelab.textgen.adapter`).
2. **Decode.** Greedy or beam search gives one candidate; sampling gives several, which share
   one reading of the prompt (its key/value cache is computed once and copied). With
   ``guidance`` above 1, the kit's model is steered towards the viewer's angle and away from
   the film's other genre (classifier-free guidance, :func:`~cinelab.textgen.decoding.guide_logits`),
   so the angle shows in the copy more than the small model shows it by itself.
3. **Check.** Every candidate goes through :func:`~cinelab.textgen.checks.check_copy`
   (length, fluency, hashtags, prompt leaks, title, repetition, originality) and is measured
   (perplexity from the log-probabilities recorded while decoding, distinct-1/2, repetition).
   The most fluent candidate that passes wins; if none passes, the one with the fewest
   failures is returned with its failed checks visible, because a student should see the
   failure, not a silent retry.

By default (``model="auto"``) the writer uses the smallest pretrained chat model that has been
pulled (``cinelab models pull smollm2-135m-instruct``) and the kit's own model otherwise.
"""

from __future__ import annotations

import json
import math
import numbers
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from pathlib import Path

import pandas as pd
import torch

from cinelab.arguments import number_in_range, positive_int
from cinelab.data.embedded import read_films, read_ratings
from cinelab.textgen.adapter import kit_adapter, merge_adapter
from cinelab.textgen.angle_judge import judge_viewers, kit_angle_judge
from cinelab.textgen.audience import (
    GENERAL_AUDIENCE,
    Audience,
    audience_from_persona,
    taste_profile,
)
from cinelab.textgen.checks import (
    LATIN_WORD,
    LENGTH_LIMITS,
    CopyReport,
    check_copy,
    default_corpus,
    names_the_title,
)
from cinelab.textgen.corpus import build_prompt, contrast_angle, example_lines
from cinelab.textgen.decoding import (
    beam_search_with_score,
    check_settings,
    greedy_with_log_probs,
    next_token_distribution,
    sample_candidates,
    stop_and_pad_ids,
)
from cinelab.textgen.lexicon import Lexicon, RealWordsFilter
from cinelab.textgen.loading import (
    KIT_MODEL_DIR,
    KIT_MODEL_NAME,
    LanguageModel,
    load_language_model,
)
from cinelab.textgen.metrics import (
    CorpusIndex,
    ViewerContrast,
    distinct_n,
    repetition_rate,
    viewer_contrast,
    words,
)
from cinelab.textgen.pretrained import (
    ChatModel,
    cached,
    check_model_folder,
    load_chat,
    strip_thinking,
)

AUTO = "auto"
STRATEGIES = ("greedy", "sample", "beam")
MAX_GUIDANCE = 10.0  # far beyond this the contrast drowns the model: noise, not copy
MAX_EXAMPLES = 5  # more examples lengthen every prompt and teach the format no better
DEFAULT_EXAMPLES = 2  # shown to a chat model without a copy adapter


@dataclass(frozen=True)
class CopyFormat:
    """What each kind of copy is, what a chat model is told, and whether the kit's model knows it."""

    description: str
    instruction: str
    kit_trained: bool  # the kit's own model was trained on this kind


FORMATS = {
    "tagline": CopyFormat(
        "a one-line tagline for the poster", "One line, no quotation marks.", True
    ),
    "voiceover": CopyFormat(
        "a 30-second trailer voice-over",
        "Short spoken sentences for the trailer voice; name the film.",
        True,
    ),
    "social": CopyFormat(
        "a social media post",
        "Name the film; one or two hashtags of its genres or its title.",
        True,
    ),
    "blurb": CopyFormat(
        "a short blurb for a streaming catalogue", "Two or three sentences, no spoilers.", True
    ),
    "continuation": CopyFormat(
        "the next sentences of the film's logline",
        "Continue the premise with more set-up only: no ending, twist or death.",
        True,
    ),
    "scene": CopyFormat(
        "a description of one scene from the first act",
        "Describe place, light, sound and what the characters do, in the present tense.",
        False,
    ),
    "dialogue": CopyFormat(
        "a short two-character dialogue from the first act",
        "Write 4 to 8 lines as NAME: line, between two characters; no famous quotes.",
        False,
    ),
    "description": CopyFormat(
        "a personalised description of the film for this viewer",
        "Tell this viewer, in the second person, why the film is for them; name the film.",
        False,
    ),
}
assert set(FORMATS) == set(LENGTH_LIMITS)


@dataclass(frozen=True)
class DecodingSettings:
    """How the writer decodes; every value is checked when the settings are made."""

    strategy: str = "sample"
    temperature: float = 0.7
    top_k: int | None = 50
    top_p: float | None = 0.9
    repetition_penalty: float = 1.1
    num_beams: int = 4
    n_candidates: int = 8
    seed: int = 0
    guidance: float = 2.0  # steer towards the viewer's angle (1: off); benchmarks/README.md
    real_words: bool = True  # the kit's model may only spell real words (textgen.lexicon)
    examples: int | None = None  # hand-written pieces a chat model sees first (None: its default)

    def __post_init__(self):
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {self.strategy!r}.")
        check_settings(
            temperature=self.temperature,
            top_k=self.top_k,
            top_p=self.top_p,
            repetition_penalty=self.repetition_penalty,
        )
        for name in ("num_beams", "n_candidates"):
            positive_int(getattr(self, name), name)
        number_in_range(self.guidance, "guidance", 1, MAX_GUIDANCE)  # 1: off
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise TypeError(f"seed must be an integer, got {self.seed!r}.")
        if not isinstance(self.real_words, bool):
            raise TypeError(f"real_words must be True or False, got {self.real_words!r}.")
        if self.examples is not None:
            if isinstance(self.examples, bool) or not isinstance(self.examples, int):
                raise TypeError(f"examples must be a whole number or None, got {self.examples!r}.")
            number_in_range(self.examples, "examples", 0, MAX_EXAMPLES)


@dataclass(frozen=True)
class Film:
    """The facts the copywriter needs about a film."""

    title: str
    year: int
    genres: tuple[str, ...]
    logline: str = ""
    tagline: str = ""

    @classmethod
    def from_record(cls, record: Mapping) -> Film:
        missing = [key for key in ("title", "year", "genres") if key not in record]
        if missing:
            raise ValueError(f"A film needs title, year and genres; this one lacks {missing}.")
        genres = record["genres"]
        genres = tuple(genres.split("|")) if isinstance(genres, str) else tuple(genres)
        text = {key: record.get(key, "") for key in ("logline", "tagline")}
        text = {key: value if isinstance(value, str) else "" for key, value in text.items()}
        return cls(str(record["title"]), int(record["year"]), genres, **text)


@dataclass
class Candidate:
    """One decoded continuation: its text, token ids, checks and measurements."""

    text: str
    token_ids: torch.Tensor = field(repr=False)  # (n_new,) up to the end-of-text token
    checks: CopyReport
    perplexity: float

    @property
    def measures(self) -> dict[str, float]:
        return {
            "words": len(self.text.split()),
            "characters": len(self.text),
            "perplexity": round(self.perplexity, 2),
            "distinct-1": round(distinct_n(self.text, 1), 3),
            "distinct-2": round(distinct_n(self.text, 2), 3),
            "repetition rate": round(repetition_rate(self.text), 3),
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
    model_name: str
    checks: CopyReport
    measures: dict[str, float]
    prompt_ids: torch.Tensor = field(repr=False)  # (1, prompt_length)
    token_ids: torch.Tensor = field(repr=False)  # the chosen candidate's new tokens
    candidates: list[Candidate] = field(default_factory=list, repr=False)
    contrast_ids: torch.Tensor | None = field(default=None, repr=False)  # steered away from


class UnsupportedFormat(ValueError):
    """The model was not trained for this kind of text (it would print noise)."""


class TrailerCopywriter:
    """Write taglines, voice-overs, social posts, blurbs, continuations, scenes and dialogue.

    Parameters
    ----------
    model : str, ChatModel or LanguageModel
        ``"auto"`` (the smallest pulled chat model, else the kit's), ``"kit"``, a registry
        name such as ``"smollm2-135m-instruct"``, a saved model folder, or a loaded model.
        Loaded on first use.
    strategy, temperature, top_k, top_p, repetition_penalty, num_beams, n_candidates, seed
        Decoding settings (see :class:`DecodingSettings`); change them later with
        :meth:`configure`, which checks them.
    guidance : float
        How hard the kit's model is pushed towards the viewer's angle (1: not at all). Each
        step compares the prompt with the viewer's angle and the same prompt with the film's
        first other genre, and amplifies the difference ``guidance`` times. Used by greedy
        and sampling, for films of two or more genres; both prompts' rows go through the
        model in one batch, so a step costs about 1.5 times an unguided one.
    real_words : bool
        Let the kit's model spell only real words (:mod:`~cinelab.textgen.lexicon`): tokens
        that would start a word neither English nor the catalogue's are vetoed while sampling
        or decoding greedily. Chat models, which spell well, are never constrained.
    adapter : "auto", None or folder
        A copy adapter (:mod:`~cinelab.textgen.adapter`) merged into a chat model's weights:
        ``"auto"`` uses the one the kit ships for a registry model when there is one
        (``smollm2-135m-instruct``, trained on the kit's copy), None none, a folder that
        adapter. A model with an adapter has learned the format, so it is shown no examples
        unless ``examples`` is given.
    films, ratings : DataFrame, optional
        Catalogue and ratings, used to look up a film by ``item_id`` and a viewer by
        ``user_id``; the kit's embedded dataset is used when they are needed and not given.
    """

    def __init__(
        self,
        model=AUTO,
        *,
        adapter: str | Path | None = AUTO,
        films: pd.DataFrame | None = None,
        ratings: pd.DataFrame | None = None,
        **settings,
    ):
        self.model = model
        self.adapter = adapter
        self.settings = DecodingSettings()
        self.configure(**settings)
        self.films = films
        self.ratings = ratings
        self._film_filter: tuple[tuple, RealWordsFilter] | None = None  # the last film's veto

    def configure(self, **changes) -> DecodingSettings:
        """Change decoding settings; invalid values are refused and nothing changes."""
        unknown = set(changes) - set(DecodingSettings.__dataclass_fields__)
        if unknown:
            raise ValueError(
                f"Unknown setting(s) {sorted(unknown)}; the settings are"
                f" {list(DecodingSettings.__dataclass_fields__)}."
            )
        self.settings = replace(self.settings, **changes)
        return self.settings

    def __getattr__(self, name: str):
        """Read a decoding setting as an attribute (``writer.temperature``)."""
        if name in DecodingSettings.__dataclass_fields__:
            return getattr(self.__dict__.get("settings", DecodingSettings()), name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # ------------------------------------------------------------ lazily loaded resources

    @cached_property
    def language_model(self):
        """The loaded model: a :class:`~cinelab.textgen.ChatModel` or the kit's."""
        return load_writer_model(self.model, self.adapter)

    @property
    def is_chat(self) -> bool:
        return isinstance(self.language_model, ChatModel)

    @property
    def corpus_index(self) -> CorpusIndex:
        """What counts as copying: the kit's written copy and every film's logline and tagline."""
        return default_corpus()

    @cached_property
    def catalogue(self) -> pd.DataFrame:
        return self.films if self.films is not None else read_films()

    # ------------------------------------------------------------ public API

    def write(
        self,
        film,
        audience=None,
        kind: str = "tagline",
        *,
        names_title: bool | None = None,
        seed: int | None = None,
    ) -> Copy:
        """Write one piece of copy.

        Parameters
        ----------
        film : int, Mapping or Film
            An ``item_id`` of the catalogue, or a record with title, year, genres (and logline).
        audience : None, str, int or Audience
            Everyone, a persona in words, a ``user_id`` (taste read from ratings), or an Audience.
        kind : str
            One of ``FORMATS``: tagline, voiceover, social, blurb, continuation, scene,
            dialogue, description.
        names_title : bool, optional
            Require the title in the text (default: the kind's rule).
        seed : int, optional
            Overrides the writer's seed for this call.
        """
        if kind not in FORMATS:
            raise ValueError(f"kind must be one of {list(FORMATS)}, got {kind!r}.")
        self._require_format(kind)
        film, audience = self.resolve_film(film), self.resolve_audience(audience)
        must_name = LENGTH_LIMITS[kind].names_title if names_title is None else names_title
        angle = audience.angle_for(list(film.genres))
        opening = self.opening(film, must_name)
        prompt_ids = self.prompt_ids(film, audience, kind, angle, opening)
        contrast_ids = self.contrast_ids(film, audience, kind, angle, opening)
        budget = token_budget(self.language_model.tokenizer, kind)
        seed = self.settings.seed if seed is None else seed
        candidates = [
            self._candidate(opening, ids, log_probs, film, kind, must_name)
            for ids, log_probs in self.generate(
                prompt_ids, budget, prompt_seed(seed, prompt_ids), film, contrast_ids
            )
        ]
        best = min(candidates, key=lambda c: (len(c.checks.failed), c.perplexity))
        return Copy(
            best.text,
            kind,
            film,
            audience,
            angle,
            self.settings.strategy,
            self.model_name,
            best.checks,
            best.measures,
            prompt_ids,
            best.token_ids,
            candidates,
            contrast_ids,
        )

    def compare_viewers(
        self, film, viewer_a, viewer_b, kind: str = "tagline", seeds=range(4)
    ) -> tuple[pd.DataFrame, ViewerContrast]:
        """Write ``kind`` for two viewers with the same seeds and measure how much they differ.

        Returns the copy (one row per seed: ``seed, viewer_a, viewer_b``) and a
        :class:`~cinelab.textgen.metrics.ViewerContrast`: the distance between the two viewers'
        copy beside the distance between two seeds for one viewer (the noise floor), and, when
        the two viewers have different angles on the film, whether the angle judge
        (:func:`~cinelab.textgen.angle_judge.kit_angle_judge`) puts each piece with its viewer.
        """
        film = self.resolve_film(film)
        viewer_a, viewer_b = self.resolve_audience(viewer_a), self.resolve_audience(viewer_b)
        copies = [
            (
                seed,
                self.write(film, viewer_a, kind, seed=seed),
                self.write(film, viewer_b, kind, seed=seed),
            )
            for seed in seeds
        ]
        table = pd.DataFrame(
            [{"seed": seed, "viewer_a": a.text, "viewer_b": b.text} for seed, a, b in copies]
        )
        contrast = viewer_contrast(list(table["viewer_a"]), list(table["viewer_b"]))
        angle_a, angle_b = copies[0][1].angle, copies[0][2].angle
        judge = kit_angle_judge()
        if angle_a != angle_b and {angle_a, angle_b} <= set(judge.angles_):
            verdict = judge_viewers(
                judge,
                list(table["viewer_a"]),
                list(table["viewer_b"]),
                film.title,
                angle_a,
                angle_b,
            )
            contrast = replace(contrast, angles=verdict)
        return table, contrast

    @property
    def model_name(self) -> str:
        return self.language_model.name

    def opening(self, film: Film, must_name: bool) -> str:
        """Words the copy starts with, written into the prompt before the model continues.

        A small model often forgets to copy the title from its prompt into the copy (the kit's
        nearly always; SmolLM2-135M in half of its chosen voice-overs and social posts, even
        shown examples), so when the title is required the answer is *primed* with it: the copy
        starts with the title and the model writes the rest ("Alien ..."). A chat model is asked
        to name it as well.
        """
        return film.title if must_name else ""

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
        if isinstance(audience, bool) or not isinstance(audience, numbers.Integral):
            raise TypeError(
                "audience must be None (everyone), a persona in words, a user id or an"
                f" Audience; got {audience!r}."
            )
        if self.ratings is None:
            self.ratings = read_ratings()
        return taste_profile(self.ratings, self.catalogue, audience)

    def prompt_ids(
        self, film: Film, audience: Audience, kind: str, angle: str, opening: str = ""
    ) -> torch.Tensor:
        """The prompt's token ids, shape (1, length): the kit's training prompt, or a chat brief."""
        lm = self.language_model
        if self.is_chat:
            return self.chat_prompt_ids(film, audience, kind, angle, opening)
        if kit_prompt_style(lm) == "header":
            from cinelab.textgen.corpus import format_header  # the first kit model's prompt

            return lm.encode(
                f"{format_header(kind, angle, film.title, film.year)} {opening}".rstrip()
            )
        favourite = audience.favourite_films[0] if audience.favourite_films else None
        prompt = build_prompt(film, kind, angle=angle, favourite_film=favourite)
        return lm.encode(f"{prompt} {opening}".rstrip())

    def chat_prompt_ids(
        self, film: Film, audience: Audience, kind: str, angle: str, opening: str = ""
    ) -> torch.Tensor:
        """The chat brief after ``settings.examples`` hand-written examples, or as many of them
        as leave room in the model's context for the answer, then the answer's ``opening``;
        shape (1, length)."""
        lm = self.language_model
        opening_ids = torch.tensor([lm.tokenizer(opening, add_special_tokens=False)["input_ids"]])
        room_needed = opening_ids.shape[1] + token_budget(lm.tokenizer, kind)
        for n in range(self.examples_shown(), -1, -1):
            examples = example_lines(film.title, film.year, kind, angle, n)
            ids = lm.encode(chat_brief(film, audience, kind, angle, examples))
            if ids.shape[1] + room_needed <= lm.context_length:
                break
        return torch.cat([ids, opening_ids.to(ids.dtype)], dim=1)  # (1, length)

    def examples_shown(self) -> int:
        """``settings.examples``, or when it is not set: none for a chat model with a copy
        adapter (it learned the format), :data:`DEFAULT_EXAMPLES` for any other."""
        if self.settings.examples is not None:
            return self.settings.examples
        return 0 if getattr(self.language_model, "adapter", None) else DEFAULT_EXAMPLES

    def contrast_ids(
        self, film: Film, audience: Audience, kind: str, angle: str, opening: str = ""
    ) -> torch.Tensor | None:
        """The prompt guidance steers away from: the same viewer, the film's first other genre.

        None when nothing is guided: ``guidance`` 1, beam search, a chat model (it reads the
        angle in words), or a film of one genre (no other angle to contrast with).
        """
        settings = self.settings
        if settings.guidance == 1 or settings.strategy == "beam" or self.is_chat:
            return None
        other = contrast_angle(film.genres, angle)
        return None if other is None else self.prompt_ids(film, audience, kind, other, opening)

    def generate(
        self,
        prompt_ids: torch.Tensor,
        max_new_tokens: int,
        seed: int,
        film: Film | None = None,
        contrast_ids: torch.Tensor | None = None,
    ) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Decode with the writer's strategy: (new token ids, their log-probs) per candidate.

        With ``real_words`` (the kit's model only), ``film``'s own words count as real. With
        ``contrast_ids``, greedy and sampling are guided away from that prompt by ``guidance``.
        """
        guide = {}
        if contrast_ids is not None:
            guide = {"contrast_ids": contrast_ids, "guidance": self.settings.guidance}
        lm, settings = self.language_model, self.settings
        room = lm.context_length - prompt_ids.shape[1]
        if room < 1:
            raise ValueError(
                f"The prompt ({prompt_ids.shape[1]} tokens) fills the model's whole context"
                f" ({lm.context_length} tokens)."
            )
        max_new_tokens = min(max_new_tokens, room)
        if settings.strategy == "beam":
            ids, score = beam_search_with_score(
                lm.model, prompt_ids, settings.num_beams, max_new_tokens
            )
            new_ids = ids[0, prompt_ids.shape[1] :]
            return [self._until_end(new_ids, torch.full((len(new_ids),), float(score)))]
        token_filter = self.real_words_filter(film) if settings.real_words else None
        if settings.strategy == "greedy":
            generation = greedy_with_log_probs(
                lm.model,
                prompt_ids,
                max_new_tokens,
                repetition_penalty=settings.repetition_penalty,
                token_filter=token_filter,
                **guide,
            )
        else:
            generation = sample_candidates(
                lm.model,
                prompt_ids,
                settings.n_candidates,
                max_new_tokens,
                temperature=settings.temperature,
                top_k=settings.top_k,
                top_p=settings.top_p,
                repetition_penalty=settings.repetition_penalty,
                seed=seed,
                token_filter=token_filter,
                **guide,
            )
        new = generation.sequences[:, generation.prompt_length :]  # (n, n_new)
        return [
            self._until_end(row, scores) for row, scores in zip(new, generation.token_log_probs)
        ]

    def real_words_filter(self, film: Film | None) -> RealWordsFilter | None:
        """The lexicon veto for the kit's model (None for a chat model: it spells well)."""
        if self.is_chat:
            return None
        if film is None:
            return RealWordsFilter(self.language_model.tokenizer, Lexicon())
        key = (self.language_model.tokenizer, film.title, film.logline, film.tagline)
        if self._film_filter is None or self._film_filter[0] != key:
            # kept for the next call: more copy for the same film asks the same questions, and
            # the filter remembers its verdicts (about 9 % less time per piece from the second on)
            lexicon = Lexicon(words(f"{film.title} {film.logline} {film.tagline}"))
            title_words = LATIN_WORD.findall(film.title)
            veto = RealWordsFilter(self.language_model.tokenizer, lexicon, closed_words=title_words)
            self._film_filter = key, veto
        return self._film_filter[1]

    def step_distribution(self, copy: Copy, step: int, top_n: int = 12) -> pd.DataFrame:
        """The ``top_n`` likeliest tokens before token ``step`` of ``copy``, plus the one chosen.

        Columns ``token, model_probability, sampling_probability, chosen``: what the model
        says, what the sampler drew from after the writer's guidance, temperature, top-k, top-p
        and penalty, and which token the copy actually has there.
        """
        if not 0 <= step < len(copy.token_ids):
            raise ValueError(f"step must be in [0, {len(copy.token_ids) - 1}], got {step}.")
        prefix = torch.cat([copy.prompt_ids[0], copy.token_ids[:step]])  # (prompt + step,)
        settings, model = self.settings, self.language_model.model
        guide = {}
        if copy.contrast_ids is not None:
            contrast = torch.cat(
                [copy.contrast_ids[0], copy.token_ids[:step]]
            )  # (contrast + step,)
            guide = {"contrast_ids": contrast, "guidance": settings.guidance}
        plain = next_token_distribution(model, prefix)  # (vocab,)
        sampling = next_token_distribution(
            model,
            prefix,
            temperature=settings.temperature,
            top_k=settings.top_k,
            top_p=settings.top_p,
            repetition_penalty=settings.repetition_penalty,
            **guide,
        )  # (vocab,)
        chosen = int(copy.token_ids[step])
        ids = torch.topk(plain, min(top_n, len(plain))).indices.tolist()
        ids += [] if chosen in ids else [chosen]
        tokenizer = self.language_model.tokenizer
        return pd.DataFrame(
            {
                "token": [tokenizer.decode([token]) for token in ids],
                "model_probability": plain[ids].tolist(),
                "sampling_probability": sampling[ids].tolist(),
                "chosen": [token == chosen for token in ids],
            }
        )

    # ------------------------------------------------------------ internals

    def _require_format(self, kind: str) -> None:
        if self.is_chat or FORMATS[kind].kit_trained and kit_knows(self.language_model, kind):
            return
        raise UnsupportedFormat(
            f"The kit's small model was not trained to write {FORMATS[kind].description}, so it"
            " would only print noise. Pull a chat model once while online (`cinelab models pull"
            " smollm2-135m-instruct`) and write with TrailerCopywriter('smollm2-135m-instruct')."
        )

    def _until_end(self, new_ids: torch.Tensor, log_probs: torch.Tensor):
        """Keep the tokens before the first end-of-text token (and their log-probs)."""
        stop_ids, _ = stop_and_pad_ids(self.language_model.model, None)
        ends = torch.nonzero(torch.isin(new_ids, stop_ids))
        end = int(ends[0, 0]) if len(ends) else len(new_ids)
        return new_ids[:end], log_probs[:end]

    def _candidate(self, opening, ids, log_probs, film, kind, must_name) -> Candidate:
        text = clean_copy(opening + self.language_model.decode(ids))
        perplexity = math.exp(-float(log_probs.mean())) if len(ids) else float("inf")
        checks = check_copy(text, film, kind, names_title=must_name)
        return Candidate(text, ids, checks, perplexity)


# ---------------------------------------------------------------- prompts


def chat_brief(
    film: Film, audience: Audience, kind: str, angle: str, examples: pd.DataFrame | None = None
) -> list[dict]:
    """The brief for a chat model: the film's facts, the viewer, the format and its limits.

    ``examples`` (rows of :func:`~cinelab.textgen.corpus.example_lines`) come first, as earlier
    turns of the conversation: the same brief for another film, answered with the copy we
    wrote for it. A small instruct model follows a format it has just seen far better than
    one it is only told about (few-shot prompting).
    """
    shots = []
    for example in () if examples is None else examples.itertuples():
        example_film = Film.from_record(example._asdict())
        brief = _brief(example_film, GENERAL_AUDIENCE, kind, example.angle)
        shots += [
            {"role": "user", "content": brief},
            {"role": "assistant", "content": example.text},
        ]
    return [
        {"role": "system", "content": "You are a film trailer copywriter. You write original,"
         " vivid, accurate copy in plain English."},
        *shots,
        {"role": "user", "content": _brief(film, audience, kind, angle)},
    ]  # fmt: skip


def _brief(film: Film, audience: Audience, kind: str, angle: str) -> str:
    """One request, in words: the film, the viewer, the kind of copy and its rules."""
    copy_format, limits = FORMATS[kind], LENGTH_LIMITS[kind]
    rules = [f"at least {limits.min_words} words"]
    if limits.max_words:
        rules.append(f"at most {limits.max_words} words")
    if limits.max_characters:
        rules.append(f"at most {limits.max_characters} characters")
    if limits.names_title:
        rules.append(f"name the film as {film.title}")
    viewer = audience.describe() if audience is not GENERAL_AUDIENCE else "a general audience"
    return (
        f"Film: {film.title} ({film.year}). Genres: {', '.join(film.genres)}.\n"
        f"Premise: {film.logline or 'not given'}\n"
        f"Viewer: {viewer}. Play up the film's {angle} side for them.\n"
        f"Write {copy_format.description}. {copy_format.instruction}\n"
        f"Rules: {'; '.join(rules)}; original words only, no real tagline or famous line;"
        " nothing past the first act. Reply with the text only."
    )


def token_budget(tokenizer, kind: str) -> int:
    """New tokens allowed for ``kind``: its word limit times this tokenizer's tokens per word.

    A tokenizer with a small vocabulary spends more tokens per word than a 50,000-token
    one, so a fixed budget would cut one model off mid-sentence and let another ramble.
    """
    limits = LENGTH_LIMITS[kind]
    max_words = limits.max_words or limits.max_characters // 5
    return math.ceil(max_words * tokens_per_word(tokenizer) * 1.2) + 4


def tokens_per_word(tokenizer) -> float:
    return _tokens_per_word(id(tokenizer), tokenizer)


@cache
def _tokens_per_word(_key: int, tokenizer) -> float:
    sample = (
        "A deep-space crew answers a distress call and brings something back on board. "
        "Two friends plan one last summer road trip before college pulls them apart. "
        "#SciFi In a city that never sleeps, a detective finds the case that finds her."
    )
    n_tokens = len(tokenizer(sample, add_special_tokens=False)["input_ids"])
    return n_tokens / len(sample.split())


def clean_copy(text: str) -> str:
    """Tidy a model's answer: no thinking block, no wrapping quotes, single spaces."""
    text = strip_thinking(text).strip()
    if len(text) > 1 and text[0] in "\"“'" and text[-1] in "\"”'":
        text = text[1:-1].strip()
    return " ".join(text.split()) if "\n" not in text else text.strip()


def prompt_seed(seed: int, prompt_ids: torch.Tensor) -> int:
    """A seed for one prompt: ``seed`` mixed with a checksum of the prompt's token ids.

    With one shared seed, two prompts whose next-token distributions are close would draw
    the very same tokens; mixing in the prompt keeps runs reproducible but independent.
    """
    checksum = zlib.crc32(prompt_ids.numpy().astype("int64").tobytes(), seed & 0xFFFFFFFF)
    return checksum & 0x7FFFFFFF


def mentions_title(text: str, title: str) -> bool:
    """True if the title's words appear in the text, in order and side by side (any case)."""
    return names_the_title(text, title)


# ---------------------------------------------------------------- which model


def load_writer_model(model, adapter=AUTO):
    """``"auto"``, ``"kit"``, a registry name, a folder, or a loaded model -> a loaded model,
    with ``adapter`` merged into a chat model (see :class:`TrailerCopywriter`)."""
    if model == AUTO:
        chat_models = cached("chat")
        model = chat_models[0] if chat_models else KIT_MODEL_NAME
    loaded = _load_model(model)
    if adapter == AUTO:
        adapter = kit_adapter(model) if isinstance(model, str) else None
    return _with_adapter(loaded, adapter)


def _load_model(model):
    if isinstance(model, ChatModel | LanguageModel):
        return _as_chat(model)
    if model == KIT_MODEL_NAME:
        if (KIT_MODEL_DIR / "config.json").is_file():
            check_model_folder(KIT_MODEL_DIR)  # a cut-short weights file is named
        return load_language_model()
    if Path(str(model)).expanduser().is_dir():
        check_model_folder(Path(str(model)).expanduser())
        return _as_chat(load_language_model(model))
    return load_chat(model)


def _with_adapter(lm, adapter):
    """``lm`` with the copy adapter in folder ``adapter`` merged into its weights (None: as is)."""
    if adapter is None:
        return lm
    if not isinstance(lm, ChatModel):
        raise TypeError(f"A copy adapter is for a pulled chat model; {lm.name} is not one.")
    if lm.adapter is not None:
        raise ValueError(f"{lm.name} already has the adapter {lm.adapter} merged in.")
    merge_adapter(lm.model, adapter)
    lm.adapter = Path(adapter)
    return lm


def available_models() -> list[str]:
    """What a writer can use on this computer: the pulled chat models, then the kit's model."""
    return [*cached("chat"), KIT_MODEL_NAME]


def _as_chat(lm: LanguageModel):
    """A loaded model with a chat template is driven as a chat model."""
    if lm.has_chat_template:
        return ChatModel(lm.model, lm.tokenizer, lm.name)
    return lm


def kit_prompt_style(lm: LanguageModel) -> str:
    """``"build_prompt"`` for checkpoints of the current recipe, ``"header"`` for the first one."""
    if lm.name != KIT_MODEL_NAME:
        return "build_prompt"
    return _kit_report_style(KIT_MODEL_DIR / "training_report.json")


@cache
def _kit_report_style(report_path: Path) -> str:
    report = json.loads(report_path.read_text()) if report_path.is_file() else {}
    new_recipe = "held_out_bits_per_character" in report
    return report.get("prompt_format", "build_prompt" if new_recipe else "header")


def kit_knows(lm: LanguageModel, kind: str) -> bool:
    """The first kit model knew taglines, voice-overs, blurbs and social posts only."""
    return kit_prompt_style(lm) == "build_prompt" or kind != "continuation"
