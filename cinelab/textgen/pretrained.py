"""Small open pretrained models, one command away: pinned, checked, cached, loaded offline.

``cinelab models pull NAME`` downloads every file of a registry entry at a pinned revision
(a commit hash of the model's repository), checks each file's SHA-256 against the value
written here, and stores it in the Hugging Face cache layout::

    $HF_HUB_CACHE/models--HuggingFaceTB--SmolLM2-135M-Instruct/
        blobs/<sha256>                      the file's bytes, named by their hash
        snapshots/<revision>/config.json    a link to the blob
        refs/main                           the revision

so ``transformers`` (and this module) load it later with no network at all. A download that
stops half-way is resumed from where it stopped; a file whose hash does not match is deleted
and reported by name; nothing unverified is ever moved into place.

Why pin hashes at all? A model id is a moving target: its owner can push new weights at any
time. A revision plus a SHA-256 per file says exactly which bytes the kit was tested with.

    from cinelab.textgen import pretrained
    pretrained.pull("smollm2-135m-instruct")           # once, while online
    pretrained.cached("chat")                          # ['smollm2-135m-instruct']
    chat = pretrained.load_chat("smollm2-135m-instruct")
    chat.reply([{"role": "user", "content": "A tagline for Alien (1979)?"}], max_new_tokens=40)
    sentiment = pretrained.load_sentiment("distilbert-sst2")
    sentiment(["A triumph.", "Two hours I will never get back."])  # [('POSITIVE', 0.99...), ...]
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import torch
from jinja2 import TemplateError

from cinelab import config
from cinelab.data.download import NETWORK_ERRORS
from cinelab.textgen.decoding import sample_candidates

TASKS = ("chat", "sentiment")
DEFAULT_ENDPOINT = "https://huggingface.co"
CHUNK_BYTES = 1 << 20
THINK_BLOCK = re.compile(r"<think>.*?(</think>\s*|$)", re.DOTALL)  # and the space after it


@dataclass(frozen=True)
class ModelFile:
    """One file of a model repository: its path, size in bytes and SHA-256."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class PretrainedModel:
    """A registry entry: which repository, at which revision, with which exact files."""

    name: str
    repo_id: str
    revision: str
    task: str
    files: tuple[ModelFile, ...]
    description: str
    languages: tuple[str, ...] = ("en",)
    pins_checked: str = ""  # where the revision and hashes were checked, for the curious

    @property
    def size(self) -> int:
        return sum(file.size for file in self.files)

    @property
    def pull_command(self) -> str:
        return f"cinelab models pull {self.name}"


def _files(*rows: tuple[str, int, str]) -> tuple[ModelFile, ...]:
    return tuple(ModelFile(*row) for row in rows)


_SMOLLM2_TOKENIZER = (
    ("generation_config.json", 132, "87b916edaaab66b3899b9d0dd0752727dff6666686da0504d89ae0a6e055a013"),
    ("special_tokens_map.json", 655, "2b7379f3ae813529281a5c602bc5a11c1d4e0a99107aaa597fe936c1e813ca52"),
    ("tokenizer.json", 2_104_556, "9ca9acddb6525a194ec8ac7a87f24fbba7232a9a15ffa1af0c1224fcd888e47c"),
    ("tokenizer_config.json", 3_764, "4ec77d44f62efeb38d7e044a1db318f6a939438425312dfa333b8382dbad98df"),
)  # fmt: skip

REGISTRY: dict[str, PretrainedModel] = {
    entry.name: entry
    for entry in (
        PretrainedModel(
            name="smollm2-135m-instruct",
            repo_id="HuggingFaceTB/SmolLM2-135M-Instruct",
            revision="12fd25f77366fa6b3b4b768ec3050bf629380bac",
            task="chat",
            files=_files(
                (
                    "config.json",
                    861,
                    "8eb740e8bbe4cff95ea7b4588d17a2432deb16e8075bc5828ff7ba9be94d982a",
                ),
                (
                    "model.safetensors",
                    269_060_552,
                    "5af571cbf074e6d21a03528d2330792e532ca608f24ac70a143f6b369968ab8c",
                ),
                *_SMOLLM2_TOKENIZER,
            ),
            description="SmolLM2 135M Instruct (Hugging Face, Apache-2.0): 270 MB, English.",
            pins_checked="every size and hash agreed between two independent published pin lists",
        ),
        PretrainedModel(
            name="smollm2-360m-instruct",
            repo_id="HuggingFaceTB/SmolLM2-360M-Instruct",
            revision="a10cc1512eabd3dde888204e902eca88bddb4951",
            task="chat",
            files=_files(
                (
                    "config.json",
                    846,
                    "224f72354f10d617a359cc82ad15a3c96e866b9b2ffadb81997eeea9e88e22ee",
                ),
                (
                    "model.safetensors",
                    723_674_912,
                    "e6bffe7435d7ddc10fd3b9a9efd429dafbacb1cb17015fb5562664e7532bf86e",
                ),
                *_SMOLLM2_TOKENIZER,
            ),
            description="SmolLM2 360M Instruct (Hugging Face, Apache-2.0): 725 MB, English.",
            pins_checked="weights hash and size agreed between three published pin lists; the"
            " tokenizer files are byte-identical to the 135M model's",
        ),
        PretrainedModel(
            name="qwen2.5-0.5b-instruct",
            repo_id="Qwen/Qwen2.5-0.5B-Instruct",
            revision="7ae557604adf67be50417f59c2c2f167def9a775",
            task="chat",
            files=_files(
                (
                    "config.json",
                    659,
                    "18e18afcaccafade98daf13a54092927904649e1dd4eba8299ab717d5d94ff45",
                ),
                (
                    "generation_config.json",
                    242,
                    "e558847a8b4402616f1273797b015104dc266fe4b520056fca88823ba8f8ebe6",
                ),
                (
                    "merges.txt",
                    1_671_839,
                    "599bab54075088774b1733fde865d5bd747cbcc7a547c5bc12610e874e26f5e3",
                ),
                (
                    "model.safetensors",
                    988_097_824,
                    "fdf756fa7fcbe7404d5c60e26bff1a0c8b8aa1f72ced49e7dd0210fe288fb7fe",
                ),
                (
                    "tokenizer.json",
                    7_031_645,
                    "c0382117ea329cdf097041132f6d735924b697924d6f6fc3945713e96ce87539",
                ),
                (
                    "tokenizer_config.json",
                    7_305,
                    "5b5d4f65d0acd3b2d56a35b56d374a36cbc1c8fa5cf3b3febbbfabf22f359583",
                ),
                (
                    "vocab.json",
                    2_776_833,
                    "ca10d7e9fb3ed18575dd1e277a2579c16d108e32f27439684afa0e10b1440910",
                ),
            ),
            description="Qwen2.5 0.5B Instruct (Alibaba, Apache-2.0): 1 GB, writes English and"
            " Chinese (and 27 more languages).",
            languages=("en", "zh"),
            pins_checked="weights, tokenizer and vocabulary hashes agreed between several"
            " published pin lists; config and generation config from one list",
        ),
        PretrainedModel(
            name="distilbert-sst2",
            repo_id="distilbert/distilbert-base-uncased-finetuned-sst-2-english",
            revision="714eb0fa89d2f80546fda750413ed43d93601a13",
            task="sentiment",
            files=_files(
                (
                    "config.json",
                    629,
                    "582122c8f414793d131e10022ce9ba04e3811a9da6389137ee2f18665b4f4d15",
                ),
                (
                    "model.safetensors",
                    267_832_558,
                    "7c3919835e442510166d267fe7cbe847e0c51cd26d9ba07b89a57b952b49b8aa",
                ),
                (
                    "tokenizer_config.json",
                    48,
                    "5ab9097b4149371c5fd52b2d6e26cb6f9c07c0d19fcfdda895b1adad6b57c3e0",
                ),
                (
                    "vocab.txt",
                    231_508,
                    "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
                ),
            ),
            description="DistilBERT fine-tuned on SST-2 movie-review sentences (Apache-2.0):"
            " 268 MB, POSITIVE / NEGATIVE.",
            pins_checked="every hash agreed between two published pin lists",
        ),
    )
}


class ChecksumError(ValueError):
    """A downloaded file is not the file the registry pins (it has been deleted)."""


# ---------------------------------------------------------------- where things live


def hub_cache(cache_dir: str | Path | None = None) -> Path:
    """The Hugging Face cache folder, read from the environment at call time."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = (
        os.environ.get("HF_HOME")
        or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "huggingface"
    )
    return Path(home).expanduser() / "hub"


def repo_folder(entry: PretrainedModel, cache_dir=None) -> Path:
    return hub_cache(cache_dir) / ("models--" + entry.repo_id.replace("/", "--"))


def snapshot_folder(entry: PretrainedModel, cache_dir=None) -> Path:
    return repo_folder(entry, cache_dir) / "snapshots" / entry.revision


def entry_for(name: str) -> PretrainedModel:
    """The registry entry called ``name`` (its short name or its repository id)."""
    if isinstance(name, PretrainedModel):
        return name
    for entry in REGISTRY.values():
        if name in (entry.name, entry.repo_id):
            return entry
    raise KeyError(
        f"{name!r} is not in the kit's model registry; known models: {', '.join(REGISTRY)}."
        " Pull one with `cinelab models pull NAME`."
    )


def is_cached(name: str, cache_dir=None) -> bool:
    """True when every file of the entry is in the cache with its pinned size."""
    entry = entry_for(name)
    folder = snapshot_folder(entry, cache_dir)
    return all(
        (folder / file.path).is_file() and (folder / file.path).stat().st_size == file.size
        for file in entry.files
    )


def cached(task: str | None = None, cache_dir=None) -> list[str]:
    """Names of the registry's models that are on this computer, smallest first.

    Parameters
    ----------
    task : {"chat", "sentiment"}, optional
        Only models for this task.
    """
    if task is not None and task not in TASKS:
        raise ValueError(f"task must be one of {TASKS} or None, got {task!r}.")
    entries = [entry for entry in REGISTRY.values() if task in (None, entry.task)]
    return [
        entry.name
        for entry in sorted(entries, key=lambda entry: entry.size)
        if is_cached(entry.name, cache_dir)
    ]


def require_cached(name: str, cache_dir=None) -> Path:
    """The snapshot folder of a cached model; otherwise a clear error with the pull command."""
    entry = entry_for(name)
    if not is_cached(entry.name, cache_dir):
        raise FileNotFoundError(
            f"The model {entry.name!r} ({entry.repo_id}) is not on this computer. While online,"
            f" run `{entry.pull_command}` ({entry.size / 1e6:,.0f} MB, once); after that it"
            " loads offline."
        )
    return snapshot_folder(entry, cache_dir)


# ---------------------------------------------------------------- pulling


def pull(
    name: str, endpoint: str | None = None, *, cache_dir=None, progress: bool | None = None
) -> Path:
    """Download a registry model at its pinned revision, check every file, cache it.

    Parameters
    ----------
    name : str
        A registry name (``cinelab models list`` shows them) or its repository id.
    endpoint : str, optional
        Where to download from (default: ``HF_ENDPOINT`` or https://huggingface.co). With
        ``HF_HUB_OFFLINE`` set, only an explicit endpoint (a local mirror) is used.
    progress : bool, optional
        Show a progress bar (default: when writing to a terminal).

    Returns
    -------
    Path
        The snapshot folder, loadable with ``from_pretrained(folder)``.
    """
    entry = entry_for(name)
    if endpoint is None and config.hf_offline():
        raise ConnectionError(
            f"HF_HUB_OFFLINE is set, so {entry.name!r} cannot be downloaded from the Hub. Unset"
            " it while online, or pass the endpoint of a local mirror."
        )
    endpoint = (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")
    folder = repo_folder(entry, cache_dir)
    missing = [file for file in entry.files if not _in_place(folder, entry, file)]
    from tqdm.auto import tqdm

    with tqdm(
        total=sum(file.size for file in missing),
        unit="B",
        unit_scale=True,
        desc=f"pull {entry.name}",
        disable=None if progress is None else not progress,
    ) as bar:
        for file in missing:
            url = f"{endpoint}/{entry.repo_id}/resolve/{entry.revision}/{file.path}"
            blob = _download_verified(url, folder / "blobs", file, bar)
            _link(blob, snapshot_folder(entry, cache_dir) / file.path)
    (folder / "refs").mkdir(parents=True, exist_ok=True)
    (folder / "refs" / "main").write_text(entry.revision)
    return snapshot_folder(entry, cache_dir)


def _in_place(folder: Path, entry: PretrainedModel, file: ModelFile) -> bool:
    """A file already in the snapshot whose blob is named by the pinned hash (checked then)."""
    target = folder / "snapshots" / entry.revision / file.path
    blob = folder / "blobs" / file.sha256
    return target.is_file() and blob.is_file() and blob.stat().st_size == file.size


def _download_verified(url: str, blobs: Path, file: ModelFile, bar) -> Path:
    """Fetch ``url`` into ``blobs/<sha256>``, resuming a partial download; verify, or delete."""
    blobs.mkdir(parents=True, exist_ok=True)
    blob, partial = blobs / file.sha256, blobs / f"{file.sha256}.incomplete"
    start = partial.stat().st_size if partial.exists() else 0
    if start > file.size:
        partial.unlink()
        start = 0
    if start < file.size:
        request = urllib.request.Request(url, headers={"Range": f"bytes={start}-"} if start else {})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                if start and response.status != 206:  # the server ignored the range: start over
                    start = 0
                bar.update(start)
                with partial.open("ab" if start else "wb") as out:
                    while chunk := response.read(CHUNK_BYTES):
                        out.write(chunk)
                        bar.update(len(chunk))
        except NETWORK_ERRORS as problem:
            raise ConnectionError(
                f"Downloading {file.path} from {url} failed ({problem}). Run the same pull"
                " command again to resume where it stopped."
            ) from problem
        except OSError as problem:  # a full disk or a read-only cache is not a network problem
            raise OSError(
                f"Could not write {partial} while pulling {file.path} ({problem}). Free some"
                " disk space or make the Hugging Face cache folder writable (HF_HOME chooses"
                " where it is), then run the same pull command again to resume."
            ) from problem
    digest = _sha256(partial)
    if digest != file.sha256 or partial.stat().st_size != file.size:
        partial.unlink()
        raise ChecksumError(
            f"{file.path} from {url} is not the pinned file (SHA-256 {digest}, expected"
            f" {file.sha256}); it was deleted. The source may be damaged or changed."
        )
    partial.replace(blob)
    return blob


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _link(blob: Path, target: Path) -> None:
    """Point a snapshot file at its blob (a relative link, or a copy where links are refused)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() or target.is_symlink():
        target.unlink()
    try:
        target.symlink_to(os.path.relpath(blob, target.parent))
    except OSError:
        shutil.copyfile(blob, target)


# ---------------------------------------------------------------- loading


def check_safetensors(path: str | Path) -> None:
    """Refuse a ``.safetensors`` file that is truncated or not safetensors, naming the file.

    The format is an 8-byte header length, a JSON header giving each tensor's byte range,
    then the bytes: the file must be exactly as long as the largest range's end.
    """
    path = Path(path)
    size = path.stat().st_size
    with path.open("rb") as handle:
        raw_length = handle.read(8)
        header_length = struct.unpack("<Q", raw_length)[0] if len(raw_length) == 8 else -1
        if not 0 < header_length <= size - 8:
            raise ValueError(f"{path} is not a safetensors file (or is cut short): no header.")
        try:
            header = json.loads(handle.read(header_length))
        except (json.JSONDecodeError, UnicodeDecodeError) as problem:
            raise ValueError(f"{path} has a damaged safetensors header ({problem}).") from None
    ends = [info["data_offsets"][1] for key, info in header.items() if key != "__metadata__"]
    expected = 8 + header_length + max(ends, default=0)
    if size != expected:
        raise ValueError(
            f"{path} is truncated or damaged: {size:,} bytes where its header describes"
            f" {expected:,}. Delete it and download or save the model again."
        )


def check_model_folder(folder: str | Path) -> Path:
    """A saved model folder with a config and intact safetensors weights (and nothing pickled)."""
    folder = Path(folder)
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"{folder} has no config.json, so it is not a saved model.")
    weights = sorted(folder.glob("*.safetensors"))
    if not weights:
        raise ValueError(
            f"{folder} has no .safetensors weights; the kit loads only safetensors, because"
            " pickled .bin weights can run code when opened."
        )
    for path in weights:
        check_safetensors(path)
    return folder


def model_folder(name_or_path: str | Path, cache_dir=None) -> Path:
    """A registry name (must be cached) or a local folder saved with ``save_pretrained``."""
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return check_model_folder(path)
    try:
        entry = entry_for(str(name_or_path))
    except KeyError:
        raise FileNotFoundError(
            f"{str(name_or_path)!r} is neither a model folder nor a registry model; known"
            f" models: {', '.join(REGISTRY)}. Get one with `cinelab models pull NAME`."
        ) from None
    return check_model_folder(require_cached(entry.name, cache_dir))


@dataclass
class ChatModel:
    """An instruct model with its chat template, answering a list of chat messages."""

    model: torch.nn.Module
    tokenizer: object
    name: str
    adapter: Path | None = None  # a copy adapter merged into the weights (cinelab.textgen.adapter)
    system_role: bool = field(init=False)

    def __post_init__(self) -> None:
        if not getattr(self.tokenizer, "chat_template", None):
            raise ValueError(f"{self.name} has no chat template, so it is not a chat model.")
        self.system_role = _template_keeps_system(self.tokenizer)

    @property
    def context_length(self) -> int:
        config = self.model.config
        return getattr(config, "max_position_embeddings", None) or config.n_positions

    def encode(self, messages: list[dict[str, str]]) -> torch.Tensor:
        """Token ids of ``messages`` in the chat template, ready for the answer: (1, length).

        A template without a system role (Gemma's raises an error) gets the system message
        folded into the first user message instead. Templates that can think are asked not
        to (``enable_thinking=False``), so the token budget goes to the answer.
        """
        messages = _valid_messages(messages)
        if not self.system_role:
            messages = fold_system_message(messages)
        text = self.tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=True, enable_thinking=False
        )
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        return torch.tensor([ids])

    def decode(self, token_ids) -> str:
        """The text of ``token_ids`` without a reasoning block. Its leading space stays: the
        copywriter joins it to an opening it primed the answer with ("Alien" + " is ...")."""
        return strip_thinking(self.tokenizer.decode(token_ids, skip_special_tokens=True))

    def reply(
        self,
        messages: list[dict[str, str]],
        max_new_tokens: int = 128,
        seed: int = 0,
        *,
        temperature: float = 0.7,
        top_p: float | None = 0.9,
    ) -> str:
        """The model's answer to ``messages`` (sampled reproducibly from ``seed``)."""
        prompt = self.encode(messages)  # (1, length)
        room = self.context_length - prompt.shape[1]
        generation = sample_candidates(
            self.model,
            prompt,
            1,
            min(max_new_tokens, room),
            temperature=temperature,
            top_p=top_p,
            seed=seed,
        )
        new_ids = generation.sequences[0, generation.prompt_length :]
        return self.decode(new_ids).strip()


def load_chat(name: str | Path, *, cache_dir=None) -> ChatModel:
    """Load a cached registry chat model (or a saved folder) for :meth:`ChatModel.reply`.

    Fails at once, with the pull command, when the model is not on this computer.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = model_folder(name, cache_dir)
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(
        folder, use_safetensors=True, local_files_only=True, trust_remote_code=False
    )
    return ChatModel(model.eval(), tokenizer, str(name))


def load_sentiment(name: str | Path = "distilbert-sst2", *, cache_dir=None, batch_size: int = 32):
    """Load a cached sentiment classifier: a function from texts to ``(label, score)`` pairs.

    ``score`` is the classifier's probability of its label (softmax of the logits).
    """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    folder = model_folder(name, cache_dir)
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        folder, use_safetensors=True, local_files_only=True, trust_remote_code=False
    ).eval()
    labels = model.config.id2label

    @torch.no_grad()
    def classify(texts: str | list[str]) -> list[tuple[str, float]]:
        texts = [texts] if isinstance(texts, str) else list(texts)
        if not all(isinstance(text, str) for text in texts):
            raise TypeError("classify takes a text or a list of texts.")
        results = []
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(
                texts[start : start + batch_size], padding=True, truncation=True,
                return_tensors="pt",
            )  # fmt: skip
            probabilities = model(**batch).logits.softmax(dim=-1)  # (batch, n_labels)
            best = probabilities.max(dim=-1)
            results += [
                (labels[int(index)], float(score))
                for score, index in zip(best.values, best.indices)
            ]
        return results

    return classify


# ---------------------------------------------------------------- chat helpers


def fold_system_message(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """Move a leading system message into the first user message (for Gemma-style templates)."""
    if not messages or messages[0]["role"] != "system":
        return messages
    system, rest = messages[0]["content"], [dict(message) for message in messages[1:]]
    for message in rest:
        if message["role"] == "user":
            message["content"] = f"{system}\n\n{message['content']}"
            return rest
    return [{"role": "user", "content": system}, *rest]


def strip_thinking(text: str) -> str:
    """Drop a reasoning model's ``<think>...</think>`` block (even an unfinished one); any
    other text keeps its spaces, so an answer can follow a title it was primed with."""
    return THINK_BLOCK.sub("", text)


def _template_keeps_system(tokenizer) -> bool:
    """Does the chat template accept a system message and actually show it?"""
    marker = "cinelab-system-probe"
    probe = [{"role": "system", "content": marker}, {"role": "user", "content": "hi"}]
    try:
        text = tokenizer.apply_chat_template(probe, tokenize=False, add_generation_prompt=True)
    except TemplateError:  # Gemma-style templates raise "System role not supported"
        return False
    return marker in text


def _valid_messages(messages) -> list[dict[str, str]]:
    if not isinstance(messages, list) or not messages:
        raise ValueError("messages must be a non-empty list of {'role': ..., 'content': ...}.")
    for number, message in enumerate(messages):
        if not isinstance(message, dict) or not {"role", "content"} <= set(message):
            raise ValueError(f"Message {number} must be a dict with 'role' and 'content'.")
        if message["role"] not in ("system", "user", "assistant"):
            raise ValueError(
                f"Message {number} has role {message['role']!r}; use system/user/assistant."
            )
    return messages


# ---------------------------------------------------------------- command line


def run_models_command(args) -> int:
    """``cinelab models list`` and ``cinelab models pull NAME [--endpoint URL]``."""
    if args.action == "list":
        print(models_table())
        return 0
    try:
        folder = pull(args.name, endpoint=args.endpoint)
    except (KeyError, ConnectionError, ChecksumError) as problem:
        print(f"cinelab models pull: {problem.args[0]}", file=sys.stderr)
        return 1
    print(f"{entry_for(args.name).name}: every file checked, cached in {folder}")
    return 0


def models_table(cache_dir=None) -> str:
    """One line per registry model: name, task, size, cached or the command to get it."""
    lines = []
    for entry in REGISTRY.values():
        state = "cached" if is_cached(entry.name, cache_dir) else f"get: {entry.pull_command}"
        lines.append(
            f"{entry.name:24} {entry.task:9} {entry.size / 1e6:7,.0f} MB  {state}\n"
            f"{'':24} {entry.description}"
        )
    return "\n".join(lines)
