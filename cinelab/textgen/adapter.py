"""Low-rank adapters (LoRA), by hand: teach a pretrained chat model the kit's copy on a CPU.

A pretrained model of 135 M weights has read far more English than the kit's corpus holds,
but it does not know what a CineLab tagline looks like, and it invents plots. Training all of
its weights on 2 cores would take days. LoRA (Hu et al., 2021) freezes every pretrained
weight ``W`` (out x in) and learns a correction of low rank instead::

    W x  ->  W x + (alpha / r) * B (A x),    A: (r, in), B: (out, r), r << in

``B`` starts at zero, so training starts from exactly the pretrained model. With ``r`` = 8 on
the top blocks only, a few hundred thousand weights learn and the gradient never has to
travel below the lowest adapted block: a short run fits on a laptop, and the adapter file is
a few megabytes. For writing, :func:`merge_adapter` folds ``(alpha / r) B A`` into ``W``:
the model then costs exactly what the pretrained one costs.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from cinelab.textgen.corpus import DATA_DIR

ADAPTER_FILE = "adapter.safetensors"
ADAPTER_CONFIG = "adapter.json"
ADAPTER_PREFIX = "copy-adapter-"  # data/models/copy-adapter-<registry name>/


def kit_adapter(name: str) -> Path | None:
    """The shipped copy adapter for the registry chat model ``name``, or None if the kit has
    none for it (an adapter only fits the model it was trained on)."""
    from cinelab.textgen.pretrained import REGISTRY

    if name not in REGISTRY:
        return None
    folder = DATA_DIR / "models" / f"{ADAPTER_PREFIX}{name}"
    return folder if (folder / ADAPTER_FILE).is_file() else None


@dataclass(frozen=True)
class AdapterSettings:
    """Which linear layers get an adapter, and how big it is."""

    rank: int = 8
    alpha: float = 16.0
    top_blocks: int = 10  # adapt the last ``top_blocks`` transformer blocks only
    targets: tuple[str, ...] = (
        "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj",
    )  # fmt: skip

    @property
    def scale(self) -> float:
        return self.alpha / self.rank


class LoRALinear(torch.nn.Module):
    """A frozen linear layer plus a trainable low-rank correction ``scale * B A``."""

    def __init__(self, base: torch.nn.Linear, rank: int, scale: float, seed: int = 0):
        super().__init__()
        self.base = base.requires_grad_(False)
        generator = torch.Generator().manual_seed(seed)
        bound = 1 / base.in_features**0.5  # the same range nn.Linear draws its weights from
        a = (torch.rand(rank, base.in_features, generator=generator) * 2 - 1) * bound
        self.lora_a = torch.nn.Parameter(a.to(base.weight.dtype))  # (r, in)
        self.lora_b = torch.nn.Parameter(base.weight.new_zeros(base.out_features, rank))  # (out, r)
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (..., in) -> (..., out)
        return self.base(x) + self.scale * (x @ self.lora_a.T) @ self.lora_b.T

    def delta(self) -> torch.Tensor:
        """The correction as one matrix, shape (out, in)."""
        return self.scale * self.lora_b @ self.lora_a


def add_adapters(model: torch.nn.Module, settings: AdapterSettings, seed: int = 0) -> list[str]:
    """Freeze ``model`` and wrap its targeted linear layers in :class:`LoRALinear`, in place.

    Returns the wrapped layers' names. Only the adapters' ``lora_a`` and ``lora_b`` train.
    """
    model.requires_grad_(False)
    wrapped = []
    for index, name in enumerate(_target_names(model, settings)):
        parent, attribute = _parent(model, name)
        layer = LoRALinear(getattr(parent, attribute), settings.rank, settings.scale, seed + index)
        setattr(parent, attribute, layer)
        wrapped.append(name)
    return wrapped


def adapter_weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Every adapter matrix of ``model`` by name (``<layer>.lora_a`` / ``<layer>.lora_b``)."""
    return {
        name: parameter.detach().contiguous()
        for name, parameter in model.named_parameters()
        if name.endswith((".lora_a", ".lora_b"))
    }


def save_adapter(model: torch.nn.Module, folder: str | Path, settings, **facts) -> Path:
    """Write the adapter (safetensors) and its settings and ``facts`` (JSON) into ``folder``."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_file(adapter_weights(model), folder / ADAPTER_FILE)
    config = {**asdict(settings), **facts}
    (folder / ADAPTER_CONFIG).write_text(json.dumps(config, indent=2) + "\n")
    return folder


def read_adapter(folder: str | Path) -> tuple[AdapterSettings, dict, dict[str, torch.Tensor]]:
    """The settings, the other facts and the weights of a saved adapter, checked: a missing,
    cut-short or unreadable file is named in a ValueError (FileNotFoundError if absent)."""
    from safetensors.torch import load_file

    from cinelab.textgen.pretrained import check_safetensors

    folder = Path(folder)
    for name in (ADAPTER_FILE, ADAPTER_CONFIG):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"No {name} in {folder}: not a saved adapter.")
    check_safetensors(folder / ADAPTER_FILE)
    try:
        config = json.loads((folder / ADAPTER_CONFIG).read_text())
        fields = AdapterSettings.__dataclass_fields__
        chosen = {key: value for key, value in config.items() if key in fields}
        settings = AdapterSettings(**{**chosen, "targets": tuple(chosen.get("targets", ()))})
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError, TypeError) as problem:
        raise ValueError(f"{folder / ADAPTER_CONFIG} is damaged ({problem}).") from None
    facts = {key: value for key, value in config.items() if key not in fields}
    return settings, facts, load_file(folder / ADAPTER_FILE)


def merge_adapter(model: torch.nn.Module, folder: str | Path) -> dict:
    """Add a saved adapter's correction ``scale * B A`` into ``model``'s weights, in place.

    The merged model has the pretrained model's shape and speed. Raises ValueError, naming
    the layer, when the adapter was trained for a model of another shape. Returns the
    adapter's facts (what it was trained on).
    """
    settings, facts, weights = read_adapter(folder)
    layers = {name[: -len(".lora_a")] for name in weights if name.endswith(".lora_a")}
    modules = dict(model.named_modules())
    for name in sorted(layers):
        layer = modules.get(name)
        if getattr(layer, "weight", None) is None:
            raise ValueError(f"The adapter in {folder} adapts {name}, which this model lacks.")
        delta = settings.scale * weights[f"{name}.lora_b"] @ weights[f"{name}.lora_a"]  # (out, in)
        if delta.shape != layer.weight.shape:
            raise ValueError(
                f"The adapter in {folder} was trained for a {tuple(delta.shape)} {name}; "
                f"this model's is {tuple(layer.weight.shape)}."
            )
        with torch.no_grad():
            layer.weight += delta.to(layer.weight.dtype)
    return facts


def _target_names(model: torch.nn.Module, settings: AdapterSettings) -> list[str]:
    blocks = _block_count(model)
    lowest = max(blocks - settings.top_blocks, 0)
    names = []
    for name, module in model.named_modules():
        if (
            not isinstance(module, torch.nn.Linear)
            or name.rsplit(".", 1)[-1] not in settings.targets
        ):
            continue
        block = _block_index(name)
        if block is not None and block >= lowest:
            names.append(name)
    if not names:
        raise ValueError(f"No layer named {settings.targets} in the top blocks of this model.")
    return names


def _block_count(model: torch.nn.Module) -> int:
    return model.config.num_hidden_layers


def _block_index(name: str) -> int | None:
    """The block number in a name like ``model.layers.27.self_attn.q_proj``."""
    parts = name.split(".")
    for before, part in itertools.pairwise(parts):
        if before in ("layers", "h") and part.isdigit():
            return int(part)
    return None


def _parent(model: torch.nn.Module, name: str):
    path, _, attribute = name.rpartition(".")
    return model.get_submodule(path), attribute
