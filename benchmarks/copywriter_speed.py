"""How long a chat model of SmolLM2-135M's size takes to write a tagline with the copywriter.

The model has SmolLM2-135M-Instruct's configuration (30 layers, width 576, 49,152 tokens) but
random weights, so the benchmark runs offline; a word-level tokenizer of the same vocabulary
size stands in for the real one. A random model never stops early, so every candidate runs to
the full token budget: this is the worst case. The writer's defaults are used (8 sampled
candidates sharing one prefill). Besides wall time it prints the process's CPU time, which
stays meaningful on a machine shared with other work (wall time there depends on the load).

    python benchmarks/copywriter_speed.py --threads 2
    python benchmarks/copywriter_speed.py --threads 2 --examples 0   # the brief alone
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from cinelab.textgen import TrailerCopywriter, pretrained
from cinelab.textgen.copywriter import token_budget

SMOLLM2_135M = {
    "vocab_size": 49152,
    "hidden_size": 576,
    "intermediate_size": 1536,
    "num_hidden_layers": 30,
    "num_attention_heads": 9,
    "num_key_value_heads": 3,
    "max_position_embeddings": 8192,
    "rope_theta": 100000.0,
    "tie_word_embeddings": True,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "pad_token_id": 2,
}
CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
WORDS = [
    "a",
    "the",
    "in",
    "of",
    "and",
    "to",
    "for",
    "film",
    "crew",
    "city",
    "night",
    "one",
    "last",
    "space",
    "love",
    "war",
    "heist",
    "home",
    "summer",
    "friends",
    "town",
    "secret",
    "road",
    "world",
    "fear",
    "dark",
    "light",
    "ship",
    "deep",
    "call",
    "back",
    "board",
    "answers",
]


def stand_in_tokenizer(vocab_size: int) -> PreTrainedTokenizerFast:
    """A word-level tokenizer with ``vocab_size`` entries and SmolLM2's special tokens."""
    vocab = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "[UNK]", *WORDS]
    vocab += [f"w{index}" for index in range(vocab_size - len(vocab))]
    word_level = Tokenizer(models.WordLevel({w: i for i, w in enumerate(vocab)}, unk_token="[UNK]"))
    word_level.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=word_level, eos_token="<|im_end|>", pad_token="<|im_end|>"
    )
    tokenizer.chat_template = CHATML
    return tokenizer


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--examples", type=int, default=2, help="hand-written pieces shown first")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(**SMOLLM2_135M)).eval()
    chat = pretrained.ChatModel(model, stand_in_tokenizer(SMOLLM2_135M["vocab_size"]), "random")
    writer = TrailerCopywriter(chat, seed=0, examples=args.examples)
    film = writer.catalogue.iloc[0].to_dict()
    writer.write(film)  # warm-up: the corpus index and word lists load once
    seconds, cpu_seconds = [], []
    for seed in range(args.repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        copy = writer.write(film, kind="tagline", seed=seed)
        seconds.append(time.perf_counter() - start)
        cpu_seconds.append(time.process_time() - cpu_start)
    print(
        f"tagline, {writer.n_candidates} candidates x {token_budget(chat.tokenizer, 'tagline')}"
        f" new tokens, prompt {copy.prompt_ids.shape[1]} tokens ({args.examples} examples),"
        f" {args.threads} threads:"
        f" wall median {statistics.median(seconds):.2f} s (best {min(seconds):.2f} s),"
        f" CPU time median {statistics.median(cpu_seconds):.2f} s"
    )


if __name__ == "__main__":
    main()
