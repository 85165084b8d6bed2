"""Train a small GPT-2 on the trailer-copy corpus with a plain PyTorch loop.

The model is ``transformers``' ``GPT2LMHeadModel`` built from a small config (nothing is
downloaded): a few transformer blocks, from a few hundred thousand weights (a live demo) to a
few million (the kit's shipped model). The loop is the one every language model is trained
with, written out so you can read it:

1. take a batch of documents, padded to the same length;
2. the model reads tokens ``0..n-1`` and predicts tokens ``1..n`` (next-token prediction);
3. the loss is the cross-entropy of those predictions, averaged over real (not padding) tokens;
4. backpropagate, take an AdamW step, repeat.

Perplexity is ``exp(loss)``: "the model is as unsure as if it picked uniformly among this many
tokens". We watch it on held-out validation documents to see when the model stops learning
and starts memorising (overfitting). To compare models with different tokenizers, and with a
character n-gram, the held-out copy is also scored in **bits per character**
(:func:`bits_per_character`).

A short live run (a notebook cell, well under a minute)::

    lm = load_language_model()                               # for its tokenizer
    corpus = KitCorpus.load()
    train = encode_documents(lm.tokenizer, corpus.train["document"], 256)
    validation = encode_documents(lm.tokenizer, corpus.validation["document"][:100], 256)
    small = build_tiny_gpt(len(lm.tokenizer), end_of_text_id=lm.tokenizer.eos_token_id,
                           n_embd=64, n_layer=2, n_head=2)
    run = train_language_model(small, train, validation, pad_id=lm.tokenizer.pad_token_id,
                               max_steps=60, eval_every=20)
"""

from __future__ import annotations

import copy
import json
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import torch
import torch.nn.functional as F
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerBase

from cinelab.progress import progress_bar
from cinelab.textgen.corpus import build_documents, build_prompt, contrast_angle, load_copy
from cinelab.textgen.tokenizer import train_tokenizer

IGNORE_INDEX = -100  # targets with this value do not count in the loss (padding)


def build_tiny_gpt(
    vocab_size: int,
    *,
    end_of_text_id: int,
    n_positions: int = 256,
    n_embd: int = 128,
    n_layer: int = 4,
    n_head: int = 4,
    dropout: float = 0.1,
    seed: int = 0,
) -> GPT2LMHeadModel:
    """A freshly initialised small GPT-2 (random weights, from a config, nothing downloaded).

    Its activation is GPT-2's tanh-approximated GELU computed by PyTorch's fused kernel
    (``gelu_pytorch_tanh``): the same function as GPT-2's default ``gelu_new`` (they differ
    by float rounding, about 2e-7) in a quarter of the time. Written out as ``gelu_new`` is,
    it took a third of the time of scoring a batch of documents on a CPU.
    """
    config = GPT2Config(
        vocab_size=vocab_size,
        n_positions=n_positions,
        n_embd=n_embd,
        n_layer=n_layer,
        n_head=n_head,
        resid_pdrop=dropout,
        embd_pdrop=dropout,
        attn_pdrop=dropout,
        activation_function="gelu_pytorch_tanh",
        bos_token_id=end_of_text_id,
        eos_token_id=end_of_text_id,
    )
    with torch.random.fork_rng():  # seed the weight initialisation without touching global state
        torch.manual_seed(seed)
        model = GPT2LMHeadModel(config)
    model.generation_config.pad_token_id = end_of_text_id  # pads finished rows of a batch
    return model


def encode_documents(
    tokenizer: PreTrainedTokenizerBase,
    documents: Sequence[str],
    max_length: int,
    *,
    prompts: Sequence[str] | None = None,
) -> list[list[int]]:
    """Token ids of each document, framed by end-of-text tokens and cut to ``max_length``.

    With ``prompts`` (one per document, each the start of its document), every list also
    records how many of its first tokens are the prompt (:class:`PromptedTokens`): those are
    read by the model but not predicted, so the loss is spent on the copy, not on learning to
    recite the film's facts, which the prompt hands over anyway.
    """
    if max_length < 2:
        raise ValueError(f"max_length must be at least 2 tokens, got {max_length}.")
    end = tokenizer.eos_token_id
    encoded = tokenizer(list(documents))["input_ids"]
    token_lists = [(ids + [end])[:max_length] for ids in encoded]
    if prompts is None:
        return token_lists
    if len(prompts) != len(token_lists):
        raise ValueError(f"Got {len(prompts)} prompts for {len(token_lists)} documents.")
    prompt_ids = tokenizer(list(prompts))["input_ids"]
    for index, (ids, prompt) in enumerate(zip(encoded, prompt_ids)):
        if ids[: len(prompt)] != prompt:
            raise ValueError(
                f"Document {index} does not start with the tokens of its prompt; end prompts on a"
                " boundary such as 'copy:' and start the copy with a space."
            )
    return [PromptedTokens(ids, len(prompt)) for ids, prompt in zip(token_lists, prompt_ids)]


class PromptedTokens(list):
    """A document's token ids that knows how many of its first tokens are the given prompt.

    The end-of-text token that opens a document counts as part of the prompt.
    """

    def __init__(self, ids: Sequence[int], given: int):
        super().__init__(ids)
        self.given = min(given, len(ids) - 1)  # at least one token is always predicted


def pad_batch(
    token_lists: Sequence[Sequence[int]], pad_id: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad to a rectangle; return ``input_ids`` and the targets.

    Padding, and the prompt of a :class:`PromptedTokens` document, get target IGNORE_INDEX:
    they are read but not predicted.
    """
    length = max(len(ids) for ids in token_lists)
    input_ids = torch.full((len(token_lists), length), pad_id, dtype=torch.long)  # (batch, length)
    targets = torch.full_like(input_ids, IGNORE_INDEX)  # (batch, length)
    for row, ids in enumerate(token_lists):
        input_ids[row, : len(ids)] = torch.tensor(ids)
        given = getattr(ids, "given", 0)
        targets[row, given : len(ids)] = torch.tensor(ids[given:])
    return input_ids, targets


def next_token_loss(
    model: GPT2LMHeadModel,
    input_ids: torch.Tensor,
    targets: torch.Tensor,
    reduction: str = "mean",
) -> torch.Tensor:
    """Cross-entropy of predicting token t+1 from tokens 0..t, over the targets that count.

    No attention mask is needed: batches are padded on the right, and a causal model never
    looks to the right, so no real token ever attends to padding. Logits are computed only
    where the next token is scored: with the prompt given, that is about a quarter of the
    positions, and the output layer (one score per vocabulary entry) is the costliest part
    of a small model.
    """
    hidden = model.base_model(input_ids=input_ids).last_hidden_state  # (batch, length, width)
    next_tokens = targets[:, 1:]  # (batch, length - 1)
    scored = next_tokens != IGNORE_INDEX  # (batch, length - 1)
    logits = model.get_output_embeddings()(hidden[:, :-1][scored])  # (n_scored, vocab)
    return F.cross_entropy(logits.float(), next_tokens[scored], reduction=reduction)


@torch.no_grad()
def average_loss(
    model: GPT2LMHeadModel, token_lists: Sequence[Sequence[int]], pad_id: int, batch_size: int = 64
) -> float:
    """Mean next-token loss per predicted token over all documents (no dropout)."""
    if not token_lists:
        raise ValueError("average_loss needs at least one document.")
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for start in range(0, len(token_lists), batch_size):
        input_ids, targets = pad_batch(token_lists[start : start + batch_size], pad_id)
        total += next_token_loss(model, input_ids, targets, reduction="sum").item()
        count += int((targets[:, 1:] != IGNORE_INDEX).sum())
    model.train(was_training)
    return total / count


def perplexity(loss: float) -> float:
    """``exp(mean negative log-likelihood)``: the effective number of equally likely next tokens."""
    return math.exp(loss)


def bits_per_character(
    model: GPT2LMHeadModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    continuations: Sequence[str],
    batch_size: int = 32,
) -> float:
    """Mean bits per character of each continuation (and its end-of-text) given its prompt.

    A loss per *token* depends on the tokenizer: a bigger vocabulary has fewer, harder tokens.
    Summing the loss of every token of the continuation and dividing by its number of characters
    gives a number that any two models can share, a character n-gram included
    (``CharNGram.bits_per_character`` counts the same characters: the continuation and its end).
    Only the continuation is scored: the prompt is given, not predicted.
    """
    nats = continuation_nats(model, tokenizer, prompts, continuations, batch_size)
    characters = sum(len(text) + 1 for text in continuations)  # + 1: the end of the document
    return float(nats.sum()) / characters / math.log(2)


def continuation_nats(
    model: GPT2LMHeadModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    continuations: Sequence[str],
    batch_size: int = 32,
) -> torch.Tensor:
    """Negative log-likelihood (nats) of each continuation and its end, given its prompt;
    shape (n_documents,)."""
    prompts, continuations = list(prompts), list(continuations)
    if len(prompts) != len(continuations) or not prompts:
        raise ValueError("Scoring copy needs as many prompts as continuations (>= 1).")
    token_lists = _prompted_token_lists(tokenizer, prompts, continuations, model)
    # documents of similar length share a batch, so little of it is padding (a sixth less work
    # for notebook 05's mix of taglines and blurbs)
    by_length = sorted(range(len(token_lists)), key=lambda index: len(token_lists[index]))
    nats = torch.empty(len(token_lists))  # (n_documents,)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for first in range(0, len(by_length), batch_size):
            chosen = by_length[first : first + batch_size]
            input_ids, targets = pad_batch([token_lists[i] for i in chosen], tokenizer.pad_token_id)
            losses = next_token_loss(model, input_ids, targets, reduction="none")  # (n_scored,)
            scored_per_row = (targets[:, 1:] != IGNORE_INDEX).sum(dim=1)  # (batch,)
            parts = losses.split(scored_per_row.tolist())
            nats[chosen] = torch.stack([part.sum() for part in parts])  # (batch,)
    model.train(was_training)
    return nats


def _prompted_token_lists(tokenizer, prompts, continuations, model) -> list[PromptedTokens]:
    """Token ids of prompt + continuation + end; the prompt's tokens are given, not scored."""
    prompt_ids = tokenizer(list(prompts))["input_ids"]
    document_ids = tokenizer([p + c for p, c in zip(prompts, continuations)])["input_ids"]
    token_lists = []
    for index, (prompt, document) in enumerate(zip(prompt_ids, document_ids)):
        if document[: len(prompt)] != prompt:
            raise ValueError(
                f"Prompt {index} is not tokenised the same on its own and inside its document;"
                " end prompts on a boundary such as 'copy:' and start continuations with a space."
            )
        if len(document) + 1 > model.config.n_positions:
            raise ValueError(
                f"Document {index} has {len(document) + 1} tokens, more than the model's context"
                f" of {model.config.n_positions}."
            )
        token_lists.append(PromptedTokens(document + [tokenizer.eos_token_id], len(prompt)))
    return token_lists


@dataclass
class TrainingRun:
    """What a training run produced: the model, its loss history and how long it took."""

    model: GPT2LMHeadModel
    history: pd.DataFrame  # step, epoch, train_loss, validation_loss (NaN between evaluations)
    best_step: int
    seconds: float

    @property
    def validation_loss(self) -> float:
        """Validation loss of the kept weights (the best evaluation when ``keep_best``)."""
        return float(
            self.history.loc[self.history.step == self.best_step, "validation_loss"].iloc[0]
        )

    @property
    def validation_perplexity(self) -> float:
        return perplexity(self.validation_loss)


def train_language_model(
    model: GPT2LMHeadModel,
    train_tokens: Sequence[Sequence[int]],
    validation_tokens: Sequence[Sequence[int]],
    *,
    pad_id: int,
    epochs: int = 10,
    batch_size: int = 32,
    learning_rate: float = 3e-3,
    weight_decay: float = 0.1,
    warmup_share: float = 0.05,
    eval_every: int = 50,
    max_steps: int | None = None,
    keep_best: bool = True,
    seed: int = 0,
    progress: bool | None = None,
    checkpoint: str | Path | None = None,
    checkpoint_every: int = 100,
    resume: bool = False,
    bfloat16: bool = False,
) -> TrainingRun:
    """Train ``model`` in place with AdamW and a warm-up + cosine learning-rate schedule.

    Parameters
    ----------
    model : GPT2LMHeadModel
        E.g. from :func:`build_tiny_gpt`.
    train_tokens, validation_tokens : list of list of int
        Encoded documents (:func:`encode_documents`).
    pad_id : int
        Token used to pad batches (ignored by the loss).
    epochs, batch_size, learning_rate, weight_decay, warmup_share
        The usual optimisation knobs; ``warmup_share`` of the steps ramp the rate up from 0.
    eval_every : int
        Evaluate validation loss every this many steps (and at the end).
    max_steps : int, optional
        Stop early after this many steps (for quick demonstrations).
    keep_best : bool
        Restore the weights with the lowest validation loss at the end (early stopping).
    seed : int
        Seeds batch order and dropout; the global random state is left untouched.
    progress : bool, optional
        Show a progress bar; by default only in a terminal or a notebook (quiet in logs).
    checkpoint : path, optional
        File to save the whole training state to every ``checkpoint_every`` steps (weights,
        optimiser, schedule, random states, history), so a long run can be interrupted.
    resume : bool
        Continue from ``checkpoint`` instead of starting over. The run then ends exactly as
        an uninterrupted one would: same batches, same dropout masks, same weights.
    bfloat16 : bool
        Run the forward pass in bfloat16 (``torch.autocast``); the weights, the optimiser and
        the loss stay in float32. On a CPU with bfloat16 matrix units (recent Intel Xeons) a
        step takes 1.3-1.8x less time; elsewhere it is emulated and about 30x slower
        (``fast_bfloat16`` says which this CPU is).

    Returns
    -------
    TrainingRun
    """
    _check_training_arguments(train_tokens, validation_tokens, epochs, batch_size, eval_every)
    steps_per_epoch = math.ceil(len(train_tokens) / batch_size)
    total_steps = min(epochs * steps_per_epoch, max_steps or epochs * steps_per_epoch)
    trainable = [parameter for parameter in model.parameters() if parameter.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=learning_rate, weight_decay=weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, _warmup_cosine(total_steps, max(1, int(warmup_share * total_steps)))
    )
    fingerprint = [len(train_tokens), len(validation_tokens), total_steps, batch_size, seed]
    state = {"rows": [], "best": (math.inf, 0, None), "seconds": 0.0, "step": 0}
    with torch.random.fork_rng():
        torch.manual_seed(seed)  # dropout masks
        if resume:
            state = _load_checkpoint(checkpoint, fingerprint, model, optimizer, schedule)
        started = time.perf_counter() - state["seconds"]
        model.train()
        with progress_bar(
            desc="training", total=total_steps, initial=state["step"], show=progress
        ) as bar:
            for step, epoch, batch in _numbered_batches(
                train_tokens, batch_size, pad_id, total_steps, seed, skip=state["step"]
            ):
                loss = _training_step(model, optimizer, schedule, *batch, bfloat16=bfloat16)
                row = {
                    "step": step,
                    "epoch": epoch,
                    "train_loss": loss,
                    "validation_loss": math.nan,
                }
                if step % eval_every == 0 or step == total_steps:
                    row["validation_loss"] = average_loss(model, validation_tokens, pad_id)
                    if row["validation_loss"] < state["best"][0]:
                        weights = _weights_copy(model) if keep_best else None
                        state["best"] = (row["validation_loss"], step, weights)
                    bar.set_postfix(train=f"{loss:.3f}", validation=f"{row['validation_loss']:.3f}")
                state["rows"].append(row)
                bar.update(1)
                if checkpoint is not None and (step % checkpoint_every == 0 or step == total_steps):
                    state.update(step=step, seconds=time.perf_counter() - started)
                    _save_checkpoint(checkpoint, fingerprint, model, optimizer, schedule, state)
    model.eval()
    best_step = state["best"][1] if keep_best else total_steps
    if keep_best:
        model.load_state_dict(state["best"][2], strict=False)
    seconds = time.perf_counter() - started
    return TrainingRun(model, pd.DataFrame(state["rows"]), best_step, seconds)


def _training_step(model, optimizer, schedule, input_ids, targets, bfloat16=False) -> float:
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
        loss = next_token_loss(model, input_ids, targets)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    schedule.step()
    return loss.item()


def _save_checkpoint(path, fingerprint, model, optimizer, schedule, state) -> None:
    """Write the training state atomically (a half-written file never replaces a good one)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".partial")
    torch.save(
        {
            "fingerprint": fingerprint,
            "model": _trainable_state(model),
            "optimizer": optimizer.state_dict(),
            "schedule": schedule.state_dict(),
            "torch_rng": torch.get_rng_state(),
            **state,
        },
        temporary,
    )
    temporary.replace(path)


def _load_checkpoint(path, fingerprint, model, optimizer, schedule) -> dict:
    if path is None or not Path(path).is_file():
        raise FileNotFoundError(f"resume=True, but there is no checkpoint at {path}.")
    saved = torch.load(path, weights_only=True)
    if saved["fingerprint"] != fingerprint:
        raise ValueError(
            f"The checkpoint {path} is from another run (documents, validation documents, steps,"
            f" batch size, seed = {saved['fingerprint']}; this run: {fingerprint})."
        )
    model.load_state_dict(saved["model"], strict=False)
    optimizer.load_state_dict(saved["optimizer"])
    schedule.load_state_dict(saved["schedule"])
    torch.set_rng_state(saved["torch_rng"])
    best = tuple(saved["best"])
    return {"rows": saved["rows"], "best": best, "seconds": saved["seconds"], "step": saved["step"]}


def _check_training_arguments(train_tokens, validation_tokens, epochs, batch_size, eval_every):
    if not train_tokens or not validation_tokens:
        raise ValueError("Training needs at least one training and one validation document.")
    for name, value in {
        "epochs": epochs,
        "batch_size": batch_size,
        "eval_every": eval_every,
    }.items():
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _numbered_batches(
    token_lists, batch_size: int, pad_id: int, total_steps: int, seed: int, skip: int = 0
) -> Iterator[tuple[int, int, tuple[torch.Tensor, torch.Tensor]]]:
    """Yield (step, epoch, batch) in a fresh seeded shuffle each epoch, until ``total_steps``.

    Documents of similar length are batched together (within shuffled pools of 50 batches),
    so little compute is spent on padding; the order of the batches is shuffled again.
    The first ``skip`` steps are drawn but not built, which is how a resumed run finds its place.
    """
    generator = torch.Generator().manual_seed(seed)
    step, epoch = 0, 0
    while True:
        epoch += 1
        for batch_indices in _length_bucketed_batches(token_lists, batch_size, generator):
            step += 1
            if step > skip:
                batch = [token_lists[index] for index in batch_indices]
                yield step, epoch, pad_batch(batch, pad_id)
            if step == total_steps:
                return


def _length_bucketed_batches(token_lists, batch_size: int, generator) -> list[list[int]]:
    order = torch.randperm(len(token_lists), generator=generator).tolist()
    pool_size = 50 * batch_size
    batches = []
    for start in range(0, len(order), pool_size):
        pool = sorted(order[start : start + pool_size], key=lambda index: len(token_lists[index]))
        batches += [pool[i : i + batch_size] for i in range(0, len(pool), batch_size)]
    shuffle = torch.randperm(len(batches), generator=generator).tolist()
    return [batches[i] for i in shuffle]


def _warmup_cosine(total_steps: int, warmup_steps: int):
    """Learning-rate multiplier: linear ramp for ``warmup_steps``, then a cosine decay to 0."""

    def multiplier(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return multiplier


def _weights_copy(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return copy.deepcopy(_trainable_state(model))


def _trainable_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The weights that train: all of them for the kit's model, the adapters of a frozen
    pretrained one (saving its 135 M frozen weights at every checkpoint would be waste)."""
    frozen = {  # every name of a frozen weight, the output layer tied to the embedding too
        name
        for name, parameter in model.named_parameters(remove_duplicate=False)
        if not parameter.requires_grad
    }
    return {name: value for name, value in model.state_dict().items() if name not in frozen}


# ---------------------------------------------------------------- the kit's model, end to end

KIT_SETTINGS = {  # chosen by measurement: benchmarks/README.md ("Language model")
    "vocab_size": 4000,
    "n_positions": 256,
    "n_embd": 256,
    "n_layer": 6,
    "n_head": 8,
    "dropout": 0.1,
    "epochs": 8,  # 20,000 lines + other English: 8 passes cost 1.5x the 10 of 12,000 lines
    "batch_size": 32,
    "learning_rate": 2e-3,
    "eval_every": None,  # None: once an epoch
    "checkpoint_every": 100,  # steps (about 1.5 min on 2 cores): what an interruption can lose
    "bfloat16": True,  # where the CPU multiplies bfloat16 itself (fast_bfloat16), else float32
    "ngram_order": 10,
}
CHECKPOINT_NAME = "checkpoint.pt"


@dataclass
class KitCorpus:
    """The kit's documents split by film, as prompts and the copy that follows them, and the
    kit's other English about the training films (reviews, loglines) as prompt-free texts.

    The other English costs the held-out copy nothing it could leak (no held-out film appears in
    it) and lowers its bits per character: benchmarks/README.md ("Does other English help the copy?").
    """

    train: pd.DataFrame
    validation: pd.DataFrame
    other_english: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, seed: int = 0) -> KitCorpus:
        from cinelab.data.embedded import read_films

        films = read_films()
        documents = build_documents(films, load_copy(), seed=seed)
        documents["continuation"] = " " + documents["text"]
        train = documents[documents.split == "train"].reset_index(drop=True)
        validation = documents[documents.split == "validation"].reset_index(drop=True)
        return cls(train, validation, training_films_english(films, set(train["item_id"])))

    def tokenizer_texts(self) -> list[str]:
        """Everything the model trains on, for fitting the tokenizer."""
        return list(self.train["document"]) + self.other_english


def training_films_english(films: pd.DataFrame, training_ids: set[int]) -> list[str]:
    """The kit's reviews and loglines of the training films, each with the leading space that
    copy has after ``copy:`` (so the same words make the same tokens)."""
    from cinelab.language.reviews import load_reviews

    reviews = load_reviews()
    texts = list(reviews.loc[reviews.item_id.isin(training_ids), "review"])
    texts += list(films.loc[films.item_id.isin(training_ids), "logline"].dropna())
    return [" " + text for text in texts]


def train_kit_model(
    output_dir: str | Path,
    *,
    epochs: int = KIT_SETTINGS["epochs"],
    seed: int = 0,
    progress: bool | None = None,
    resume: bool = False,
) -> TrainingRun:
    """Rebuild the kit's model from the corpus: tokenizer, GPT, training, scores, saved files.

    Writes ``model.safetensors``, ``config.json``, ``generation_config.json``, the tokenizer
    files, ``history.csv`` (the loss curve) and ``training_report.json`` (held-out bits per
    character beside a character n-gram's) into ``output_dir``. While training, the full state
    is saved to ``output_dir/checkpoint.pt`` every ``checkpoint_every`` steps; ``resume=True``
    picks it up after an interruption, and it is deleted once the run is complete.
    """
    started = time.perf_counter()
    settings = {**KIT_SETTINGS, "epochs": epochs}
    settings["bfloat16"] = settings["bfloat16"] and fast_bfloat16()  # the report says which
    output_dir = Path(output_dir)
    corpus = KitCorpus.load(seed=seed)
    tokenizer = train_tokenizer(corpus.tokenizer_texts(), vocab_size=settings["vocab_size"])
    model = build_tiny_gpt(
        len(tokenizer),
        end_of_text_id=tokenizer.eos_token_id,
        **{key: settings[key] for key in ("n_positions", "n_embd", "n_layer", "n_head", "dropout")},
        seed=seed,
    )
    checkpoint = output_dir / CHECKPOINT_NAME
    train = encode_prompted_documents(tokenizer, corpus.train, settings["n_positions"])
    train += encode_documents(
        tokenizer, corpus.other_english, settings["n_positions"],
        prompts=[""] * len(corpus.other_english),
    )  # fmt: skip
    eval_every = settings["eval_every"] or math.ceil(len(train) / settings["batch_size"])
    run = train_language_model(
        model,
        train,
        encode_prompted_documents(tokenizer, corpus.validation, settings["n_positions"]),
        pad_id=tokenizer.pad_token_id,
        epochs=epochs,
        batch_size=settings["batch_size"],
        learning_rate=settings["learning_rate"],
        eval_every=eval_every,
        seed=seed,
        progress=progress,
        checkpoint=checkpoint,
        checkpoint_every=settings["checkpoint_every"],
        resume=resume,
        bfloat16=settings["bfloat16"],
    )
    scores = held_out_scores(run.model, tokenizer, corpus, settings["ngram_order"])
    scores["wall_seconds"] = time.perf_counter() - started
    _save_run(run, tokenizer, output_dir, corpus, settings, seed, scores)
    checkpoint.unlink(missing_ok=True)
    return run


def fast_bfloat16() -> bool:
    """Whether this CPU does bfloat16 matrix products in hardware (AVX-512 or AMX, via oneDNN).

    Where it does, autocast to bfloat16 makes a training step 1.3-1.8x faster; where it does
    not (AVX2, as on most laptops), bfloat16 is emulated and the same step takes about 30x
    longer than in float32 (benchmarks/README.md), so the kit trains in float32 there.
    """
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def encode_prompted_documents(
    tokenizer, documents: pd.DataFrame, max_length: int
) -> list[PromptedTokens]:
    """A ``KitCorpus`` part, encoded so that the loss counts only the copy, not the prompt."""
    return encode_documents(
        tokenizer, documents["document"], max_length, prompts=list(documents["prompt"])
    )


def held_out_scores(model, tokenizer, corpus: KitCorpus, ngram_order: int) -> dict[str, float]:
    """Bits per character of the copy of held-out films: the model's and a character n-gram's,
    and how much the viewer's angle helps the model (:func:`angle_reading`)."""
    from cinelab.data.embedded import read_films
    from cinelab.textgen.ngram import CharNGram

    prompts, continuations = corpus.validation["prompt"], corpus.validation["continuation"]
    ngram = CharNGram(order=ngram_order).fit(corpus.train["document"])
    reading = angle_reading(model, tokenizer, corpus.validation, read_films())
    return {
        "bits_per_character": bits_per_character(model, tokenizer, prompts, continuations),
        "ngram_bits_per_character": ngram.bits_per_character(list(prompts), list(continuations)),
        "angle_gain_bits_per_character": reading.gain,
        "angle_gain_standard_error": reading.standard_error,
    }


@dataclass(frozen=True)
class AngleReading:
    """Does the model read the viewer line? Copy written for one angle, scored under that angle
    and under another of the film's genres: ``gain`` is how many bits per character the right
    angle saves on average (0: the model ignores the viewer; personalisation cannot show)."""

    gain: float
    standard_error: float
    share_helped: float  # of documents made more likely by their own angle
    documents: int


def angle_reading(
    model: GPT2LMHeadModel, tokenizer, documents: pd.DataFrame, films: pd.DataFrame
) -> AngleReading:
    """Score each document of a film with two or more genres under its own angle and under the
    film's first other genre, with no favourite film in either viewer line.

    ``documents`` needs ``item_id, kind, angle, text`` (e.g. ``KitCorpus.validation``).
    """
    by_id = films.set_index("item_id")
    rows = []
    for row in documents.itertuples():
        film = by_id.loc[row.item_id]
        other = contrast_angle(film.genres, row.angle)
        if other is not None:
            rows.append((film, row.kind, row.angle, other, " " + row.text))
    if len(rows) < 2:
        raise ValueError(
            f"angle_reading needs at least 2 documents of films with two or more genres; got"
            f" {len(rows)}."
        )
    texts = [text for *_, text in rows]
    own = [build_prompt(film, kind, angle=angle) for film, kind, angle, _, _ in rows]
    other = [build_prompt(film, kind, angle=other) for film, kind, _, other, _ in rows]
    characters = torch.tensor([len(text) + 1 for text in texts])  # (n,) + 1: the end
    saved = continuation_nats(model, tokenizer, other, texts) - continuation_nats(
        model, tokenizer, own, texts
    )  # (n,) nats the right angle saves
    gain = saved / characters / math.log(2)  # (n,) bits per character
    return AngleReading(
        gain=float(gain.mean()),
        standard_error=float(gain.std() / math.sqrt(len(gain))),
        share_helped=float((gain > 0).float().mean()),
        documents=len(gain),
    )


def _save_run(run, tokenizer, output_dir: Path, corpus, settings, seed, scores) -> None:
    output_dir.mkdir(parents=True, exist_ok=True)
    run.model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    run.history.to_csv(output_dir / "history.csv", index=False, float_format="%.5f")
    report = {
        "command": f"cinelab train-lm --epochs {settings['epochs']} --seed {seed}"
        f" --threads {torch.get_num_threads()} --output {_shown_path(output_dir)}",
        "seconds": round(run.seconds, 1),
        "wall_seconds": round(scores["wall_seconds"], 1),
        "threads": torch.get_num_threads(),
        "seed": seed,
        "steps": int(run.history.step.iloc[-1]),
        "best_step": run.best_step,
        "train_documents": len(corpus.train),
        "other_english_documents": len(corpus.other_english),
        "validation_documents": len(corpus.validation),
        "validation_films": int(corpus.validation["item_id"].nunique()),
        "parameters": sum(parameter.numel() for parameter in run.model.parameters()),
        "vocabulary": len(tokenizer),
        "final_train_loss": round(float(run.history.train_loss.tail(20).mean()), 4),
        "validation_loss": round(run.validation_loss, 4),
        "validation_perplexity": round(run.validation_perplexity, 2),
        "held_out_bits_per_character": round(scores["bits_per_character"], 4),
        "ngram_bits_per_character": round(scores["ngram_bits_per_character"], 4),
        "angle_gain_bits_per_character": round(scores["angle_gain_bits_per_character"], 4),
        "angle_gain_standard_error": round(scores["angle_gain_standard_error"], 4),
        "settings": settings,
    }
    (output_dir / "training_report.json").write_text(json.dumps(report, indent=2) + "\n")


def _shown_path(folder: Path) -> str:
    """The shipped model's folder relative to the repository (no machine's own paths)."""
    from cinelab.textgen.loading import KIT_MODEL_DIR

    if folder.resolve() == KIT_MODEL_DIR.resolve():
        return "data/models/trailer-gpt"
    return str(folder)


def user_model_dir() -> Path:
    """Where ``cinelab train-lm`` writes when no ``--output`` is given (never the shipped model)."""
    return Path.home() / ".cache" / "cinelab" / "trailer-gpt"


def check_train_lm_options(args) -> None:
    """Refuse bad ``cinelab train-lm`` options before any work starts, for either kind of run:
    counts below 1, ``--steps`` for the kit's model, ``--epochs`` for an adapter."""
    for name in ("epochs", "threads", "steps"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise SystemExit(f"cinelab train-lm: --{name} must be at least 1, got {value}.")
    if args.steps and not args.adapter:
        raise SystemExit(
            "cinelab train-lm: --steps is for --adapter; the kit's model takes --epochs."
        )
    if args.epochs and args.adapter:
        raise SystemExit(
            "cinelab train-lm: --epochs is for the kit's model; an adapter takes --steps."
        )


def run_train_lm(args) -> int:
    """Entry point of ``cinelab train-lm`` for the kit's model (options already checked)."""
    from cinelab.textgen.loading import KIT_MODEL_DIR

    output = Path(args.output) if args.output else user_model_dir()
    require_writable(output)
    if not args.output:
        print(
            f"Writing the model to {output} (the shipped model in {KIT_MODEL_DIR} is left as it"
            " is; pass --output to choose the folder)."
        )
    torch.set_num_threads(args.threads)
    epochs = args.epochs or KIT_SETTINGS["epochs"]
    run = train_kit_model(output, epochs=epochs, seed=args.seed, resume=args.resume)
    report = json.loads((output / "training_report.json").read_text())
    print(
        f"Trained in {run.seconds:.0f} s; held-out copy: {report['held_out_bits_per_character']}"
        f" bits per character (character n-gram: {report['ngram_bits_per_character']});"
        f" saved to {output}."
    )
    return 0


def require_writable(folder: Path) -> None:
    """Fail now, not after half an hour of training, if the output folder cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        raise SystemExit(
            f"cinelab train-lm: cannot write to the output folder {folder} ({error.strerror})."
        ) from None
