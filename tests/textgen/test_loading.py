"""Loading any causal LM safely: local folders, the Hugging Face cache, fast clear failures."""

import huggingface_hub
import pandas as pd
import pytest
import torch
from transformers import AutoModelForCausalLM

from cinelab.textgen import (
    LanguageModel,
    TrailerCopywriter,
    load_language_model,
    loading,
    train_tokenizer,
)
from cinelab.textgen.training import build_tiny_gpt

CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>{{ message['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
FILM = {
    "title": "Alien",
    "year": 1979,
    "genres": "Horror|Sci-Fi",
    "logline": "A crew meets a creature.",
}


def save_small_model(folder, chat_template=None):
    """A model and tokenizer built and saved by the test itself (nothing downloaded)."""
    tokenizer = train_tokenizer(
        ["In space no one hears the alien. A crew, a ship, a scream."] * 5, 300
    )
    if chat_template:
        tokenizer.chat_template = chat_template
    model = build_tiny_gpt(
        len(tokenizer),
        end_of_text_id=tokenizer.eos_token_id,
        n_embd=32,
        n_layer=1,
        n_head=2,
        n_positions=1024,
    )
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return model


def test_a_saved_folder_loads_with_its_weights(tmp_path):
    model = save_small_model(tmp_path)
    lm = load_language_model(tmp_path)
    assert isinstance(lm, LanguageModel) and not lm.model.training and not lm.has_chat_template
    for name, tensor in model.state_dict().items():
        assert torch.equal(lm.model.state_dict()[name], tensor), name


def test_a_chat_model_gets_its_brief_through_the_chat_template(tmp_path):
    save_small_model(tmp_path, chat_template=CHAT_TEMPLATE)
    lm = load_language_model(tmp_path)
    assert lm.has_chat_template
    writer = TrailerCopywriter(lm, strategy="greedy", films=pd.DataFrame())
    assert writer.is_chat  # a loaded model with a chat template is driven as a chat model
    copy = writer.write(FILM, audience="loves scary movies", kind="tagline")
    prompt = lm.tokenizer.decode(copy.prompt_ids[0])
    assert prompt.startswith("<|system|>") and prompt.endswith("<|assistant|>")
    assert "Alien (1979)" in prompt and "Horror side" in prompt
    assert isinstance(copy.text, str) and copy.measures["words"] == len(copy.text.split())


def test_a_cached_model_id_loads_offline(tmp_path, monkeypatch):
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "models--kit-tests--tiny-gpt"
    save_small_model(repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    lm = load_language_model("kit-tests/tiny-gpt")
    assert lm.name == "kit-tests/tiny-gpt" and lm.context_length == 1024


def test_a_missing_model_fails_at_once_without_the_network(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("from_pretrained must not be reached for a missing model")

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", no_network)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(
        FileNotFoundError, match="'someone/missing-model' is not on this computer.*hf download"
    ):
        load_language_model("someone/missing-model", allow_download=True)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    with pytest.raises(FileNotFoundError, match="downloads were not allowed"):
        load_language_model("someone/missing-model")
    with pytest.raises(FileNotFoundError, match="No model folder"):
        load_language_model(tmp_path / "no" / "such" / "folder")


def test_pickled_weights_are_refused(tmp_path):
    model = save_small_model(tmp_path)
    for weights in tmp_path.glob("*.safetensors"):
        weights.unlink()
    torch.save(model.state_dict(), tmp_path / "pytorch_model.bin")
    with pytest.raises(ValueError, match="only safetensors"):
        load_language_model(tmp_path)


def test_remote_code_is_never_trusted(tmp_path, monkeypatch):
    save_small_model(tmp_path)
    seen = {}
    real = AutoModelForCausalLM.from_pretrained

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", spy)
    load_language_model(tmp_path)
    assert seen["trust_remote_code"] is False and seen["use_safetensors"] is True
    assert seen["local_files_only"] is True


def test_a_folder_without_config_is_not_a_model(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(FileNotFoundError, match="config.json"):
        load_language_model(tmp_path)


def test_the_kit_model_is_small_and_loads(kit_lm):
    assert kit_lm.name == "kit" and not kit_lm.has_chat_template
    weights = sum(path.stat().st_size for path in loading.KIT_MODEL_DIR.glob("*.safetensors"))
    every_file = sum(path.stat().st_size for path in loading.KIT_MODEL_DIR.iterdir())
    assert 1e6 < weights <= every_file <= 40e6  # the course's limit for the shipped model files
    assert kit_lm.tokenizer.eos_token == "<|endoftext|>"


def test_the_kit_model_uses_the_fused_gelu_and_reads_as_it_was_trained(kit_lm):
    """The shipped config names PyTorch's fused tanh GELU; the model was trained with GPT-2's
    ``gelu_new``, the same function written out in five operations. Same logits, less time."""
    assert kit_lm.model.config.activation_function == "gelu_pytorch_tanh"
    as_trained = AutoModelForCausalLM.from_pretrained(
        loading.KIT_MODEL_DIR, activation_function="gelu_new"
    ).eval()
    ids = kit_lm.encode("title: Alien (1979)\nkind: tagline\ncopy: In space")  # (1, length)
    with torch.no_grad():
        fused, written_out = kit_lm.model(ids).logits, as_trained(ids).logits
    assert torch.allclose(fused, written_out, atol=1e-4)
    assert not torch.equal(fused, written_out)  # two computations, not the same one twice
    tiny = build_tiny_gpt(50, end_of_text_id=0, n_embd=16, n_layer=1, n_head=2)
    assert tiny.config.activation_function == "gelu_pytorch_tanh"  # what train-lm will ship
