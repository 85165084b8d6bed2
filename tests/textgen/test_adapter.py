"""Low-rank adapters by hand: the maths, training on the kit's copy, merging, and the writer."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import torch
from safetensors.torch import load_file

from cinelab.cli import main as cinelab_main
from cinelab.data.embedded import read_films
from cinelab.textgen import TrailerCopywriter, pretrained
from cinelab.textgen.adapter import (
    ADAPTER_CONFIG,
    ADAPTER_FILE,
    AdapterSettings,
    LoRALinear,
    add_adapters,
    kit_adapter,
    merge_adapter,
    save_adapter,
)
from cinelab.textgen.copy_tuning import chat_copy_documents, train_copy_adapter
from cinelab.textgen.corpus import load_copy, split_of
from cinelab.textgen.pretrained import entry_for
from tests.textgen.chat_fixtures import save_tiny_chat_model

SMALL = AdapterSettings(rank=4, alpha=8.0, top_blocks=2)


@pytest.fixture(scope="module")
def small_copy():
    """40 lines of the kit's copy: 30 of training films, 10 of held-out films."""
    copy = load_copy()
    split = [split_of(title, year) for title, year in zip(copy.title, copy.year)]
    copy = copy.assign(split=split)
    train = copy[copy.split == "train"].sample(30, random_state=0)
    held_out = copy[copy.split == "validation"].sample(10, random_state=0)
    return pd.concat([train, held_out], ignore_index=True).drop(columns="split")


def tiny_chat(tmp_path, name="tiny", layers=2):
    return pretrained.load_chat(save_tiny_chat_model(tmp_path / name, layers=layers))


def test_a_lora_layer_starts_as_its_base_and_adds_scale_b_a():
    torch.manual_seed(0)
    base = torch.nn.Linear(6, 5)
    layer = LoRALinear(base, rank=2, scale=4.0)
    x = torch.randn(3, 6)
    torch.testing.assert_close(layer(x), base(x))  # B starts at zero
    with torch.no_grad():
        layer.lora_b.normal_()
    by_hand = base(x) + 4.0 * x @ layer.lora_a.T @ layer.lora_b.T  # (3, 5)
    torch.testing.assert_close(layer(x), by_hand)
    torch.testing.assert_close(layer(x), base(x) + x @ layer.delta().T)
    assert layer.delta().shape == (5, 6)


def test_only_the_top_blocks_targets_train(tmp_path):
    chat = tiny_chat(tmp_path, layers=3)
    wrapped = add_adapters(chat.model, AdapterSettings(rank=2, top_blocks=2, targets=("q_proj",)))
    assert wrapped == ["model.layers.1.self_attn.q_proj", "model.layers.2.self_attn.q_proj"]
    trainable = [name for name, p in chat.model.named_parameters() if p.requires_grad]
    assert trainable == [f"{name}.{part}" for name in wrapped for part in ("lora_a", "lora_b")]
    with pytest.raises(ValueError, match="No layer named"):
        add_adapters(tiny_chat(tmp_path, "other").model, AdapterSettings(targets=("nothing",)))


def test_checkpoints_of_an_adapter_run_hold_the_adapter_only(tmp_path):
    from cinelab.textgen.training import _trainable_state

    chat = tiny_chat(tmp_path)  # its output layer is tied to the embedding
    assert "lm_head.weight" in _trainable_state(chat.model)
    add_adapters(chat.model, SMALL)
    saved = _trainable_state(chat.model)
    assert saved and all(name.endswith((".lora_a", ".lora_b")) for name in saved)


def test_copy_documents_answer_the_writers_own_brief(tmp_path, small_copy):
    chat, films = tiny_chat(tmp_path), read_films()
    documents = chat_copy_documents(chat.tokenizer, films, small_copy, split="validation")
    prompts = [chat.tokenizer.decode(ids[: ids.given]) for ids in documents]
    answers = {
        chat.tokenizer.decode(ids[ids.given :]).removesuffix("<|im_end|>") for ids in documents
    }
    assert all("Premise:" in p and p.endswith("<|im_start|>assistant\n") for p in prompts)
    held_out_films = films[
        [split_of(t, y) == "validation" for t, y in zip(films.title, films.year)]
    ]
    # the held-out lines, and each held-out film's own catalogue tagline: nothing else
    assert answers == set(small_copy.text.iloc[30:]) | set(held_out_films.tagline)
    assert len(documents) == 10 + len(held_out_films)


def test_training_lowers_the_held_out_loss_and_saves_only_the_adapter(tmp_path, small_copy):
    chat = tiny_chat(tmp_path)
    run = train_copy_adapter(
        chat, tmp_path / "adapter", base="tests/tiny", steps=20, learning_rate=3e-2,
        settings=SMALL, films=read_films(), copy=small_copy, progress=False,
    )  # fmt: skip
    facts = json.loads((tmp_path / "adapter" / ADAPTER_CONFIG).read_text())
    assert facts["validation_loss"] < facts["validation_loss_before"] - 0.05
    films = read_films()
    training_films = sum(split_of(t, y) == "train" for t, y in zip(films.title, films.year))
    assert facts["base"] == "tests/tiny" and facts["train_documents"] == 30 + training_films
    assert facts["rank"] == 4 and facts["steps"] == 20 and run.best_step <= 20
    weights = load_file(tmp_path / "adapter" / ADAPTER_FILE)
    assert sorted({name.rsplit(".", 1)[1] for name in weights}) == ["lora_a", "lora_b"]
    assert {name.split(".")[2] for name in weights} == {"0", "1"}  # the top two blocks
    assert not (tmp_path / "adapter" / "checkpoint.pt").exists()


def test_a_merged_adapter_gives_the_adapted_models_logits(tmp_path):
    chat = tiny_chat(tmp_path)
    add_adapters(chat.model, SMALL, seed=3)
    for name, parameter in chat.model.named_parameters():
        if name.endswith("lora_b"):
            torch.nn.init.normal_(parameter, std=0.5)
    save_adapter(chat.model, tmp_path / "adapter", SMALL, base="tests/tiny")
    ids = torch.tensor([[5, 17, 42, 99, 7]])
    with torch.no_grad():
        adapted = chat.model(ids).logits  # (1, 5, vocab)
        fresh = tiny_chat(tmp_path, "fresh")  # the same random weights (seed 0)
        before = fresh.model(ids).logits
        merge_adapter(fresh.model, tmp_path / "adapter")
        merged = fresh.model(ids).logits
    torch.testing.assert_close(merged, adapted, atol=1e-5, rtol=1e-5)
    assert (merged - before).abs().max() > 1e-3


def test_an_adapter_for_another_model_is_refused_by_name(tmp_path):
    chat = tiny_chat(tmp_path, layers=3)
    add_adapters(chat.model, AdapterSettings(rank=2, top_blocks=1))
    save_adapter(chat.model, tmp_path / "adapter", SMALL, base="tests/tiny")
    with pytest.raises(ValueError, match=r"adapts model\.layers\.2\..*which this model lacks"):
        merge_adapter(tiny_chat(tmp_path, "two", layers=2).model, tmp_path / "adapter")
    with pytest.raises(FileNotFoundError, match="No adapter.safetensors"):
        merge_adapter(chat.model, tmp_path)


def test_a_damaged_adapter_is_named_and_changes_nothing(tmp_path):
    chat = tiny_chat(tmp_path)
    add_adapters(chat.model, SMALL)
    folder = save_adapter(chat.model, tmp_path / "adapter", SMALL, base="tests/tiny")
    fresh = tiny_chat(tmp_path, "fresh")
    weights_before = {name: p.clone() for name, p in fresh.model.named_parameters()}
    (folder / ADAPTER_CONFIG).write_text("{not json")
    with pytest.raises(ValueError, match=r"adapter\.json is damaged"):
        merge_adapter(fresh.model, folder)
    weights = (folder / ADAPTER_FILE).read_bytes()
    (folder / ADAPTER_FILE).write_bytes(weights[: len(weights) // 2])
    with pytest.raises(ValueError, match=r"adapter\.safetensors is truncated"):
        merge_adapter(fresh.model, folder)
    for name, parameter in fresh.model.named_parameters():
        torch.testing.assert_close(parameter, weights_before[name])


def test_the_writer_merges_an_adapter_and_then_shows_no_examples(tmp_path):
    chat = tiny_chat(tmp_path)
    add_adapters(chat.model, SMALL)
    save_adapter(chat.model, tmp_path / "adapter", SMALL, base="tests/tiny")
    folder = tmp_path / "tiny"
    writer = TrailerCopywriter(folder, adapter=tmp_path / "adapter", n_candidates=2)
    assert writer.language_model.adapter == tmp_path / "adapter"
    assert writer.examples_shown() == 0
    assert TrailerCopywriter(folder, adapter=tmp_path / "adapter", examples=1).examples_shown() == 1
    assert TrailerCopywriter(folder).examples_shown() == 2  # no adapter for a plain folder
    piece = writer.write(1, kind="tagline")
    assert piece.text and piece.kind == "tagline"
    with pytest.raises(TypeError, match="copy adapter is for a pulled chat model"):
        _ = TrailerCopywriter("kit", adapter=tmp_path / "adapter").language_model


def test_the_shipped_adapter_fits_smollm2_135m_instruct():
    folder = kit_adapter("smollm2-135m-instruct")
    assert folder is not None and kit_adapter("qwen2.5-0.5b-instruct") is None
    facts = json.loads((folder / ADAPTER_CONFIG).read_text())
    assert facts["base"] == entry_for("smollm2-135m-instruct").repo_id
    weights = load_file(folder / ADAPTER_FILE)
    rank, width, blocks = facts["rank"], 576, 30  # SmolLM2-135M: 30 blocks, 576 wide
    expected_out = {"q_proj": 576, "k_proj": 192, "v_proj": 192, "o_proj": 576,
                    "gate_proj": 1536, "up_proj": 1536, "down_proj": 576}  # fmt: skip
    for block in range(blocks - facts["top_blocks"], blocks):
        for target, out in expected_out.items():
            part = "mlp" if target.endswith(("gate_proj", "up_proj", "down_proj")) else "self_attn"
            name = f"model.layers.{block}.{part}.{target}"
            width_in = 1536 if target == "down_proj" else width
            assert weights[f"{name}.lora_a"].shape == (rank, width_in)
            assert weights[f"{name}.lora_b"].shape == (out, rank)
    assert facts["validation_loss"] < facts["validation_loss_before"]
    assert sum(path.stat().st_size for path in folder.iterdir()) < 5_000_000


def test_train_lm_adapter_fails_at_once_for_an_unpulled_model(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    with pytest.raises(SystemExit, match="cinelab models pull smollm2-135m-instruct"):
        cinelab_main(["train-lm", "--adapter", "smollm2-135m-instruct", "--output", str(tmp_path)])
    with pytest.raises(SystemExit, match="--steps must be at least 1"):
        cinelab_main(["train-lm", "--adapter", "smollm2-135m-instruct", "--steps", "0"])
    with pytest.raises(SystemExit, match="--steps is for --adapter"):
        cinelab_main(["train-lm", "--steps", "5", "--output", str(tmp_path)])
