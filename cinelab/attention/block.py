"""One transformer block in numpy: attention and an MLP, each wrapped in layer norm + residual."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erf

from cinelab.arguments import positive_int
from cinelab.attention.multihead import MultiHeadAttention, to_numpy


def layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Normalise each token vector to mean 0 and variance 1, then rescale and shift.

    Keeps the numbers entering attention and the MLP in a steady range however deep the
    stack, which is what lets deep transformers train. Uses the biased variance, as
    PyTorch does.
    """
    mean = x.mean(axis=-1, keepdims=True)  # (..., n, 1)
    variance = x.var(axis=-1, keepdims=True)  # (..., n, 1)
    return (x - mean) / np.sqrt(variance + eps) * gain + bias  # (..., n, d_model)


def gelu(x: np.ndarray) -> np.ndarray:
    """Gaussian error linear unit ``x·Φ(x)``: a smooth ReLU (the exact erf form, as in PyTorch)."""
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


class TransformerBlock:
    """A pre-LN transformer block: ``x + attention(LN(x))``, then ``x + MLP(LN(x))``.

    *Pre*-LN normalises the input of each sub-layer and leaves the residual path
    untouched, so the signal can flow straight through a deep stack; GPT-2 and most
    modern models use it. The maths matches ``torch.nn.TransformerEncoderLayer`` with
    ``norm_first=True, activation="gelu", batch_first=True`` in eval mode::

        h   = x + MHA(LN1(x))                      # (..., n, d_model)
        out = h + gelu(LN2(h)·W_1 + b_1)·W_2 + b_2  # (..., n, d_model), hidden (..., n, d_ff)

    Parameters
    ----------
    d_model : width of each token vector.
    n_heads : attention heads (must divide d_model).
    d_ff : hidden width of the MLP; ``None`` means ``4·d_model``.
    eps : layer-norm epsilon (PyTorch's default).
    seed : seed of the random initial weights (see :class:`MultiHeadAttention`).
    """

    def __init__(
        self, d_model: int, n_heads: int, d_ff: int | None = None, *, eps: float = 1e-5,
        seed: int = 0,
    ) -> None:  # fmt: skip
        d_ff = 4 * d_model if d_ff is None else d_ff
        positive_int(d_ff, "d_ff")
        self.d_model = d_model
        self.n_heads = n_heads
        self.d_ff = d_ff
        self.eps = eps
        self.seed = seed
        self.attention = MultiHeadAttention(d_model, n_heads, seed=seed)
        rng = np.random.default_rng([seed, 1])
        self.ln1_gain, self.ln1_bias = np.ones(d_model), np.zeros(d_model)
        self.ln2_gain, self.ln2_bias = np.ones(d_model), np.zeros(d_model)
        self.W_1 = rng.normal(0.0, d_model**-0.5, size=(d_model, self.d_ff))
        self.b_1 = np.zeros(self.d_ff)
        self.W_2 = rng.normal(0.0, self.d_ff**-0.5, size=(self.d_ff, d_model))
        self.b_2 = np.zeros(d_model)

    def __call__(self, x: np.ndarray, mask: np.ndarray | None = None):
        """Run the block on ``x`` of shape (n, d_model) or (batch, n, d_model).

        Returns the new token vectors (same shape) and the attention weights
        (..., n_heads, n, n); ``mask`` is as for :class:`MultiHeadAttention`.
        """
        attended, weights = self.attention(
            layer_norm(x, self.ln1_gain, self.ln1_bias, self.eps), mask=mask
        )
        hidden = x + attended  # (..., n, d_model)
        normed = layer_norm(hidden, self.ln2_gain, self.ln2_bias, self.eps)  # (..., n, d_model)
        expanded = gelu(normed @ self.W_1 + self.b_1)  # (..., n, d_ff)
        return hidden + expanded @ self.W_2 + self.b_2, weights

    def load_torch(self, layer) -> TransformerBlock:
        """Copy the weights of a ``torch.nn.TransformerEncoderLayer`` built with
        ``norm_first=True, activation="gelu"`` (the one variant this block computes)."""
        if not getattr(layer, "norm_first", False):
            raise ValueError("this block is pre-LN: build the torch layer with norm_first=True.")
        if getattr(layer, "activation_relu_or_gelu", None) != 2:
            raise ValueError('this block uses GELU: build the torch layer with activation="gelu".')
        if layer.linear1.out_features != self.d_ff or layer.norm1.eps != self.eps:
            raise ValueError(
                f"the torch layer has dim_feedforward={layer.linear1.out_features}, "
                f"eps={layer.norm1.eps}; this block has d_ff={self.d_ff}, eps={self.eps}."
            )
        self.attention.load_torch(layer.self_attn)
        self.ln1_gain, self.ln1_bias = to_numpy(layer.norm1.weight), to_numpy(layer.norm1.bias)
        self.ln2_gain, self.ln2_bias = to_numpy(layer.norm2.weight), to_numpy(layer.norm2.bias)
        self.W_1, self.b_1 = to_numpy(layer.linear1.weight).T, to_numpy(layer.linear1.bias)
        self.W_2, self.b_2 = to_numpy(layer.linear2.weight).T, to_numpy(layer.linear2.bias)
        return self
