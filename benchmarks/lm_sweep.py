"""Choose the kit model's tokenizer and size by measurement, the TinyStories way.

Run by hand (not part of the tests; minutes per row on 2 cores):

    python benchmarks/lm_sweep.py vocab --steps 80 --vocab 1000,2000,4000,8000
    python benchmarks/lm_sweep.py size --steps 80 --vocab 4000 --shapes 128x4x4,192x4x4,256x4x4
    python benchmarks/lm_sweep.py ngram --orders 3,4,5,6,7,8,9,10
    python benchmarks/lm_sweep.py extra --steps 1472 --shapes 128x4x4 --learning-rate 3e-3

``extra`` asks whether the kit's other English helps the copy: the same GPT trained on the
copy alone, then on the copy plus the reviews and loglines of the training films as
prompt-free documents (every token scored), with as many more steps as keep the passes over
the copy equal.

Every row trains on the training films of the kit's corpus (``KitCorpus``, the same documents
as ``cinelab train-lm``) for the same number of steps of 32 documents and scores the copy of the
held-out films in **bits per character**, which compares tokenizers of any size and the
character n-gram baseline. Rows print as JSON lines.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from cinelab.textgen.ngram import CharNGram
from cinelab.textgen.tokenizer import train_tokenizer
from cinelab.textgen.training import (
    KIT_SETTINGS,
    KitCorpus,
    bits_per_character,
    build_tiny_gpt,
    encode_documents,
    encode_prompted_documents,
    fast_bfloat16,
    train_language_model,
)

CONTEXT = 256
BATCH_SIZE = 32
BFLOAT16 = KIT_SETTINGS["bfloat16"] and fast_bfloat16()  # emulated (30x slower) elsewhere


def gpt_row(
    corpus, tokenizer, n_embd, n_layer, n_head, steps, learning_rate, dropout, extra_texts=()
) -> dict:
    """Train one GPT for ``steps`` steps (the loss on the copy only, as the kit's recipe) and
    score the held-out copy. ``extra_texts`` (e.g. ``KitCorpus.other_english``) join the training
    documents with no prompt."""
    model = build_tiny_gpt(
        len(tokenizer),
        end_of_text_id=tokenizer.eos_token_id,
        n_positions=CONTEXT,
        n_embd=n_embd,
        n_layer=n_layer,
        n_head=n_head,
        dropout=dropout,
    )
    train = encode_prompted_documents(tokenizer, corpus.train, CONTEXT)
    if extra_texts:
        train += encode_documents(tokenizer, extra_texts, CONTEXT, prompts=[""] * len(extra_texts))
    validation = encode_prompted_documents(tokenizer, corpus.validation[:200], CONTEXT)
    started = time.perf_counter()
    run = train_language_model(
        model,
        train,
        validation,
        pad_id=tokenizer.pad_token_id,
        epochs=100,
        max_steps=steps,
        batch_size=BATCH_SIZE,
        learning_rate=learning_rate,
        eval_every=steps,
        keep_best=False,
        progress=False,
        bfloat16=BFLOAT16,
    )
    seconds = time.perf_counter() - started
    bits = bits_per_character(
        run.model, tokenizer, corpus.validation["prompt"], corpus.validation["continuation"]
    )
    return {
        "vocabulary": len(tokenizer),
        "shape": f"{n_embd}x{n_layer}x{n_head}",
        "weights": sum(parameter.numel() for parameter in model.parameters()),
        "tokens_per_document": round(sum(map(len, train)) / len(train), 1),
        "steps": steps,
        "extra_documents": len(extra_texts),
        "dropout": dropout,
        "seconds": round(seconds),
        "bits_per_character": round(bits, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep", choices=["vocab", "size", "ngram", "extra"])
    parser.add_argument("--steps", type=int, default=80)
    parser.add_argument("--vocab", default="1000,2000,4000,8000")
    parser.add_argument(
        "--shapes", default="128x4x4,192x4x4,256x4x4", help="width x blocks x heads"
    )
    parser.add_argument("--orders", default="3,4,5,6,7,8,9,10")
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    corpus = KitCorpus.load()
    vocabularies = [int(size) for size in args.vocab.split(",")]
    if args.sweep == "ngram":
        prompts, continuations = corpus.validation["prompt"], corpus.validation["continuation"]
        for order in (int(order) for order in args.orders.split(",")):
            started = time.perf_counter()
            model = CharNGram(order).fit(corpus.train["document"])
            bits = model.bits_per_character(prompts, continuations)
            seconds = round(time.perf_counter() - started, 1)
            print(
                json.dumps(
                    {"order": order, "bits_per_character": round(bits, 4), "seconds": seconds}
                )
            )
    elif args.sweep == "vocab":
        for size in vocabularies:
            tokenizer = train_tokenizer(corpus.train["document"], vocab_size=size)
            print(
                json.dumps(
                    gpt_row(
                        corpus, tokenizer, 192, 4, 4, args.steps, args.learning_rate, args.dropout
                    )
                )
            )
    elif args.sweep == "extra":
        tokenizer = train_tokenizer(corpus.train["document"], vocab_size=vocabularies[0])
        n_embd, n_layer, n_head = (int(part) for part in args.shapes.split(",")[0].split("x"))
        for texts in ([], corpus.other_english):
            steps = round(args.steps * (len(corpus.train) + len(texts)) / len(corpus.train))
            row = gpt_row(corpus, tokenizer, n_embd, n_layer, n_head, steps,
                          args.learning_rate, args.dropout, texts)  # fmt: skip
            print(json.dumps(row))
    else:
        tokenizer = train_tokenizer(corpus.train["document"], vocab_size=vocabularies[0])
        for shape in args.shapes.split(","):
            n_embd, n_layer, n_head = (int(part) for part in shape.split("x"))
            row = gpt_row(
                corpus,
                tokenizer,
                n_embd,
                n_layer,
                n_head,
                args.steps,
                args.learning_rate,
                args.dropout,
            )
            print(json.dumps(row))


if __name__ == "__main__":
    main()
