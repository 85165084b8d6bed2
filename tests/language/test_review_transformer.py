"""The small review transformer: notebook 01's attention, padding that changes nothing, learning."""

import numpy as np
import torch

from cinelab.attention import padding_mask, scaled_dot_product_attention
from cinelab.language.review_transformer import (
    ReviewTransformer,
    TransformerSentiment,
    WordVocabulary,
    attention,
)


def test_attention_matches_the_kit_numpy_attention_with_padding():
    rng = np.random.default_rng(0)
    q, k, v = (rng.normal(size=(2, 1, 5, 4)) for _ in range(3))  # (batch, heads, n, d_head)
    lengths = np.array([5, 3])
    ours, weights = attention(*(torch.tensor(a) for a in (q, k, v)), torch.tensor(
        np.arange(5)[None, :] < lengths[:, None]))  # fmt: skip
    expected, expected_weights = scaled_dot_product_attention(
        q, k, v, mask=padding_mask(lengths, 5)[:, None]
    )
    np.testing.assert_allclose(ours.numpy(), expected, atol=1e-12)
    np.testing.assert_allclose(weights.numpy(), expected_weights, atol=1e-12)
    assert np.all(weights.numpy()[1, :, :, 3:] == 0)  # pad keys get no weight


def test_padding_does_not_change_the_prediction():
    torch.manual_seed(0)
    model = ReviewTransformer(vocabulary_size=20).eval()
    short = torch.tensor([[5, 6, 7]])
    padded = torch.tensor([[5, 6, 7, 0, 0, 0]])
    torch.testing.assert_close(model(short), model(padded))


def test_vocabulary_pads_and_marks_unknown_words():
    vocabulary = WordVocabulary(min_count=1).fit(["good film", "bad film"])
    batch = vocabulary.encode(["good film", "terrible", ""])
    assert batch.shape == (3, 2)
    assert batch[1].tolist() == [1, 0] and batch[2].tolist() == [1, 0]  # unknown, then padding


def test_transformer_learns_a_separable_toy_set():
    texts = ["great fun", "loved it", "awful mess", "hated it", "fine i guess", "so so"] * 10
    labels = ["positive", "positive", "negative", "negative", "mixed", "mixed"] * 10
    model = TransformerSentiment(epochs=25, seed=0).fit(texts, labels)
    assert (model.predict(texts[:6]) == np.array(labels[:6])).all()
    assert model.losses_[-1] < model.losses_[0] / 5
    np.testing.assert_allclose(model.predict_proba(texts[:6]).sum(axis=1), 1, rtol=1e-6)
