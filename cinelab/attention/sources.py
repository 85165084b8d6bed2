"""Where attention maps come from: the kit's numpy transformer, or a transformers model.

Both adapters answer the same question, "which tokens does this text become, and what
are the attention weights of every layer and head?", as an :class:`AttentionMaps`, so a
viewer (such as ``cinelab.widgets.AttentionExplorer``) does not care which model ran.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from cinelab.attention.block import TransformerBlock
from cinelab.attention.core import causal_mask
from cinelab.attention.embeddings import UNKNOWN, CooccurrenceEmbedding, tokenize
from cinelab.attention.positions import sinusoidal_positions


@dataclass(frozen=True)
class AttentionMaps:
    """The attention of one text.

    Attributes
    ----------
    tokens : the n tokens, as text to display.
    weights : (n_layers, n_heads, n, n) attention weights; row i is what token i attends to.
    allowed : (n, n) boolean "may attend" mask that was applied.
    note : anything the reader should know (unknown words, truncation), or "".
    """

    tokens: tuple[str, ...]
    weights: np.ndarray
    allowed: np.ndarray
    note: str = ""


class AttentionSource(Protocol):
    """Anything with ``attention(text, causal, max_tokens) -> AttentionMaps``.

    ``fixed_causal`` is None when the caller may choose ``causal``; True when the
    model is built causal and ignores the choice.
    """

    fixed_causal: bool | None

    def attention(self, text: str, causal: bool, max_tokens: int) -> AttentionMaps: ...


class KitTransformer:
    """The kit's numpy transformer: word vectors + sinusoidal positions + a stack of blocks.

    Parameters
    ----------
    embedding : a fitted :class:`CooccurrenceEmbedding` whose ``dim`` equals ``d_model``.
    blocks : :class:`TransformerBlock` s of that ``d_model``, applied in order.
    """

    fixed_causal = None

    def __init__(self, embedding: CooccurrenceEmbedding, blocks: Sequence[TransformerBlock]):
        if not hasattr(embedding, "vectors_"):
            raise ValueError("the embedding is not fitted yet: call embedding.fit(texts) first.")
        if not blocks:
            raise ValueError("KitTransformer needs at least one TransformerBlock.")
        widths = {block.d_model for block in blocks} | {embedding.dim}
        if len(widths) != 1:
            raise ValueError(f"blocks and embedding must share one d_model; got widths {widths}.")
        self.embedding = embedding
        self.blocks = list(blocks)

    @classmethod
    def from_texts(
        cls, texts: Sequence[str], *, d_model: int = 32, n_heads: int = 4, n_layers: int = 2,
        min_count: int = 2, seed: int = 0,
    ) -> KitTransformer:  # fmt: skip
        """Learn word vectors from ``texts``, then build :meth:`with_similarity_heads` on them.

        Words seen fewer than ``min_count`` times in ``texts`` are read as ``<unk>``.
        """
        embedding = CooccurrenceEmbedding(dim=d_model, min_count=min_count, seed=seed).fit(texts)
        return cls.with_similarity_heads(embedding, n_heads=n_heads, n_layers=n_layers, seed=seed)

    @classmethod
    def with_similarity_heads(
        cls, embedding: CooccurrenceEmbedding, *, n_heads: int = 4, n_layers: int = 2,
        seed: int = 0,
    ) -> KitTransformer:  # fmt: skip
        """An untrained demo model on fitted word vectors, whose heads attend by similarity.

        Each head compares tokens inside its own random slice of the vector
        (``W_q = W_k`` = a random orthonormal projection), so the heads light up for related
        words and nearby positions, each in its own way. No training, so nothing deeper.
        """
        rng = np.random.default_rng(seed)
        blocks = [
            _similarity_heads(TransformerBlock(embedding.dim, n_heads, seed=seed + layer), rng)
            for layer in range(n_layers)
        ]
        return cls(embedding, blocks)

    def attention(self, text: str, causal: bool = False, max_tokens: int = 64) -> AttentionMaps:
        """Run the blocks on ``text`` and collect each block's per-head weights."""
        words = tokenize(text)[:max_tokens]
        if not words:
            raise ValueError("the text has no words to attend over.")
        ids = self.embedding.vocabulary_.ids_of(words)  # (n,)
        n, d_model = len(ids), self.embedding.dim
        # unit word vectors scaled to the size of a position vector, so neither drowns the other
        x = self.embedding.vectors_[ids] * np.sqrt(d_model / 2)  # (n, d_model)
        x = x + sinusoidal_positions(n, d_model)  # (n, d_model)
        allowed = causal_mask(n) if causal else np.ones((n, n), dtype=bool)  # (n, n)
        weights = []
        for block in self.blocks:
            x, block_weights = block(x, mask=allowed)  # (n, d_model), (n_heads, n, n)
            weights.append(block_weights)
        unknown_id = self.embedding.vocabulary_.index_[UNKNOWN]
        unknown = sorted({w for w, i in zip(words, ids, strict=True) if i == unknown_id})
        note = f"not in the vocabulary (read as {UNKNOWN}): {', '.join(unknown)}" if unknown else ""
        return AttentionMaps(tuple(words), np.stack(weights), allowed, _join(note, text, n))


class TransformersAttention:
    """Attention maps of a Hugging Face ``transformers`` model run with ``output_attentions``.

    Only the eager attention code returns weights, so the model is switched to it
    (``model.set_attn_implementation("eager")``): same numbers, slower kernels.

    Parameters
    ----------
    model : a transformers model (e.g. ``GPT2LMHeadModel``), already loaded.
    tokenizer : its tokenizer (callable returning ``input_ids``, with ``decode``).
    causal : whether the model masks the future (True for GPT-style language models).
    """

    def __init__(self, model, tokenizer, causal: bool = True) -> None:
        if getattr(model.config, "_attn_implementation", "eager") != "eager":
            if hasattr(model, "set_attn_implementation"):
                model.set_attn_implementation("eager")
            else:  # transformers releases before the setter existed read the config
                model.config._attn_implementation = "eager"
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.fixed_causal = causal

    def attention(self, text: str, causal: bool = True, max_tokens: int = 64) -> AttentionMaps:
        """Tokenize ``text``, run the model once, and stack its attentions.

        ``causal`` is ignored: the model's own architecture decides it (see ``fixed_causal``).
        """
        import torch

        ids = self.tokenizer(text, return_tensors="pt")["input_ids"][:, :max_tokens]  # (1, n)
        if ids.shape[1] == 0:
            raise ValueError("the text has no tokens to attend over.")
        with torch.no_grad():
            outputs = self.model(input_ids=ids, output_attentions=True)
        # each layer: (1, n_heads, n, n)
        weights = np.stack([layer[0].float().numpy() for layer in outputs.attentions])
        n = ids.shape[1]
        allowed = causal_mask(n) if self.fixed_causal else np.ones((n, n), dtype=bool)
        tokens = tuple(self.tokenizer.decode([int(i)]) for i in ids[0])
        n_all = len(self.tokenizer(text)["input_ids"])
        return AttentionMaps(tokens, weights, allowed, _join("", text, n, n_all))


def _similarity_heads(block: TransformerBlock, rng: np.random.Generator) -> TransformerBlock:
    """Give every head W_q = W_k = a random orthonormal projection onto its own slice."""
    d_model = block.d_model
    basis, _ = np.linalg.qr(rng.normal(size=(d_model, d_model)))  # (d_model, d_model)
    projection = basis  # (d_model, d_model); columns of slice h feed head h
    block.attention.set_weights(W_q=projection, W_k=projection)
    return block


def _join(note: str, text: str, n_used: int, n_all: int | None = None) -> str:
    n_all = len(tokenize(text)) if n_all is None else n_all
    cut = f"showing the first {n_used} of {n_all} tokens" if n_all > n_used else ""
    return "; ".join(part for part in (note, cut) if part)
