"""A small transformer that reads a review and says negative, mixed or positive (PyTorch).

The attention inside is notebook 01's, written out: softmax(Q K^T / sqrt(d_head)) V, with a
padding mask so real words never attend to the padding after a short review. One block, a
mean over the real words, and a linear layer to three classes: about 60 thousand weights,
trained in seconds on two CPU cores.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import torch
from torch import nn

from cinelab.language.text import words

PAD, UNKNOWN = 0, 1


class WordVocabulary:
    """Word -> id for words seen at least `min_count` times; 0 is padding, 1 unknown."""

    def __init__(self, min_count: int = 2, max_length: int = 64):
        self.min_count = min_count
        self.max_length = max_length

    def fit(self, texts) -> WordVocabulary:
        counts = Counter(word for text in texts for word in words(text))
        kept = sorted(w for w, c in counts.items() if c >= self.min_count)
        self.ids_ = {word: index + 2 for index, word in enumerate(kept)}
        return self

    def __len__(self) -> int:
        return len(self.ids_) + 2

    def encode(self, texts) -> torch.Tensor:
        """Token ids padded (or cut) to the longest text, shape (n_texts, length)."""
        encoded = [
            ([self.ids_.get(w, UNKNOWN) for w in words(t)] or [UNKNOWN])[: self.max_length]
            for t in texts
        ]  # an empty text reads as one unknown word, so attention always has a key
        length = max(1, max(len(ids) for ids in encoded))
        batch = torch.full((len(encoded), length), PAD, dtype=torch.long)
        for row, ids in enumerate(encoded):
            batch[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        return batch


def attention(query, key, value, key_is_real):
    """Scaled dot-product attention, notebook 01's formula, with padded keys hidden.

    query, key, value: (batch, heads, n, d_head); key_is_real: (batch, n) booleans.
    Returns the outputs (batch, heads, n, d_head) and the weights (batch, heads, n, n).
    """
    scores = query @ key.transpose(-2, -1) / math.sqrt(query.shape[-1])  # (b, h, n, n)
    scores = scores.masked_fill(~key_is_real[:, None, None, :], float("-inf"))
    weights = scores.softmax(dim=-1)  # (b, h, n, n)
    return weights @ value, weights


class ReviewTransformer(nn.Module):
    """Embeddings + learned positions -> one self-attention block -> mean over words -> 3 logits."""

    def __init__(
        self, vocabulary_size: int, n_classes: int = 3, d_model: int = 32, n_heads: int = 2,
        max_length: int = 64,
    ):  # fmt: skip
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} must be a multiple of n_heads={n_heads}")
        self.n_heads = n_heads
        self.embed = nn.Embedding(vocabulary_size, d_model, padding_idx=PAD)
        self.position = nn.Embedding(max_length, d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.feed_forward = nn.Sequential(
            nn.Linear(d_model, 2 * d_model), nn.GELU(), nn.Linear(2 * d_model, d_model)
        )
        self.classify = nn.Linear(d_model, n_classes)

    def forward(self, token_ids: torch.Tensor, return_attention: bool = False):
        batch, n = token_ids.shape
        is_real = token_ids != PAD  # (b, n)
        positions = torch.arange(n, device=token_ids.device)
        x = self.embed(token_ids) + self.position(positions)  # (b, n, d)
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)  # 3 x (b, n, d)
        q, k, v = (t.view(batch, n, self.n_heads, -1).transpose(1, 2) for t in (q, k, v))
        mixed, weights = attention(q, k, v, is_real)  # (b, h, n, d_head)
        x = x + self.out(mixed.transpose(1, 2).reshape(batch, n, -1))  # (b, n, d)
        x = x + self.feed_forward(self.norm2(x))  # (b, n, d)
        real = is_real.unsqueeze(-1).float()  # (b, n, 1)
        pooled = (x * real).sum(dim=1) / real.sum(dim=1).clamp(min=1.0)  # (b, d)
        logits = self.classify(pooled)  # (b, n_classes)
        return (logits, weights) if return_attention else logits


class TransformerSentiment:
    """Fit/predict wrapper: vocabulary, model and a short AdamW training loop (seeded)."""

    def __init__(self, epochs: int = 12, batch_size: int = 32, learning_rate: float = 3e-3,
                 d_model: int = 32, n_heads: int = 2, seed: int = 0):  # fmt: skip
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.d_model = d_model
        self.n_heads = n_heads
        self.seed = seed

    def fit(self, texts, labels) -> TransformerSentiment:
        texts, labels = list(texts), np.asarray(labels)
        self.classes_ = np.unique(labels)
        generator = torch.Generator().manual_seed(self.seed)
        torch.manual_seed(self.seed)
        self.vocabulary_ = WordVocabulary().fit(texts)
        self.model_ = ReviewTransformer(
            len(self.vocabulary_), len(self.classes_), self.d_model, self.n_heads
        )
        targets = torch.as_tensor(np.searchsorted(self.classes_, labels))  # (n,)
        tokens = self.vocabulary_.encode(texts)  # (n, length)
        optimiser = torch.optim.AdamW(self.model_.parameters(), lr=self.learning_rate)
        self.losses_ = []
        self.model_.train()
        for _ in range(self.epochs):
            order = torch.randperm(len(texts), generator=generator)
            total = 0.0
            for start in range(0, len(texts), self.batch_size):
                rows = order[start : start + self.batch_size]
                loss = nn.functional.cross_entropy(self.model_(tokens[rows]), targets[rows])
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                total += loss.item() * len(rows)
            self.losses_.append(total / len(texts))
        self.model_.eval()
        return self

    def predict_proba(self, texts) -> np.ndarray:
        with torch.no_grad():
            logits = self.model_(self.vocabulary_.encode(list(texts)))  # (n, K)
        return logits.softmax(dim=-1).numpy()

    def predict(self, texts) -> np.ndarray:
        return self.classes_[self.predict_proba(texts).argmax(axis=1)]
