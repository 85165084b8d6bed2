"""Decoding strategies written by hand on a causal language model's logits.

A language model only ever answers one question: "given these tokens, how likely is each
possible next token?" (a vector of *logits*, one per vocabulary entry). Everything that turns
those scores into text is *decoding*, and it is all here, in a few lines each:

- **greedy**: always take the most likely token. Safe, dull, and prone to loops.
- **temperature**: divide the logits by ``t`` before the softmax. ``t < 1`` sharpens the
  distribution (more confident), ``t > 1`` flattens it (more adventurous).
- **top-k**: keep only the ``k`` most likely tokens, then sample among them.
- **top-p (nucleus)**: keep the smallest set of most likely tokens whose probabilities add up
  to at least ``p``; the set is small when the model is sure and large when it is not.
- **repetition penalty**: make tokens that already appeared less attractive.
- **beam search**: keep the ``num_beams`` best partial sentences at every step instead of one.
- **guidance** (classifier-free guidance): run the model on a second, *contrast* prompt too and
  push the next-token log-probabilities away from it: ``contrast + scale * (own - contrast)``.
  What the two prompts disagree on (the viewer's angle) is amplified ``scale`` times.

Each logits transform matches the corresponding ``transformers`` ``LogitsProcessor``, and
:func:`greedy` and :func:`beam_search` return the same token ids as ``model.generate`` (the
tests check both). The loops reuse the model's key/value cache, so each step only feeds the
newest token instead of the whole sentence again.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from cinelab.arguments import fraction, positive_int

Logits = torch.Tensor  # (batch, vocab) or (vocab,)
TokenFilter = Callable[[Logits, torch.Tensor], Logits]  # (logits, sequences so far) -> logits


# ---------------------------------------------------------------- logits transforms


MIN_TEMPERATURE = 1e-6  # far below this the logits overflow to inf; sampling is greedy long before


def apply_temperature(logits: Logits, temperature: float) -> Logits:
    """Divide logits by ``temperature`` (> 0): below 1 sharpens, above 1 flattens."""
    check_temperature(temperature)
    return torch.as_tensor(logits) / temperature


def check_temperature(temperature: float) -> None:
    """Refuse a temperature that is not a number of at least ``MIN_TEMPERATURE``.

    Dividing logits by 1e-40 overflows to infinity and the softmax returns NaN; a temperature
    that small means "always take the most likely token", which is what greedy decoding does.
    """
    _check_positive("temperature", temperature)
    if temperature < MIN_TEMPERATURE:
        raise ValueError(
            f"temperature must be at least {MIN_TEMPERATURE}, got {temperature!r}; for the"
            " most likely token every time, use greedy decoding instead."
        )


def top_k_filter(logits: Logits, k: int) -> Logits:
    """Set every logit below the ``k``-th largest to ``-inf`` (ties with the k-th are kept)."""
    check_top_k(k)
    logits = torch.as_tensor(logits)
    k = min(k, logits.shape[-1])
    kth_largest = torch.topk(logits, k, dim=-1).values[..., -1:]  # (..., 1)
    return logits.masked_fill(logits < kth_largest, -float("inf"))


def top_p_filter(logits: Logits, p: float) -> Logits:
    """Keep the smallest set of most likely tokens whose probability adds up to at least ``p``.

    Walk down the tokens from most to least likely; a token is dropped once the tokens
    *before* it already cover ``p`` of the probability. The most likely token always stays.
    """
    check_top_p(p)
    logits = torch.as_tensor(logits)
    if p == 1.0:  # everything is kept (summing in floating point could drop the tail)
        return logits
    sorted_logits, order = torch.sort(logits, dim=-1, descending=True)  # (..., vocab)
    probabilities = sorted_logits.softmax(dim=-1)  # (..., vocab)
    mass_before = probabilities.cumsum(dim=-1) - probabilities  # (..., vocab)
    drop_sorted = mass_before >= p  # (..., vocab)
    drop_sorted[..., 0] = False
    drop = drop_sorted.scatter(-1, order, drop_sorted)  # back to vocabulary order
    return logits.masked_fill(drop, -float("inf"))


def check_top_p(p: float) -> None:
    """Refuse a top-p outside (0, 1]: it is a share of the probability mass."""
    fraction(p, "top_p", include_high=True)


def check_top_k(k: int) -> None:
    """Refuse a top-k that is not a positive integer."""
    positive_int(k, "top_k")


def check_settings(
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    repetition_penalty: float = 1.0,
) -> None:
    """Validate every sampling setting at once, before any work starts (None means "off")."""
    check_temperature(temperature)
    if top_k is not None:
        check_top_k(top_k)
    if top_p is not None:
        check_top_p(top_p)
    _check_positive("repetition_penalty", repetition_penalty)


def apply_repetition_penalty(logits: Logits, previous_ids: torch.Tensor, penalty: float) -> Logits:
    """Make every token already in ``previous_ids`` less likely (``penalty`` > 1), once per token.

    A positive logit is divided by ``penalty`` and a negative one multiplied by it, so both move
    towards "less likely" (CTRL, Keskar et al. 2019).
    """
    _check_positive("repetition_penalty", penalty)
    logits = torch.as_tensor(logits)
    previous_ids = torch.as_tensor(previous_ids).reshape(logits.shape[:-1] + (-1,))  # (..., n_prev)
    seen = torch.gather(logits, -1, previous_ids)  # (..., n_prev)
    penalised = torch.where(seen < 0, seen * penalty, seen / penalty)  # (..., n_prev)
    return logits.scatter(-1, previous_ids, penalised)


def process_logits(
    logits: Logits,
    previous_ids: torch.Tensor,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    repetition_penalty: float = 1.0,
    token_filter: TokenFilter | None = None,
) -> Logits:
    """All transforms in the order ``transformers`` applies them: penalty, temperature, k, p.

    ``token_filter(logits, previous_ids)`` (e.g. the lexicon veto of
    :class:`~cinelab.textgen.lexicon.RealWordsFilter`) runs before top-k and top-p, so they
    choose among the tokens it allows.
    """
    check_settings(
        temperature=temperature, top_k=top_k, top_p=top_p, repetition_penalty=repetition_penalty
    )
    if repetition_penalty != 1.0:
        logits = apply_repetition_penalty(logits, previous_ids, repetition_penalty)
    if temperature != 1.0:
        logits = apply_temperature(logits, temperature)
    if token_filter is not None:
        logits = token_filter(logits, previous_ids)
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None and top_p < 1.0:
        logits = top_p_filter(logits, top_p)
    return logits


def guide_logits(own: Logits, contrast: Logits, scale: float) -> Logits:
    """Classifier-free guidance: ``contrast + scale * (own - contrast)``, on log-probabilities.

    ``own`` are the logits under the prompt we mean, ``contrast`` under a prompt that differs
    only in what we want to stress (another angle). ``scale`` 1 gives the own prompt's
    log-probabilities; above 1, tokens the own prompt favours *more than the contrast does*
    gain, and tokens both favour stay as likely as before. Matches ``transformers``'
    ``UnbatchedClassifierFreeGuidanceLogitsProcessor`` (Sanchez et al. 2023).
    """
    _check_positive("guidance scale", scale)
    own, contrast = own.log_softmax(dim=-1), contrast.log_softmax(dim=-1)  # (batch, vocab)
    return contrast + scale * (own - contrast)


def _check_positive(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{name} must be a number greater than 0, got {value!r}.")


# ---------------------------------------------------------------- the model, one step at a time


@torch.no_grad()
def next_token_logits(
    model, input_ids: torch.Tensor, cache=None, padding: Padding | None = None
) -> tuple[torch.Tensor, object]:
    """Logits for the token after ``input_ids`` and the updated key/value cache.

    With a ``cache`` from the previous call, ``input_ids`` holds only the new tokens: the
    model has already stored the keys and values of everything before them. With ``padding``
    (rows of different lengths, left-padded into one batch) the model skips the pad tokens.
    """
    rows = {} if padding is None else padding.model_inputs(input_ids.shape[1])
    output = model(input_ids=input_ids, use_cache=True, **{_cache_argument(model): cache}, **rows)
    cache = output.get("cache")
    if cache is None:  # transformers before 5 returns the cache as past_key_values
        cache = output.get("past_key_values")
    return output.logits[:, -1, :].float(), cache  # (batch, vocab), cache


def _cache_argument(model) -> str:
    """``transformers`` 5 calls the key/value cache ``cache``; older releases ``past_key_values``."""
    return _cache_argument_of(type(model))


@functools.cache
def _cache_argument_of(model_class) -> str:
    parameters = inspect.signature(model_class.forward).parameters
    return "cache" if "cache" in parameters else "past_key_values"


@torch.no_grad()
def next_token_distribution(
    model,
    input_ids: torch.Tensor | Sequence[int],
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    repetition_penalty: float = 1.0,
    contrast_ids: torch.Tensor | Sequence[int] | None = None,
    guidance: float = 1.0,
) -> torch.Tensor:
    """Probabilities of every next token after ``input_ids`` under the given settings.

    This is the distribution the sampler draws from; filtered tokens get probability 0. With
    ``contrast_ids`` (the contrast prompt followed by the same new tokens), guided first.
    """
    input_ids = _as_batch(input_ids, model)[:1]  # (1, length)
    logits, _ = next_token_logits(model, input_ids)  # (1, vocab)
    contrast = _contrast(model, contrast_ids, guidance, 1)
    if contrast is not None:
        logits = guide_logits(logits, next_token_logits(model, contrast)[0], guidance)
    logits = process_logits(
        logits,
        input_ids,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        repetition_penalty=repetition_penalty,
    )
    return logits.softmax(dim=-1)[0]  # (vocab,)


# ---------------------------------------------------------------- strategies


def greedy(
    model,
    input_ids: torch.Tensor | Sequence[int],
    max_new_tokens: int = 40,
    *,
    repetition_penalty: float = 1.0,
    eos_token_id: int | Sequence[int] | None = None,
) -> torch.Tensor:
    """Pick the most likely token at every step; same ids as ``model.generate(do_sample=False)``.

    Returns
    -------
    Tensor of shape (batch, prompt_length + n_generated)
        The prompt followed by the new tokens; sequences that finished early are padded.
    """

    def choose(logits: torch.Tensor, sequences: torch.Tensor) -> torch.Tensor:
        logits = process_logits(logits, sequences, repetition_penalty=repetition_penalty)
        return logits.argmax(dim=-1)  # (batch,)

    _check_positive("repetition_penalty", repetition_penalty)
    return _decode_loop(model, input_ids, max_new_tokens, choose, eos_token_id).sequences


def sample(
    model,
    input_ids: torch.Tensor | Sequence[int],
    max_new_tokens: int = 40,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    repetition_penalty: float = 1.0,
    seed: int = 0,
    eos_token_id: int | Sequence[int] | None = None,
) -> torch.Tensor:
    """Draw each token from the (tempered, filtered) distribution, reproducibly from ``seed``.

    With the same settings, ``torch.manual_seed(seed); model.generate(do_sample=True, ...)``
    draws the same tokens: both feed the same probabilities to ``torch.multinomial``.
    """
    choose = _sampler(temperature, top_k, top_p, repetition_penalty, seed)
    return _decode_loop(model, input_ids, max_new_tokens, choose, eos_token_id).sequences


@dataclass
class Generation:
    """Continuations of one prompt and what the model itself thought of each new token.

    ``token_log_probs`` are log-probabilities under the *model alone* (before temperature,
    top-k, top-p or the penalty), recorded while decoding, so ranking the candidates by how
    fluent the model finds them needs no second pass over the text. Padding after a
    sequence's end-of-text token gets 0.
    """

    sequences: torch.Tensor  # (n, prompt_length + n_new)
    token_log_probs: torch.Tensor  # (n, n_new)
    prompt_length: int


def sample_candidates(
    model,
    prompt_ids: torch.Tensor | Sequence[int],
    n_candidates: int,
    max_new_tokens: int = 40,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    repetition_penalty: float = 1.0,
    seed: int = 0,
    eos_token_id: int | Sequence[int] | None = None,
    token_filter: TokenFilter | None = None,
    contrast_ids: torch.Tensor | Sequence[int] | None = None,
    guidance: float = 1.0,
) -> Generation:
    """Sample ``n_candidates`` continuations of one prompt, reading the prompt only once.

    The prompt's keys and values are computed once (the *prefill*, the expensive part for a
    long prompt) and the cache is then copied ``n_candidates`` times, so the candidates only
    pay for their own new tokens. The draws are those of
    ``sample(model, prompt.repeat(n_candidates, 1), ...)`` with the same seed.

    ``token_filter(logits, sequences)``, applied after the other transforms, may veto tokens
    by setting their logits to ``-inf`` (e.g. :class:`~cinelab.textgen.lexicon.RealWordsFilter`).

    With ``contrast_ids`` (one prompt) and ``guidance`` > 1, every step is guided away from
    what the model would write after the contrast prompt (:func:`guide_logits`), before the
    other transforms; the contrast prompt is also read once.
    """
    positive_int(n_candidates, "n_candidates")
    prompt = _as_batch(prompt_ids, model)
    if prompt.shape[0] != 1:
        raise ValueError(f"sample_candidates takes one prompt; got a batch of {prompt.shape[0]}.")
    choose = _sampler(temperature, top_k, top_p, repetition_penalty, seed, token_filter)
    contrast = _contrast(model, contrast_ids, guidance, max_new_tokens)
    return _decode_loop(
        model, prompt, max_new_tokens, choose, eos_token_id, n_candidates, contrast, guidance
    )


def greedy_with_log_probs(
    model,
    prompt_ids: torch.Tensor | Sequence[int],
    max_new_tokens: int = 40,
    *,
    repetition_penalty: float = 1.0,
    eos_token_id: int | Sequence[int] | None = None,
    token_filter: TokenFilter | None = None,
    contrast_ids: torch.Tensor | Sequence[int] | None = None,
    guidance: float = 1.0,
) -> Generation:
    """:func:`greedy`, also returning the model's log-probability of every token it chose.

    ``token_filter`` may veto tokens and ``contrast_ids`` with ``guidance`` steer them, as in
    :func:`sample_candidates`; the ids then match ``model.generate(guidance_scale=guidance,
    negative_prompt_ids=contrast_ids)``.
    """

    def choose(logits: torch.Tensor, sequences: torch.Tensor) -> torch.Tensor:
        logits = process_logits(
            logits, sequences, repetition_penalty=repetition_penalty, token_filter=token_filter
        )
        return logits.argmax(dim=-1)  # (batch,)

    _check_positive("repetition_penalty", repetition_penalty)
    contrast = _contrast(model, contrast_ids, guidance, max_new_tokens)
    return _decode_loop(
        model, prompt_ids, max_new_tokens, choose, eos_token_id, 1, contrast, guidance
    )


def _contrast(model, contrast_ids, guidance: float, max_new_tokens: int) -> torch.Tensor | None:
    """The checked contrast prompt, shape (1, length), or None when nothing is guided."""
    _check_positive("guidance", guidance)
    if contrast_ids is None:
        if guidance != 1.0:
            raise ValueError(
                f"guidance {guidance} needs contrast_ids: a prompt to steer away from."
            )
        return None
    contrast = _as_batch(contrast_ids, model)
    if contrast.shape[0] != 1:
        raise ValueError(f"contrast_ids must be one prompt; got a batch of {contrast.shape[0]}.")
    _check_room(model, contrast.shape[1], max_new_tokens)
    return contrast


def _sampler(temperature, top_k, top_p, repetition_penalty, seed: int, token_filter=None):
    """A ``choose`` step that draws from the processed distribution with its own generator."""
    check_settings(
        temperature=temperature, top_k=top_k, top_p=top_p, repetition_penalty=repetition_penalty
    )
    generator = torch.Generator().manual_seed(seed)

    def choose(logits: torch.Tensor, sequences: torch.Tensor) -> torch.Tensor:
        logits = process_logits(
            logits,
            sequences,
            temperature=temperature,
            top_k=top_k,
            top_p=top_p,
            repetition_penalty=repetition_penalty,
            token_filter=token_filter,
        )
        probabilities = logits.softmax(dim=-1)  # (batch, vocab)
        return torch.multinomial(probabilities, 1, generator=generator)[:, 0]  # (batch,)

    return choose


def _decode_loop(
    model,
    input_ids,
    max_new_tokens: int,
    choose: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    eos_token_id,
    copies: int = 1,
    contrast_ids: torch.Tensor | None = None,
    guidance: float = 1.0,
) -> Generation:
    """The generation loop shared by greedy and sampling: one token per step, with a cache.

    With ``copies > 1`` every prompt is run through the model once and its cache repeated,
    so each prompt row becomes ``copies`` rows that continue independently. With a contrast
    prompt (one, for every row) the model also reads it followed by the same new tokens, and
    ``choose`` sees the guided log-probabilities; the recorded log-probabilities stay those of
    the model under the own prompt. Own and contrast rows share one left-padded batch, so each
    step is one model call, not two (a guided step costs 1.5 times an unguided one instead of
    2.5 times: benchmarks/README.md). A row that has ended leaves the model's batch and cache:
    the writer's candidates end at different lengths, and the model then reads about a fifth
    fewer rows. The draws of the other rows do not change (``torch.multinomial`` draws each
    row on its own).
    """
    sequences = _as_batch(input_ids, model)  # (batch, prompt_length)
    prompt_length = sequences.shape[1]
    _check_room(model, prompt_length, max_new_tokens)
    stop_ids, pad_id = stop_and_pad_ids(model, eos_token_id)
    if contrast_ids is None:
        logits, cache = _read_prompt(model, sequences, copies)  # (rows, vocab): the one prefill
    else:  # own and contrast rows in one batch: one model call per step instead of two
        joint, padding = _left_padded([sequences, contrast_ids.expand(len(sequences), -1)], pad_id)
        both_logits, cache = _read_prompt(model, joint, copies, padding)  # (2 * rows, vocab)
        padding = padding.repeated(copies)
        logits, contrast_logits = both_logits.chunk(2)  # (rows, vocab) each
    sequences = sequences.repeat_interleave(copies, dim=0)  # (rows, prompt_length)
    unfinished = torch.ones(sequences.shape[0], dtype=torch.bool)  # (rows,)
    read = unfinished.clone()  # (rows,) rows the cache still holds
    log_probs = []
    for step in range(max_new_tokens):
        steered = (
            logits if contrast_ids is None else guide_logits(logits, contrast_logits, guidance)
        )
        next_ids = choose(steered, sequences)  # (rows,)
        next_ids = torch.where(unfinished, next_ids, pad_id)  # finished rows only pad
        chosen = torch.log_softmax(logits, dim=-1).gather(1, next_ids[:, None])[:, 0]  # (rows,)
        log_probs.append(torch.where(unfinished, chosen, 0.0))
        sequences = torch.cat([sequences, next_ids[:, None]], dim=1)  # (rows, length + 1)
        unfinished &= ~torch.isin(next_ids, stop_ids)
        if not unfinished.any() or step == max_new_tokens - 1:
            break
        if not unfinished[read].all():  # rows ended: the model stops reading them
            kept = unfinished[read].nonzero()[:, 0]  # (still,) positions in the cache
            read = unfinished.clone()
            if contrast_ids is not None:  # own rows, then their contrast rows
                kept = torch.cat([kept, kept + len(padding.mask) // 2])
                padding = padding.selected(kept)
            cache.batch_select_indices(kept)
        if contrast_ids is None:
            new_logits, cache = next_token_logits(model, next_ids[read, None], cache)
        else:
            padding = padding.extended()
            both_ids = torch.cat([next_ids[read], next_ids[read]])[:, None]  # (2 * still, 1)
            both_logits, cache = next_token_logits(model, both_ids, cache, padding)
            new_logits, new_contrast = both_logits.chunk(2)  # (still, vocab) each
            contrast_logits[read] = new_contrast
        logits[read] = new_logits  # a finished row keeps its last logits; its draws become pads
    return Generation(sequences, torch.stack(log_probs, dim=1), prompt_length)


def _read_prompt(model, prompt_ids: torch.Tensor, copies: int, padding: Padding | None = None):
    """Run the prompts (batch, length) once; logits and cache repeated for ``copies`` rows each."""
    logits, cache = next_token_logits(model, prompt_ids, padding=padding)  # (batch, vocab)
    if copies > 1:
        logits = logits.repeat_interleave(copies, dim=0)  # (batch * copies, vocab)
        cache.batch_repeat_interleave(copies)
    return logits, cache


@dataclass(frozen=True)
class Padding:
    """Which tokens of a left-padded batch are real, so that the model skips the pads.

    ``mask`` is (rows, tokens so far): 1 for a real token, 0 for a pad. A row's positions count
    its real tokens only, so a padded prompt is read exactly as it would be on its own.
    """

    mask: torch.Tensor  # (rows, length)

    def model_inputs(self, new_tokens: int) -> dict[str, torch.Tensor]:
        """``attention_mask`` over every token so far, ``position_ids`` of the ``new_tokens``."""
        positions = (self.mask.cumsum(dim=1) - 1).clamp(min=0)  # (rows, length)
        return {"attention_mask": self.mask, "position_ids": positions[:, -new_tokens:]}

    def extended(self) -> Padding:
        """The padding after one more real token in every row."""
        return Padding(torch.cat([self.mask, torch.ones_like(self.mask[:, :1])], dim=1))

    def repeated(self, copies: int) -> Padding:
        """Each row ``copies`` times in a row, as ``_read_prompt`` repeats the cache."""
        return Padding(self.mask.repeat_interleave(copies, dim=0))

    def selected(self, rows: torch.Tensor) -> Padding:
        """Only ``rows``, as ``cache.batch_select_indices(rows)`` keeps them."""
        return Padding(self.mask[rows])


def _left_padded(
    batches: Sequence[torch.Tensor], pad_id: torch.Tensor
) -> tuple[torch.Tensor, Padding]:
    """Stack (rows, length) id tensors of different lengths into one, padded on the left."""
    length = max(batch.shape[1] for batch in batches)
    padded, masks = [], []
    for batch in batches:
        pads = length - batch.shape[1]
        padded.append(F.pad(batch, (pads, 0), value=int(pad_id)))  # (rows, length)
        masks.append(F.pad(torch.ones_like(batch), (pads, 0), value=0))  # (rows, length)
    return torch.cat(padded), Padding(torch.cat(masks))


def beam_search(
    model,
    input_ids: torch.Tensor | Sequence[int],
    num_beams: int = 4,
    max_new_tokens: int = 40,
    *,
    length_penalty: float = 1.0,
    eos_token_id: int | Sequence[int] | None = None,
) -> torch.Tensor:
    """Keep the ``num_beams`` most likely partial sentences at every step; return the best one.

    A beam's score is the sum of its tokens' log-probabilities. When a beam ends (end-of-text
    token, or the length limit) it is set aside as a *finished hypothesis* scored by
    ``sum of log-probabilities / length ** length_penalty`` (without the division, short
    sentences would always win). The search stops when ``num_beams`` hypotheses are finished
    and no running beam can beat the worst of them, or at ``max_new_tokens``.
    These are the rules of ``model.generate(num_beams=..., do_sample=False)`` with its
    defaults (``early_stopping=False``), so both return the same ids.

    Returns
    -------
    Tensor of shape (1, prompt_length + n_generated)
    """
    return beam_search_with_score(
        model,
        input_ids,
        num_beams,
        max_new_tokens,
        length_penalty=length_penalty,
        eos_token_id=eos_token_id,
    )[0]


def beam_search_with_score(
    model,
    input_ids: torch.Tensor | Sequence[int],
    num_beams: int = 4,
    max_new_tokens: int = 40,
    *,
    length_penalty: float = 1.0,
    eos_token_id: int | Sequence[int] | None = None,
) -> tuple[torch.Tensor, float]:
    """:func:`beam_search` and the winner's score: its summed log-probability / length**penalty.

    With ``length_penalty=1`` the score is the mean log-probability per new token, so
    ``exp(-score)`` is the winner's perplexity, known without scoring the text again.
    """
    prompt = _as_batch(input_ids, model)  # (1, prompt_length)
    if prompt.shape[0] != 1:
        raise ValueError(
            f"beam_search decodes one prompt at a time; got a batch of {prompt.shape[0]}."
        )
    positive_int(num_beams, "num_beams")
    _check_room(model, prompt.shape[1], max_new_tokens)
    stop_ids, _ = stop_and_pad_ids(model, eos_token_id)
    n_candidates = max(2, 1 + len(stop_ids)) * num_beams

    beams = prompt.repeat(num_beams, 1)  # (num_beams, length)
    beam_scores = torch.full((num_beams,), -1.0e9)  # (num_beams,)
    beam_scores[0] = 0.0  # all beams start identical: only the first may expand at step 1
    finished: list[tuple[float, torch.Tensor]] = []  # (score, token ids), best first
    logits, cache = next_token_logits(model, beams)  # (num_beams, vocab)
    for step in range(max_new_tokens):
        generated_length = step + 1
        last_step = step == max_new_tokens - 1
        scores = torch.log_softmax(logits, dim=-1) + beam_scores[:, None]  # (num_beams, vocab)
        vocab_size = scores.shape[-1]
        # enough candidates that num_beams of them still run even if others end here
        top_scores, top_flat = torch.topk(scores.reshape(-1), n_candidates)  # (n_candidates,)
        origins, tokens = top_flat // vocab_size, top_flat % vocab_size  # (n_candidates,) each
        ends = torch.isin(tokens, stop_ids) | last_step  # (n_candidates,)

        for rank in range(num_beams):  # only the top num_beams candidates may finish
            if ends[rank]:
                ids = torch.cat([beams[origins[rank]], tokens[rank : rank + 1]])
                finished.append((top_scores[rank].item() / generated_length**length_penalty, ids))
        finished = sorted(finished, key=lambda hypothesis: -hypothesis[0])[:num_beams]

        keep = torch.nonzero(~ends)[:num_beams, 0]  # (num_beams,) best candidates still running
        if last_step or len(keep) == 0:
            break
        beams = torch.cat(
            [beams[origins[keep]], tokens[keep, None]], dim=1
        )  # (num_beams, length+1)
        beam_scores = top_scores[keep]  # (num_beams,)
        if _search_is_done(
            finished, num_beams, beam_scores[0].item(), generated_length, length_penalty
        ):
            break
        cache.reorder_cache(origins[keep])  # each new beam continues the cache of its origin
        logits, cache = next_token_logits(model, tokens[keep, None], cache)
    best_score, best_ids = finished[0]
    return best_ids[None, :], best_score


def _search_is_done(
    finished, num_beams: int, best_running: float, length: int, penalty: float
) -> bool:
    """True once every slot holds a hypothesis that the best running beam can no longer beat."""
    if len(finished) < num_beams:
        return False
    return best_running / length**penalty <= finished[-1][0]


# ---------------------------------------------------------------- input checks


def _as_batch(input_ids, model=None) -> torch.Tensor:
    """Accept a list of ids, a 1-D or a 2-D tensor; return a (batch, length) long tensor.

    With a ``model``, ids outside its vocabulary are refused here, with the offending id,
    instead of failing deep inside the embedding lookup.
    """
    ids = torch.as_tensor(input_ids)
    if ids.dtype not in (torch.int64, torch.int32) or ids.dim() not in (1, 2):
        raise ValueError(
            "input_ids must be token ids: a list of ints or an integer tensor of shape"
            f" (length,) or (batch, length); got dtype {ids.dtype} and shape {tuple(ids.shape)}."
        )
    if ids.shape[-1] == 0:
        raise ValueError("input_ids is empty: give the model at least one token to start from.")
    ids = ids.long().reshape(-1, ids.shape[-1])
    if model is not None:
        vocab_size = model.get_input_embeddings().num_embeddings
        outside = (ids < 0) | (ids >= vocab_size)  # (batch, length)
        if outside.any():
            row, column = (int(i) for i in torch.nonzero(outside)[0])
            raise ValueError(
                f"input_ids holds token id {int(ids[row, column])} at position {column} (row"
                f" {row}), outside the model's vocabulary of {vocab_size} ids (0 to"
                f" {vocab_size - 1}); were these ids made by another model's tokenizer?"
            )
    return ids


def _check_room(model, prompt_length: int, max_new_tokens: int) -> None:
    positive_int(max_new_tokens, "max_new_tokens")
    limit = getattr(model.config, "n_positions", None) or getattr(
        model.config, "max_position_embeddings", None
    )
    if limit is not None and prompt_length + max_new_tokens > limit:
        raise ValueError(
            f"The prompt ({prompt_length} tokens) plus max_new_tokens ({max_new_tokens}) exceeds"
            f" the model's context of {limit} tokens; shorten one of them."
        )


def stop_and_pad_ids(model, eos_token_id) -> tuple[torch.Tensor, torch.Tensor]:
    """End-of-text id(s) that stop a sequence, and the id used to pad finished ones."""
    if eos_token_id is None:
        eos_token_id = model.generation_config.eos_token_id
    stop_ids = torch.tensor([] if eos_token_id is None else eos_token_id, dtype=torch.long).reshape(
        -1
    )
    pad_id = model.generation_config.pad_token_id
    if pad_id is None:
        pad_id = stop_ids[0].item() if len(stop_ids) else 0
    return stop_ids, torch.tensor(pad_id)
