"""A tiny random chat model, a tiny sentiment classifier, and a loopback 'Hub' to pull them from.

Everything is built in a temporary folder: no network, no downloaded weights.
"""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    DistilBertConfig,
    DistilBertForSequenceClassification,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
)

from cinelab.textgen.pretrained import ModelFile, PretrainedModel

CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
# Gemma's rule: only user and model turns; a system message is an error
NO_SYSTEM = (
    "{% for message in messages %}{% if message['role'] == 'system' %}"
    "{{ raise_exception('System role not supported') }}{% endif %}"
    "<start_of_turn>{{ message['role'] }}\n{{ message['content'] }}<end_of_turn>\n"
    "{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)
TEXTS = [
    "In space no one hears the crew. A tagline for a horror film.",
    "Write a tagline for Alien (1979), a Horror and Sci-Fi film, for a fan of horror.",
    "The heist goes wrong on the first night; the city wakes up to sirens.",
] * 20


def tiny_tokenizer(chat_template: str, special: list[str]) -> PreTrainedTokenizerFast:
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=special,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(TEXTS, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token=special[1], pad_token=special[1], bos_token=special[0]
    )
    tokenizer.chat_template = chat_template
    return tokenizer


def save_tiny_chat_model(
    folder: Path, *, chat_template: str = CHATML, seed: int = 0, layers: int = 2, context: int = 512
) -> Path:
    """A random Llama with a chat template: 2 layers, 32 wide, a 400-token vocabulary, a
    ``context`` of 512 positions unless asked otherwise."""
    special = (
        ["<|im_start|>", "<|im_end|>"]
        if chat_template == CHATML
        else ["<start_of_turn>", "<end_of_turn>"]
    )
    tokenizer = tiny_tokenizer(chat_template, special)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=context,
        eos_token_id=tokenizer.convert_tokens_to_ids(special[1]),
        bos_token_id=tokenizer.convert_tokens_to_ids(special[0]),
        pad_token_id=tokenizer.convert_tokens_to_ids(special[1]),
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).eval()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def save_tiny_sentiment_model(folder: Path) -> Path:
    """A random DistilBERT classifier with POSITIVE/NEGATIVE labels and a word-level vocabulary."""
    from transformers import DistilBertTokenizerFast

    words = sorted({word for text in TEXTS for word in text.lower().replace(".", " ").split()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    (folder).mkdir(parents=True, exist_ok=True)
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tokenizer = DistilBertTokenizerFast(vocab_file=str(folder / "vocab.txt"))
    config = DistilBertConfig(
        vocab_size=len(vocab), dim=32, hidden_dim=64, n_layers=1, n_heads=2,
        id2label={0: "NEGATIVE", 1: "POSITIVE"}, label2id={"NEGATIVE": 0, "POSITIVE": 1},
    )  # fmt: skip
    torch.manual_seed(0)
    DistilBertForSequenceClassification(config).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def registry_entry(folder: Path, name: str, task: str = "chat") -> PretrainedModel:
    """A registry entry pinning every file of ``folder`` by size and SHA-256."""
    files = tuple(
        ModelFile(path.name, path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest())
        for path in sorted(folder.iterdir())
        if path.is_file()
    )
    return PretrainedModel(
        name=name,
        repo_id=f"tests/{name}",
        revision="0123456789abcdef0123456789abcdef01234567",
        task=task,
        files=files,
        description="a tiny random model built by the tests",
    )


class LoopbackHub:
    """Serves ``/<repo>/resolve/<revision>/<file>`` from a folder, with HTTP ranges.

    ``tampered`` names files served with one byte changed; ``requests`` records
    (path, Range header) for every request.
    """

    def __init__(self, folder: Path, entry: PretrainedModel):
        self.folder, self.entry = folder, entry
        self.tampered: set[str] = set()
        self.requests: list[tuple[str, str | None]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                hub.requests.append((self.path, self.headers.get("Range")))
                prefix = f"/{hub.entry.repo_id}/resolve/{hub.entry.revision}/"
                name = self.path.removeprefix(prefix)
                path = hub.folder / name
                if not self.path.startswith(prefix) or not path.is_file():
                    self.send_error(404)
                    return
                body = path.read_bytes()
                if name in hub.tampered:
                    body = bytes([body[0] ^ 1]) + body[1:]
                start = 0
                if self.headers.get("Range"):
                    start = int(self.headers["Range"].removeprefix("bytes=").rstrip("-"))
                    self.send_response(206)
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                self.wfile.write(body[start:])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
