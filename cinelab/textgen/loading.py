"""Load a causal language model and its tokenizer: the kit's tiny GPT, or any other one.

The kit's model lives in ``data/models/trailer-gpt`` (a few MB, committed). Any other causal
LM works the same way when it is on this computer: a local folder, or a Hugging Face model
id already in the Hugging Face cache (for instance a small instruct model downloaded once
while online). Three safety rules hold for every model:

- nothing is fetched from the network unless you ask for it (``allow_download=True``) and
  ``HF_HUB_OFFLINE`` is not set; a missing model fails at once with a message saying how to
  get it, instead of after a minute of network retries;
- only ``safetensors`` weights are loaded (pickled ``.bin`` weights can run code when loaded);
- ``trust_remote_code`` is never enabled (no Python code from a model repository runs here).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch
from huggingface_hub import snapshot_download
from huggingface_hub.errors import LocalEntryNotFoundError
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedTokenizerBase

from cinelab.textgen.corpus import DATA_DIR

KIT_MODEL_DIR = DATA_DIR / "models" / "trailer-gpt"
KIT_MODEL_NAME = "kit"
DOWNLOAD_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model", "*.jinja", "*.tiktoken"]


@dataclass
class LanguageModel:
    """A causal language model with its tokenizer, ready to decode."""

    model: torch.nn.Module
    tokenizer: PreTrainedTokenizerBase
    name: str

    @property
    def has_chat_template(self) -> bool:
        """Instruct models ship a chat template; the kit's tiny model is prompted with plain text."""
        return bool(getattr(self.tokenizer, "chat_template", None))

    @property
    def context_length(self) -> int:
        config = self.model.config
        return getattr(config, "n_positions", None) or config.max_position_embeddings

    def encode(self, text: str) -> torch.Tensor:
        """Token ids of a plain-text prompt, shape (1, length)."""
        return torch.tensor([self.tokenizer(text)["input_ids"]])

    def encode_chat(self, messages: list[dict[str, str]]) -> torch.Tensor:
        """Token ids of a conversation laid out with the model's chat template, shape (1, length)."""
        if not self.has_chat_template:
            raise ValueError(f"The model {self.name!r} has no chat template; use encode() instead.")
        text = self.tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=True
        )
        return torch.tensor([self.tokenizer(text, add_special_tokens=False)["input_ids"]])

    def decode(self, token_ids) -> str:
        return self.tokenizer.decode(token_ids, skip_special_tokens=True)


def load_language_model(
    name_or_path: str | Path = KIT_MODEL_NAME, *, allow_download: bool = False
) -> LanguageModel:
    """Load a causal LM and its tokenizer from a folder or the Hugging Face cache.

    Parameters
    ----------
    name_or_path : str or Path
        ``"kit"`` (the default) for the kit's trained model, a folder saved with
        ``save_pretrained``, or a Hugging Face model id such as ``"org/model-name"``.
    allow_download : bool
        Allow fetching a model id that is not cached yet (only when ``HF_HUB_OFFLINE`` is unset).

    Returns
    -------
    LanguageModel
        In evaluation mode (no dropout).
    """
    folder = resolve_model_folder(name_or_path, allow_download=allow_download)
    _require_safetensors(folder, name_or_path)
    tokenizer = AutoTokenizer.from_pretrained(
        folder, trust_remote_code=False, local_files_only=True
    )
    model = AutoModelForCausalLM.from_pretrained(
        folder, use_safetensors=True, trust_remote_code=False, local_files_only=True
    )
    name = KIT_MODEL_NAME if folder == KIT_MODEL_DIR else str(name_or_path)
    return LanguageModel(model.eval(), tokenizer, name)


def resolve_model_folder(name_or_path: str | Path, *, allow_download: bool = False) -> Path:
    """The local folder holding ``name_or_path``, without touching the network unless allowed."""
    if str(name_or_path) == KIT_MODEL_NAME:
        if not (KIT_MODEL_DIR / "config.json").is_file():
            raise FileNotFoundError(
                f"The kit's language model is missing from {KIT_MODEL_DIR}. Rebuild it with"
                " `make model` (or `cinelab train-lm`), about two minutes."
            )
        return KIT_MODEL_DIR
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return path
    if not _looks_like_model_id(str(name_or_path)):
        raise FileNotFoundError(
            f"No model folder at {path} (and it is not a model id like 'org/name')."
        )
    return _cached_snapshot(str(name_or_path), allow_download)


def _looks_like_model_id(name: str) -> bool:
    parts = name.split("/")
    return len(parts) <= 2 and all(part and not part.startswith(".") for part in parts)


def _cached_snapshot(model_id: str, allow_download: bool) -> Path:
    try:
        return Path(snapshot_download(model_id, local_files_only=True))
    except LocalEntryNotFoundError:
        pass
    if allow_download and not _offline():
        return Path(snapshot_download(model_id, allow_patterns=DOWNLOAD_PATTERNS))
    reason = "HF_HUB_OFFLINE is set" if _offline() else "downloads were not allowed"
    raise FileNotFoundError(
        f"The model {model_id!r} is not on this computer ({reason}). While online, fetch it once"
        f" with `hf download {model_id}` or load_language_model({model_id!r},"
        " allow_download=True); after that it loads offline from the Hugging Face cache."
    )


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _require_safetensors(folder: Path, name_or_path) -> None:
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(
            f"{folder} has no config.json, so it is not a saved model ({name_or_path})."
        )
    if not any(folder.glob("*.safetensors")):
        raise ValueError(
            f"The model {str(name_or_path)!r} has no .safetensors weights in {folder}. The kit loads"
            " only safetensors, because pickled .bin weights can run code when opened."
        )
