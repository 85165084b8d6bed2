"""Time the kit's tiny language model: loading, generation speed, by-hand decoding vs generate.

Run by hand (not part of the tests):

    python benchmarks/textgen.py                    # 2 threads, best of 10
    python benchmarks/textgen.py --threads 1 --repeats 10

Every generation produces exactly ``--new-tokens`` tokens (end-of-text is switched off by
hand, and masked with ``min_new_tokens`` in ``generate``), so tokens/s compare like with like. The by-hand loops are the ones in
``cinelab.textgen.decoding`` (with the key/value cache); the reference is
``model.generate`` with the same settings. Training time and validation perplexity are read
from ``data/models/trailer-gpt/training_report.json``, written by ``cinelab train-lm``.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from collections.abc import Callable

import torch

from cinelab.textgen import TrailerCopywriter, decoding, format_header, load_language_model
from cinelab.textgen.loading import KIT_MODEL_DIR
from cinelab.widgets import TrailerStudio

PROMPT = ("tagline", "Horror", "Alien", 1979)
SETTINGS = {"temperature": 0.8, "top_k": 50, "top_p": 0.9}


def best_seconds(run: Callable[[], object], repeats: int) -> float:
    """Best wall time of ``repeats`` calls after one warm-up call."""
    run()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def strategy_cases(model, batch, no_stop, new_tokens: int) -> dict:
    """(by hand, model.generate) pairs of calls for each strategy; beam search for 1 prompt."""
    n_sequences = batch.shape[0]
    cases = {
        "greedy": (
            lambda: decoding.greedy(model, batch, new_tokens, eos_token_id=[]),
            lambda: model.generate(
                batch, generation_config=no_stop, do_sample=False, max_new_tokens=new_tokens
            ),
        ),
        "sample (T, top-k, top-p)": (
            lambda: decoding.sample(model, batch, new_tokens, seed=0, eos_token_id=[], **SETTINGS),
            lambda: model.generate(
                batch,
                generation_config=no_stop,
                do_sample=True,
                max_new_tokens=new_tokens,
                **SETTINGS,
            ),
        ),
    }
    if n_sequences == 1:
        cases["beam search (4 beams)"] = (
            lambda: decoding.beam_search(model, batch, 4, new_tokens, eos_token_id=[]),
            lambda: model.generate(
                batch,
                generation_config=no_stop,
                do_sample=False,
                num_beams=4,
                max_new_tokens=new_tokens,
            ),
        )
    return cases


def generation_rows(lm, new_tokens: int, repeats: int) -> list[dict]:
    """Tokens/s of by-hand decoding and of model.generate, for 1 and 16 sequences."""
    model = lm.model
    no_stop = copy.deepcopy(model.generation_config)
    no_stop.min_new_tokens = new_tokens  # generate exactly new_tokens tokens (end-of-text masked)
    prompt = lm.encode(format_header(*PROMPT))  # (1, prompt_length)
    rows = []
    for n_sequences in (1, 16):
        batch = prompt.repeat(n_sequences, 1)  # (n_sequences, prompt_length)
        cases = strategy_cases(model, batch, no_stop, new_tokens)
        for name, (by_hand, reference) in cases.items():
            mine = best_seconds(by_hand, repeats)
            theirs = best_seconds(reference, repeats)
            rows.append(
                {
                    "strategy": name,
                    "sequences": n_sequences,
                    "by hand tokens/s": n_sequences * new_tokens / mine,
                    "generate tokens/s": n_sequences * new_tokens / theirs,
                    "by hand / generate time": mine / theirs,
                }
            )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--new-tokens", type=int, default=40)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    load = best_seconds(lambda: load_language_model(), args.repeats)
    lm = load_language_model()
    report = json.loads((KIT_MODEL_DIR / "training_report.json").read_text())
    print(f"torch {torch.__version__}, {args.threads} threads, best of {args.repeats}")
    print(
        f"training: {report['seconds']} s with {report['threads']} threads, {report['steps']} steps,"
        f" {report['parameters']:,} weights; validation loss {report['validation_loss']},"
        f" perplexity {report['validation_perplexity']}"
    )
    print(f"load the kit's model and tokenizer: {1000 * load:.0f} ms")

    print("\n| strategy | sequences | by hand tokens/s | generate tokens/s | by hand / generate |")
    print("|---|---:|---:|---:|---:|")
    for row in generation_rows(lm, args.new_tokens, args.repeats):
        print(
            f"| {row['strategy']} | {row['sequences']} | {row['by hand tokens/s']:.0f}"
            f" | {row['generate tokens/s']:.0f} | {row['by hand / generate time']:.2f} |"
        )

    one_line = best_seconds(
        lambda: decoding.sample(lm.model, lm.encode(format_header(*PROMPT)), args.new_tokens,
                                seed=0, eos_token_id=[], **SETTINGS),
        args.repeats,
    )  # fmt: skip
    studio = TrailerStudio(TrailerCopywriter(lm, seed=0))
    click = best_seconds(studio.generate_button.click, args.repeats)
    print(f"\none {args.new_tokens}-token line (sampling): {1000 * one_line:.0f} ms")
    print(
        f"TrailerStudio Generate click (8 candidates, checks, next-token view): {1000 * click:.0f} ms"
    )


if __name__ == "__main__":
    main()
