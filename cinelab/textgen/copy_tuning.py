"""Teach a pulled chat model the kit's copy: a LoRA adapter trained on the grounded copy.

A 135 M model does not know the films: taught the kit's trailer copy, whose writers knew them, it
learns to add plot, names and places, and invents them. So it is taught the *grounded* copy
(``data/corpus/grounded_copy.tsv``): lines that say only what the film's title, year, genres and
logline say, in a copywriter's words (plus, as for the kit's model, each film's catalogue
tagline, of which 22 of 804 name something the logline does not). The copy is turned into
conversations (the writer's own brief, answered with a line we wrote),
and :mod:`~cinelab.textgen.adapter`'s low-rank adapters on the model's top blocks are trained on
them with the same loop as the kit's own model (:func:`~cinelab.textgen.training.train_language_model`).
``cinelab train-lm --adapter NAME`` runs it; the shipped adapter for SmolLM2-135M-Instruct is
its output.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import torch

from cinelab.data.embedded import read_films
from cinelab.textgen.adapter import AdapterSettings, add_adapters, save_adapter
from cinelab.textgen.audience import Audience
from cinelab.textgen.copywriter import Film, chat_brief
from cinelab.textgen.corpus import (
    GROUNDED_COPY_PATH,
    build_documents,
    favourite_films,
    load_copy,
)
from cinelab.textgen.training import (
    PromptedTokens,
    average_loss,
    require_writable,
    train_language_model,
    user_model_dir,
)


def chat_copy_documents(tokenizer, films, copy, *, split: str = "train", seed: int = 0):
    """The kit's written copy as chat conversations for ``tokenizer``'s template.

    Each line becomes the answer to the very brief the copywriter sends a chat model
    (:func:`~cinelab.textgen.copywriter.chat_brief`, no examples): the film's facts and
    premise, a viewer who loves the line's angle (and, four times in five, a favourite film
    of that genre), the kind and its rules. Returns
    :class:`~cinelab.textgen.training.PromptedTokens`, whose brief is read but not scored.
    """
    documents = build_documents(films, copy, seed=seed)
    favourites = favourite_films(films, documents, seed)
    film_by_id = {row.item_id: Film.from_record(row._asdict()) for row in films.itertuples()}
    end = tokenizer.eos_token or ""
    token_lists = []
    for row, favourite in zip(documents.itertuples(), favourites):
        if row.split != split:
            continue
        viewer = Audience("a viewer", (row.angle,), (favourite,) if favourite else ())
        messages = chat_brief(film_by_id[row.item_id], viewer, row.kind, row.angle)
        prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        answer_ids = tokenizer(row.text + end, add_special_tokens=False)["input_ids"]
        token_lists.append(PromptedTokens(prompt_ids + answer_ids, len(prompt_ids)))
    return token_lists


# The shipped adapter's run (benchmarks/README.md, "Grounded copy for the adapter"): 47 min on
# 2 cores for SmolLM2-135M, 0.9 of a pass over the grounded copy's first set (4,020 lines, the
# only one then); over both sets (8,040 lines) the same 500 steps are half a pass.
ADAPTER_TRAINING = {
    "steps": 500,
    "batch_size": 8,
    "learning_rate": 3e-4,
    "validation_documents": 32,  # held-out films' lines, scored every eval_every steps
    "eval_every": 100,
    "checkpoint_every": 25,
}


def train_copy_adapter(
    chat_model,
    output_dir: str | Path,
    *,
    base: str,
    steps: int = ADAPTER_TRAINING["steps"],
    learning_rate: float = ADAPTER_TRAINING["learning_rate"],
    settings: AdapterSettings | None = None,
    films=None,
    copy=None,
    seed: int = 0,
    progress: bool | None = None,
    resume: bool = False,
):
    """Teach ``chat_model`` (a :class:`~cinelab.textgen.pretrained.ChatModel`) the kit's copy.

    Adds adapters to its top blocks (in place), trains them on the training films' lines as
    answers to the copywriter's own brief, keeps the step with the lowest loss on held-out
    films' lines, and writes ``adapter.safetensors`` and ``adapter.json`` (settings, ``base``,
    losses, time) into ``output_dir``. The state is saved every ``checkpoint_every`` steps to
    ``output_dir/checkpoint.pt``; ``resume=True`` continues from it. ``films`` and ``copy``
    default to the kit's catalogue and its grounded copy.
    """
    started = time.perf_counter()
    settings = settings or AdapterSettings()
    tokenizer, model = chat_model.tokenizer, chat_model.model
    films = read_films() if films is None else films
    copy = load_copy(GROUNDED_COPY_PATH) if copy is None else copy
    train = chat_copy_documents(tokenizer, films, copy, split="train", seed=seed)
    validation = chat_copy_documents(tokenizer, films, copy, split="validation", seed=seed)
    random.Random(seed).shuffle(validation)
    validation = validation[: ADAPTER_TRAINING["validation_documents"]]
    pad_id = (
        tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    )
    loss_before = average_loss(model, validation, pad_id)
    add_adapters(model, settings, seed=seed)
    output_dir = Path(output_dir)
    run = train_language_model(
        model,
        train,
        validation,
        pad_id=pad_id,
        epochs=1,
        max_steps=steps,
        batch_size=ADAPTER_TRAINING["batch_size"],
        learning_rate=learning_rate,
        weight_decay=0.0,
        eval_every=min(ADAPTER_TRAINING["eval_every"], steps),
        seed=seed,
        progress=progress,
        checkpoint=output_dir / "checkpoint.pt",
        checkpoint_every=ADAPTER_TRAINING["checkpoint_every"],
        resume=resume,
    )
    save_adapter(
        model, output_dir, settings,
        base=base, seed=seed, steps=int(run.history.step.iloc[-1]), best_step=run.best_step,
        batch_size=ADAPTER_TRAINING["batch_size"], learning_rate=learning_rate,
        train_documents=len(train),
        validation_loss_before=round(loss_before, 4), validation_loss=round(run.validation_loss, 4),
        threads=torch.get_num_threads(), seconds=round(time.perf_counter() - started, 1),
    )  # fmt: skip
    (output_dir / "checkpoint.pt").unlink(missing_ok=True)
    return run


def run_train_adapter(args) -> int:
    """``cinelab train-lm --adapter NAME``: a copy adapter for a pulled chat model (options
    already checked by :func:`~cinelab.textgen.training.check_train_lm_options`)."""
    from cinelab.textgen.pretrained import entry_for, load_chat

    try:
        chat = load_chat(args.adapter)  # an uncached name fails here, with the pull command
    except (FileNotFoundError, ValueError) as error:
        raise SystemExit(f"cinelab train-lm: {error}") from None
    try:
        base = entry_for(args.adapter).repo_id
    except KeyError:
        base = str(args.adapter)
    output = (
        Path(args.output)
        if args.output
        else user_model_dir().parent / f"copy-adapter-{Path(chat.name).name}"
    )
    require_writable(output)
    torch.set_num_threads(args.threads)
    steps = args.steps or ADAPTER_TRAINING["steps"]
    run = train_copy_adapter(
        chat, output, base=base, steps=steps, seed=args.seed, resume=args.resume
    )
    print(
        f"Trained in {run.seconds:.0f} s; held-out copy: {run.validation_loss:.3f} nats per token;"
        f" saved to {output}. Use it with TrailerCopywriter({args.adapter!r}, adapter={str(output)!r})."
    )
    return 0
