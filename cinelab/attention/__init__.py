"""Attention from scratch in numpy: the functions notebook 01 builds, packaged.

    from cinelab import attention
    out, weights = attention.scaled_dot_product_attention(q, k, v, mask=attention.causal_mask(n))
    # out: (..., n, d_v), weights: (..., n, n)

Masks are boolean, True = "may attend". Every function works on any leading shape
``(..., n, d)`` and is checked against PyTorch in ``tests/attention``.

A *trained* attention layer (PyTorch, a second of training to copy or reverse digits) lives in
``cinelab.attention.toy``; import it on its own, so that this package stays numpy-only.
"""

from cinelab.attention.block import TransformerBlock, gelu, layer_norm
from cinelab.attention.core import (
    causal_mask,
    padding_mask,
    scaled_dot_product_attention,
    sharpen_weights,
    softmax,
)
from cinelab.attention.embeddings import CooccurrenceEmbedding, WordVocabulary, tokenize
from cinelab.attention.multihead import MultiHeadAttention
from cinelab.attention.positions import sinusoidal_positions
from cinelab.attention.sources import AttentionMaps, KitTransformer, TransformersAttention

__all__ = [
    "AttentionMaps",
    "CooccurrenceEmbedding",
    "KitTransformer",
    "MultiHeadAttention",
    "TransformerBlock",
    "TransformersAttention",
    "WordVocabulary",
    "causal_mask",
    "gelu",
    "layer_norm",
    "padding_mask",
    "scaled_dot_product_attention",
    "sharpen_weights",
    "sinusoidal_positions",
    "softmax",
    "tokenize",
]
