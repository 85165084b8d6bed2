"""Multi-head self-attention in numpy, with weights you can read, set, or copy from PyTorch."""

from __future__ import annotations

import numpy as np

from cinelab.arguments import positive_int
from cinelab.attention.core import scaled_dot_product_attention

WEIGHT_NAMES = ("W_q", "W_k", "W_v", "W_o")
BIAS_NAMES = ("b_q", "b_k", "b_v", "b_o")


class MultiHeadAttention:
    """Several attention "heads" side by side, each free to look for something different.

    One head gives each query a single weighted average, so it can follow one kind of
    relation at a time. Splitting ``d_model`` into ``n_heads`` slices of size
    ``d_head = d_model / n_heads`` lets each head attend on its own, at the same cost::

        Q = X·W_q + b_q, K = X·W_k + b_k, V = X·W_v + b_v      # (..., n, d_model)
        split into heads                                          # (..., n_heads, n, d_head)
        head_h = softmax(Q_h·K_hᵀ / sqrt(d_head)) · V_h           # (..., n_heads, n, d_head)
        output = concat(heads)·W_o + b_o                          # (..., n, d_model)

    Weights multiply from the right (``X·W``), as in the maths: every ``W_*`` has shape
    (d_model, d_model) and every ``b_*`` shape (d_model,). Like a PyTorch layer (and
    unlike a scikit-learn estimator) it starts with random weights drawn from ``seed``;
    replace them with :meth:`set_weights` or :meth:`load_torch`.

    Parameters
    ----------
    d_model : width of each token vector.
    n_heads : number of heads; must divide ``d_model``.
    seed : seed of the random initial weights.
    """

    def __init__(self, d_model: int, n_heads: int, *, seed: int = 0) -> None:
        _check_heads(d_model, n_heads)
        self.d_model = d_model
        self.n_heads = n_heads
        self.seed = seed
        rng = np.random.default_rng(seed)
        for name in WEIGHT_NAMES:
            setattr(self, name, rng.normal(0.0, d_model**-0.5, size=(d_model, d_model)))
        for name in BIAS_NAMES:
            setattr(self, name, np.zeros(d_model))

    @property
    def d_head(self) -> int:
        return self.d_model // self.n_heads

    def set_weights(self, **arrays: np.ndarray) -> MultiHeadAttention:
        """Replace some of ``W_q, W_k, W_v, W_o, b_q, b_k, b_v, b_o``; returns self."""
        for name, value in arrays.items():
            if name not in WEIGHT_NAMES + BIAS_NAMES:
                raise ValueError(
                    f"unknown weight {name!r}; choose from {', '.join(WEIGHT_NAMES + BIAS_NAMES)}."
                )
            expected = (self.d_model, self.d_model) if name.startswith("W") else (self.d_model,)
            value = np.asarray(value)
            if value.shape != expected:
                raise ValueError(f"{name} must have shape {expected}; got {value.shape}.")
            if not np.issubdtype(value.dtype, np.floating):
                raise TypeError(f"{name} must hold floats; got dtype {value.dtype}.")
            setattr(self, name, value.copy())
        return self

    def load_torch(self, module) -> MultiHeadAttention:
        """Copy the weights of a ``torch.nn.MultiheadAttention`` (self-attention, with biases).

        PyTorch stores ``W_q, W_k, W_v`` stacked as ``in_proj_weight`` (3·d_model, d_model)
        and applies them as ``x·Wᵀ``, hence the transposes. The dtype is kept, so a
        float32 module gives a float32 copy.
        """
        if module.embed_dim != self.d_model or module.num_heads != self.n_heads:
            raise ValueError(
                f"the torch module has embed_dim={module.embed_dim}, num_heads={module.num_heads}; "
                f"this layer has d_model={self.d_model}, n_heads={self.n_heads}."
            )
        if module.in_proj_weight is None or module.in_proj_bias is None:
            raise ValueError(
                "load_torch needs a torch MultiheadAttention with bias=True and equal "
                "query/key/value sizes (one in_proj_weight)."
            )
        in_weight = to_numpy(module.in_proj_weight)  # (3 * d_model, d_model)
        in_bias = to_numpy(module.in_proj_bias)  # (3 * d_model,)
        W_q, W_k, W_v = np.split(in_weight, 3)  # 3 x (d_model, d_model)
        b_q, b_k, b_v = np.split(in_bias, 3)  # 3 x (d_model,)
        return self.set_weights(
            W_q=W_q.T, W_k=W_k.T, W_v=W_v.T, W_o=to_numpy(module.out_proj.weight).T,
            b_q=b_q, b_k=b_k, b_v=b_v, b_o=to_numpy(module.out_proj.bias),
        )  # fmt: skip

    def __call__(self, x: np.ndarray, mask: np.ndarray | None = None):
        """Self-attention over ``x``.

        Parameters
        ----------
        x : (n, d_model) or (batch, n, d_model) token vectors.
        mask : boolean "may attend" mask of shape (n, n), (batch, n, n) or (batch, 1, n),
            e.g. ``causal_mask(n)`` or ``padding_mask(lengths, n)``; the same mask is
            used by every head.

        Returns
        -------
        output : same shape as ``x``.
        weights : (n_heads, n, n) or (batch, n_heads, n, n), one map per head.
        """
        x = np.asarray(x)
        if x.ndim not in (2, 3) or x.shape[-1] != self.d_model:
            raise ValueError(
                f"x must have shape (n, {self.d_model}) or (batch, n, {self.d_model}); "
                f"got {x.shape}."
            )
        q = self._split_heads(x @ self.W_q + self.b_q)  # (..., n_heads, n, d_head)
        k = self._split_heads(x @ self.W_k + self.b_k)  # (..., n_heads, n, d_head)
        v = self._split_heads(x @ self.W_v + self.b_v)  # (..., n_heads, n, d_head)
        heads_mask = None if mask is None else _add_heads_axis(np.asarray(mask))
        heads, weights = scaled_dot_product_attention(q, k, v, mask=heads_mask)
        concatenated = self._merge_heads(heads)  # (..., n, d_model)
        return concatenated @ self.W_o + self.b_o, weights

    def _split_heads(self, x: np.ndarray) -> np.ndarray:
        split = x.reshape(*x.shape[:-1], self.n_heads, self.d_head)  # (..., n, n_heads, d_head)
        return np.swapaxes(split, -2, -3)  # (..., n_heads, n, d_head)

    def _merge_heads(self, heads: np.ndarray) -> np.ndarray:
        together = np.swapaxes(heads, -2, -3)  # (..., n, n_heads, d_head)
        return together.reshape(*together.shape[:-2], self.d_model)  # (..., n, d_model)


def _add_heads_axis(mask: np.ndarray) -> np.ndarray:
    """(n, n) masks already broadcast over heads; batched ones need an axis for them."""
    if mask.ndim == 3:
        return mask[:, None, :, :]  # (batch, 1, n_q, n_k)
    if mask.ndim == 2:
        return mask  # (n_q, n_k)
    raise ValueError(
        f"mask must have shape (n, n), (batch, n, n) or (batch, 1, n); got {mask.shape}."
    )


def _check_heads(d_model: int, n_heads: int) -> None:
    for name, value in (("d_model", d_model), ("n_heads", n_heads)):
        positive_int(value, name)
    if d_model % n_heads:
        raise ValueError(
            f"n_heads={n_heads} must divide d_model={d_model} so every head gets an equal slice."
        )


def to_numpy(tensor) -> np.ndarray:
    """A PyTorch parameter as a numpy copy (detached, on the CPU), for the parity checks."""
    return tensor.detach().cpu().numpy().copy()
