"""Attention maps from the kit's numpy transformer and from a tiny transformers GPT-2."""

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

from cinelab import attention


@pytest.fixture(scope="module")
def kit_model(heist_corpus):
    return attention.KitTransformer.from_texts(heist_corpus, d_model=8, n_heads=2, n_layers=2)


@pytest.fixture(scope="module")
def tiny_gpt2(heist_corpus):
    words = sorted({w for text in heist_corpus for w in attention.tokenize(text)})
    vocab = {"[UNK]": 0, **{w: i + 1 for i, w in enumerate(words)}}
    word_level = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    word_level.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=word_level, unk_token="[UNK]")
    config = GPT2Config(
        vocab_size=len(vocab), n_positions=32, n_embd=16, n_layer=2, n_head=4,
        bos_token_id=0, eos_token_id=0,
    )  # fmt: skip
    torch.manual_seed(0)
    return GPT2LMHeadModel(config), tokenizer


def test_kit_transformer_maps_have_one_map_per_layer_and_head(kit_model):
    maps = kit_model.attention("A crew plans a heist", causal=False)
    assert maps.tokens == ("a", "crew", "plans", "a", "heist")
    assert maps.weights.shape == (2, 2, 5, 5)
    np.testing.assert_allclose(maps.weights.sum(axis=-1), 1.0, rtol=1e-12)
    assert maps.allowed.all() and maps.note == ""


def test_kit_transformer_causal_maps_never_look_ahead(kit_model):
    maps = kit_model.attention("a crew plans a heist", causal=True)
    future = ~attention.causal_mask(5)
    assert np.all(maps.weights[..., future] == 0.0)
    assert np.array_equal(maps.allowed, attention.causal_mask(5))


def test_kit_transformer_weights_are_those_of_its_blocks(kit_model):
    """Recompute layer 1 by hand from the public pieces: embedding, positions, blocks."""
    embedding = kit_model.embedding
    x = embedding.embed("crew plans") * np.sqrt(8 / 2) + attention.sinusoidal_positions(2, 8)
    _, expected = kit_model.blocks[0](x)
    np.testing.assert_allclose(kit_model.attention("crew plans").weights[0], expected, atol=1e-12)


def test_kit_transformer_reports_unknown_words_and_truncation(kit_model):
    maps = kit_model.attention("a zebra and a crew", max_tokens=4)
    assert maps.tokens == ("a", "zebra", "and", "a")
    assert "zebra" in maps.note and "and" in maps.note and "first 4 of 5" in maps.note
    with pytest.raises(ValueError, match="no words"):
        kit_model.attention("   ")


def test_kit_transformer_checks_its_parts(heist_corpus):
    embedding = attention.CooccurrenceEmbedding(dim=8).fit(heist_corpus)
    with pytest.raises(ValueError, match="share one d_model"):
        attention.KitTransformer(embedding, [attention.TransformerBlock(16, 2)])
    with pytest.raises(ValueError, match="not fitted"):
        attention.KitTransformer(attention.CooccurrenceEmbedding(dim=8), [])


def test_transformers_adapter_returns_the_models_own_attentions(tiny_gpt2):
    model, tokenizer = tiny_gpt2
    source = attention.TransformersAttention(model, tokenizer)
    maps = source.attention("the crew plans a heist")
    assert maps.tokens == ("the", "crew", "plans", "a", "heist")
    assert maps.weights.shape == (2, 4, 5, 5) and source.fixed_causal is True
    ids = tokenizer("the crew plans a heist", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        reference = model(input_ids=ids, output_attentions=True).attentions
    for layer, expected in enumerate(reference):
        np.testing.assert_allclose(maps.weights[layer], expected[0].numpy(), atol=1e-7)
    assert np.all(maps.weights[..., ~attention.causal_mask(5)] == 0.0)


def test_transformers_adapter_truncates_and_says_so(tiny_gpt2):
    source = attention.TransformersAttention(*tiny_gpt2)
    maps = source.attention("the crew plans a heist at the bank", max_tokens=3)
    assert maps.weights.shape[-1] == 3 and "first 3 of 8" in maps.note
