"""Train a tiny GPT-2 on the trailer-copy corpus with a plain PyTorch loop.

The model is ``transformers``' ``GPT2LMHeadModel`` built from a small config (nothing is
downloaded): a few transformer blocks, a few hundred thousand to a couple of million weights.
The loop is the one every language model is trained with, written out so you can read it:

1. take a batch of documents, padded to the same length;
2. the model reads tokens ``0..n-1`` and predicts tokens ``1..n`` (next-token prediction);
3. the loss is the cross-entropy of those predictions, averaged over real (not padding) tokens;
4. backpropagate, take an AdamW step, repeat.

Perplexity is ``exp(loss)``: "the model is as unsure as if it picked uniformly among this many
tokens". We watch it on held-out validation documents to see when the model stops learning
and starts memorising (overfitting).
"""

from __future__ import annotations

import copy
import json
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerBase

from cinelab.textgen.corpus import build_documents, load_copy
from cinelab.textgen.tokenizer import train_tokenizer

IGNORE_INDEX = -100  # targets with this value do not count in the loss (padding)


def build_tiny_gpt(
    vocab_size: int,
    *,
    end_of_text_id: int,
    n_positions: int = 128,
    n_embd: int = 128,
    n_layer: int = 4,
    n_head: int = 4,
    dropout: float = 0.1,
    seed: int = 0,
) -> GPT2LMHeadModel:
    """A freshly initialised small GPT-2 (random weights, from a config, nothing downloaded)."""
    config = GPT2Config(
        vocab_size=vocab_size,
        n_positions=n_positions,
        n_embd=n_embd,
        n_layer=n_layer,
        n_head=n_head,
        resid_pdrop=dropout,
        embd_pdrop=dropout,
        attn_pdrop=dropout,
        bos_token_id=end_of_text_id,
        eos_token_id=end_of_text_id,
    )
    with torch.random.fork_rng():  # seed the weight initialisation without touching global state
        torch.manual_seed(seed)
        model = GPT2LMHeadModel(config)
    model.generation_config.pad_token_id = end_of_text_id  # pads finished rows of a batch
    return model


def encode_documents(
    tokenizer: PreTrainedTokenizerBase, documents: Sequence[str], max_length: int
) -> list[list[int]]:
    """Token ids of each document, framed by end-of-text tokens and cut to ``max_length``."""
    if max_length < 2:
        raise ValueError(f"max_length must be at least 2 tokens, got {max_length}.")
    end = tokenizer.eos_token_id
    encoded = tokenizer(list(documents))["input_ids"]
    return [(ids + [end])[:max_length] for ids in encoded]


def pad_batch(
    token_lists: Sequence[Sequence[int]], pad_id: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad to a rectangle; return ``input_ids`` and the targets (padding -> IGNORE_INDEX)."""
    length = max(len(ids) for ids in token_lists)
    input_ids = torch.full((len(token_lists), length), pad_id, dtype=torch.long)  # (batch, length)
    targets = torch.full_like(input_ids, IGNORE_INDEX)  # (batch, length)
    for row, ids in enumerate(token_lists):
        input_ids[row, : len(ids)] = torch.tensor(ids)
        targets[row, : len(ids)] = torch.tensor(ids)
    return input_ids, targets


def next_token_loss(
    model: GPT2LMHeadModel, input_ids: torch.Tensor, targets: torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    """Cross-entropy of predicting token t+1 from tokens 0..t, ignoring padding."""
    attention_mask = (targets != IGNORE_INDEX).long()  # (batch, length)
    logits = model(
        input_ids=input_ids, attention_mask=attention_mask
    ).logits  # (batch, length, vocab)
    predictions = logits[:, :-1].reshape(-1, logits.shape[-1])  # (batch * (length-1), vocab)
    next_tokens = targets[:, 1:].reshape(-1)  # (batch * (length-1),)
    return F.cross_entropy(predictions, next_tokens, ignore_index=IGNORE_INDEX, reduction=reduction)


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
    progress: bool = True,
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

    Returns
    -------
    TrainingRun
    """
    _check_training_arguments(train_tokens, validation_tokens, epochs, batch_size, eval_every)
    steps_per_epoch = math.ceil(len(train_tokens) / batch_size)
    total_steps = min(epochs * steps_per_epoch, max_steps or epochs * steps_per_epoch)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, _warmup_cosine(total_steps, max(1, int(warmup_share * total_steps)))
    )
    rows, best = [], (math.inf, 0, None)
    started = time.perf_counter()
    with (
        torch.random.fork_rng(),
        tqdm(total=total_steps, desc="training", disable=not progress) as bar,
    ):
        torch.manual_seed(seed)  # dropout masks
        model.train()
        for step, epoch, (input_ids, targets) in _numbered_batches(
            train_tokens, batch_size, pad_id, total_steps, seed
        ):
            loss = next_token_loss(model, input_ids, targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            row = {
                "step": step,
                "epoch": epoch,
                "train_loss": loss.item(),
                "validation_loss": math.nan,
            }
            if step % eval_every == 0 or step == total_steps:
                row["validation_loss"] = average_loss(model, validation_tokens, pad_id)
                if row["validation_loss"] < best[0]:
                    best = (
                        row["validation_loss"],
                        step,
                        _weights_copy(model) if keep_best else None,
                    )
                bar.set_postfix(
                    train=f"{loss.item():.3f}", validation=f"{row['validation_loss']:.3f}"
                )
            rows.append(row)
            bar.update(1)
    model.eval()
    best_step = best[1] if keep_best else total_steps
    if keep_best:
        model.load_state_dict(best[2])
    return TrainingRun(model, pd.DataFrame(rows), best_step, time.perf_counter() - started)


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
    token_lists, batch_size: int, pad_id: int, total_steps: int, seed: int
) -> Iterator[tuple[int, int, tuple[torch.Tensor, torch.Tensor]]]:
    """Yield (step, epoch, batch) in a fresh seeded shuffle each epoch, until ``total_steps``.

    Documents of similar length are batched together (within shuffled pools of 50 batches),
    so little compute is spent on padding; the order of the batches is shuffled again.
    """
    generator = torch.Generator().manual_seed(seed)
    step, epoch = 0, 0
    while True:
        epoch += 1
        for batch_indices in _length_bucketed_batches(token_lists, batch_size, generator):
            step += 1
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
    return copy.deepcopy(model.state_dict())


# ---------------------------------------------------------------- the kit's model, end to end

KIT_SETTINGS = {
    "vocab_size": 2000,
    "n_positions": 128,
    "n_embd": 128,
    "n_layer": 4,
    "n_head": 4,
    "dropout": 0.1,
    "epochs": 8,
    "batch_size": 32,
    "learning_rate": 3e-3,
}


def train_kit_model(
    output_dir: str | Path | None = None,
    *,
    epochs: int = KIT_SETTINGS["epochs"],
    seed: int = 0,
    progress: bool = True,
) -> TrainingRun:
    """Rebuild the kit's model from the corpus: tokenizer, tiny GPT, training, saved files.

    Writes ``model.safetensors``, ``config.json``, ``generation_config.json``, the tokenizer
    files, ``history.csv`` (the loss curve) and ``training_report.json`` into ``output_dir``
    (default: ``data/models/trailer-gpt``).
    """
    from cinelab.data.embedded import read_films
    from cinelab.textgen.loading import KIT_MODEL_DIR

    output_dir = Path(output_dir or KIT_MODEL_DIR)
    documents = build_documents(read_films(), load_copy())
    train_texts = documents.loc[documents.split == "train", "document"].tolist()
    validation_texts = documents.loc[documents.split == "validation", "document"].tolist()
    tokenizer = train_tokenizer(train_texts, vocab_size=KIT_SETTINGS["vocab_size"])
    model = build_tiny_gpt(
        len(tokenizer),
        end_of_text_id=tokenizer.eos_token_id,
        n_positions=KIT_SETTINGS["n_positions"],
        n_embd=KIT_SETTINGS["n_embd"],
        n_layer=KIT_SETTINGS["n_layer"],
        n_head=KIT_SETTINGS["n_head"],
        dropout=KIT_SETTINGS["dropout"],
        seed=seed,
    )
    run = train_language_model(
        model,
        encode_documents(tokenizer, train_texts, KIT_SETTINGS["n_positions"]),
        encode_documents(tokenizer, validation_texts, KIT_SETTINGS["n_positions"]),
        pad_id=tokenizer.pad_token_id,
        epochs=epochs,
        batch_size=KIT_SETTINGS["batch_size"],
        learning_rate=KIT_SETTINGS["learning_rate"],
        seed=seed,
        progress=progress,
    )
    _save_run(run, tokenizer, output_dir, len(train_texts), len(validation_texts), epochs, seed)
    return run


def _save_run(
    run: TrainingRun, tokenizer, output_dir: Path, n_train: int, n_validation: int, epochs, seed
):
    output_dir.mkdir(parents=True, exist_ok=True)
    run.model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    run.history.to_csv(output_dir / "history.csv", index=False, float_format="%.5f")
    last = run.history.iloc[-1]
    report = {
        "seconds": round(run.seconds, 1),
        "threads": torch.get_num_threads(),
        "epochs": epochs,
        "seed": seed,
        "steps": int(last.step),
        "best_step": run.best_step,
        "train_documents": n_train,
        "validation_documents": n_validation,
        "parameters": sum(parameter.numel() for parameter in run.model.parameters()),
        "final_train_loss": round(float(run.history.train_loss.tail(20).mean()), 4),
        "validation_loss": round(run.validation_loss, 4),
        "validation_perplexity": round(run.validation_perplexity, 2),
        "settings": {**KIT_SETTINGS, "epochs": epochs},
    }
    (output_dir / "training_report.json").write_text(json.dumps(report, indent=2) + "\n")


def run_train_lm(args) -> int:
    """Entry point of ``cinelab train-lm``."""
    torch.set_num_threads(args.threads)
    epochs = args.epochs or KIT_SETTINGS["epochs"]
    run = train_kit_model(args.output, epochs=epochs, seed=args.seed)
    print(
        f"Trained in {run.seconds:.0f} s; validation loss {run.validation_loss:.3f},"
        f" perplexity {run.validation_perplexity:.1f} (best at step {run.best_step})."
    )
    return 0
