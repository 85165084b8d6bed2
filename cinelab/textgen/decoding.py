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

Each logits transform matches the corresponding ``transformers`` ``LogitsProcessor``, and
:func:`greedy` and :func:`beam_search` return the same token ids as ``model.generate`` (the
tests check both). The loops reuse the model's key/value cache, so each step only feeds the
newest token instead of the whole sentence again.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence

import torch

Logits = torch.Tensor  # (batch, vocab) or (vocab,)


# ---------------------------------------------------------------- logits transforms


def apply_temperature(logits: Logits, temperature: float) -> Logits:
    """Divide logits by ``temperature`` (> 0): below 1 sharpens, above 1 flattens."""
    _check_positive("temperature", temperature)
    return torch.as_tensor(logits) / temperature


def top_k_filter(logits: Logits, k: int) -> Logits:
    """Set every logit below the ``k``-th largest to ``-inf`` (ties with the k-th are kept)."""
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"top_k must be a positive integer, got {k!r}.")
    logits = torch.as_tensor(logits)
    k = min(k, logits.shape[-1])
    kth_largest = torch.topk(logits, k, dim=-1).values[..., -1:]  # (..., 1)
    return logits.masked_fill(logits < kth_largest, -float("inf"))


def top_p_filter(logits: Logits, p: float) -> Logits:
    """Keep the smallest set of most likely tokens whose probability adds up to at least ``p``.

    Walk down the tokens from most to least likely; a token is dropped once the tokens
    *before* it already cover ``p`` of the probability. The most likely token always stays.
    """
    if not 0.0 < p <= 1.0:
        raise ValueError(f"top_p must be in (0, 1], got {p!r}.")
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
) -> Logits:
    """All transforms in the order ``transformers`` applies them: penalty, temperature, k, p."""
    if repetition_penalty != 1.0:
        logits = apply_repetition_penalty(logits, previous_ids, repetition_penalty)
    if temperature != 1.0:
        logits = apply_temperature(logits, temperature)
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None and top_p < 1.0:
        logits = top_p_filter(logits, top_p)
    return logits


def _check_positive(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{name} must be a number greater than 0, got {value!r}.")


# ---------------------------------------------------------------- the model, one step at a time


@torch.no_grad()
def next_token_logits(model, input_ids: torch.Tensor, cache=None) -> tuple[torch.Tensor, object]:
    """Logits for the token after ``input_ids`` and the updated key/value cache.

    With a ``cache`` from the previous call, ``input_ids`` holds only the new tokens: the
    model has already stored the keys and values of everything before them.
    """
    output = model(input_ids=input_ids, use_cache=True, **{_cache_argument(model): cache})
    cache = output.get("cache", output.get("past_key_values"))
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
) -> torch.Tensor:
    """Probabilities of every next token after ``input_ids`` under the given settings.

    This is the distribution the sampler draws from; filtered tokens get probability 0.
    """
    input_ids = _as_batch(input_ids)[:1]  # (1, length)
    logits, _ = next_token_logits(model, input_ids)  # (1, vocab)
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

    return _decode_loop(model, input_ids, max_new_tokens, choose, eos_token_id)


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
    generator = torch.Generator().manual_seed(seed)

    def choose(logits: torch.Tensor, sequences: torch.Tensor) -> torch.Tensor:
        logits = process_logits(
            logits,
            sequences,
            temperature=temperature,
            top_k=top_k,
            top_p=top_p,
            repetition_penalty=repetition_penalty,
        )
        probabilities = logits.softmax(dim=-1)  # (batch, vocab)
        return torch.multinomial(probabilities, 1, generator=generator)[:, 0]  # (batch,)

    return _decode_loop(model, input_ids, max_new_tokens, choose, eos_token_id)


def _decode_loop(
    model,
    input_ids,
    max_new_tokens: int,
    choose: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    eos_token_id,
) -> torch.Tensor:
    """The generation loop shared by greedy and sampling: one token per step, with a cache."""
    sequences = _as_batch(input_ids)  # (batch, prompt_length)
    _check_room(model, sequences.shape[1], max_new_tokens)
    stop_ids, pad_id = stop_and_pad_ids(model, eos_token_id)
    unfinished = torch.ones(sequences.shape[0], dtype=torch.bool)  # (batch,)
    logits, cache = next_token_logits(model, sequences)  # (batch, vocab)
    for step in range(max_new_tokens):
        next_ids = choose(logits, sequences)  # (batch,)
        next_ids = torch.where(unfinished, next_ids, pad_id)  # finished rows only pad
        sequences = torch.cat([sequences, next_ids[:, None]], dim=1)  # (batch, length + 1)
        unfinished &= ~torch.isin(next_ids, stop_ids)
        if not unfinished.any() or step == max_new_tokens - 1:
            break
        logits, cache = next_token_logits(model, next_ids[:, None], cache)
    return sequences


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
    prompt = _as_batch(input_ids)  # (1, prompt_length)
    if prompt.shape[0] != 1:
        raise ValueError(
            f"beam_search decodes one prompt at a time; got a batch of {prompt.shape[0]}."
        )
    if not isinstance(num_beams, int) or num_beams < 1:
        raise ValueError(f"num_beams must be a positive integer, got {num_beams!r}.")
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
    return finished[0][1][None, :]


def _search_is_done(
    finished, num_beams: int, best_running: float, length: int, penalty: float
) -> bool:
    """True once every slot holds a hypothesis that the best running beam can no longer beat."""
    if len(finished) < num_beams:
        return False
    return best_running / length**penalty <= finished[-1][0]


# ---------------------------------------------------------------- input checks


def _as_batch(input_ids) -> torch.Tensor:
    """Accept a list of ids, a 1-D or a 2-D tensor; return a (batch, length) long tensor."""
    ids = torch.as_tensor(input_ids)
    if ids.dtype not in (torch.int64, torch.int32) or ids.dim() not in (1, 2):
        raise ValueError(
            "input_ids must be token ids: a list of ints or an integer tensor of shape"
            f" (length,) or (batch, length); got dtype {ids.dtype} and shape {tuple(ids.shape)}."
        )
    if ids.shape[-1] == 0:
        raise ValueError("input_ids is empty: give the model at least one token to start from.")
    return ids.long().reshape(-1, ids.shape[-1])


def _check_room(model, prompt_length: int, max_new_tokens: int) -> None:
    if not isinstance(max_new_tokens, int) or max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be a positive integer, got {max_new_tokens!r}.")
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
