"""Softmax, scaled dot-product attention and the masks that steer it.

Everything here is plain numpy on arrays of any leading shape ``(..., n, d)``, so the same
function serves one sentence, a batch of sentences, or a batch with a heads axis.

Mask convention (shared by the whole kit): a boolean array where ``True`` means
"this query may attend to this key". Masks broadcast against the attention scores
``(..., n_queries, n_keys)``.
"""

from __future__ import annotations

import numpy as np

from cinelab.arguments import positive_int


def softmax(x: np.ndarray, axis: int = -1, where: np.ndarray | None = None) -> np.ndarray:
    """Turn scores into weights that are positive and sum to 1 along ``axis``.

    Subtracting the largest score before ``exp`` changes nothing mathematically
    (the factor ``exp(-max)`` cancels between numerator and denominator) but keeps
    ``exp`` from overflowing: ``exp(1000)`` is ``inf`` in float64, ``exp(0)`` is 1.

    Parameters
    ----------
    x : array of scores, any shape.
    axis : the axis whose entries compete for weight.
    where : optional boolean array broadcastable to ``x``; entries that are ``False``
        get weight exactly 0. A slice with no allowed entry gets all-zero weights
        (not NaN), so a query that may attend to nothing contributes nothing.

    Returns
    -------
    Array of the same shape and float dtype as ``x``.
    """
    scores = np.asarray(x)
    if not np.issubdtype(scores.dtype, np.floating):
        scores = scores.astype(np.float64)
    allowed = None if where is None else _as_bool_mask(where, "where")
    row_max = np.max(
        scores,
        axis=axis,
        keepdims=True,
        where=True if allowed is None else allowed,
        initial=-np.inf,
    )
    # a row with nothing allowed has max -inf; shifting by 0 instead keeps it NaN-free
    row_max[~np.isfinite(row_max)] = 0.0
    shifted = scores - row_max  # (same shape as x); the largest allowed score is now 0
    if allowed is not None:  # forbidden entries become -inf, whose exp is exactly 0
        shifted = np.where(allowed, shifted, -np.inf)
    exps = np.exp(shifted)
    totals = np.sum(exps, axis=axis, keepdims=True)
    totals[totals == 0] = 1.0
    exps /= totals
    return exps


def scaled_dot_product_attention(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    mask: np.ndarray | None = None,
    scale: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Compute ``softmax(q·kᵀ·scale)·v`` and return both the output and the weights.

    Each query row scores every key by a dot product; softmax over *that row of
    scores* (one score per key) gives the weights, and the output is the weighted
    average of the value rows. The default ``scale = 1/sqrt(d_k)`` keeps the scores'
    spread independent of ``d_k``; without it, softmax saturates as ``d_k`` grows.

    Parameters
    ----------
    q : (..., n_queries, d_k) queries.
    k : (..., n_keys, d_k) keys.
    v : (..., n_keys, d_v) values.
    mask : boolean, broadcastable to (..., n_queries, n_keys); True = "may attend".
        A query with no allowed key gets all-zero weights and a zero output.
    scale : multiplier of the scores; ``None`` means ``1/sqrt(d_k)``.

    Returns
    -------
    output : (..., n_queries, d_v)
    weights : (..., n_queries, n_keys), each allowed row summing to 1.
    """
    q, k, v = _check_qkv(q, k, v)
    if scale is None:
        scale = 1.0 / np.sqrt(q.shape[-1])
    scaled_q = q * np.asarray(scale, dtype=q.dtype)  # (..., n_q, d_k): cheaper than scaling scores
    scores = scaled_q @ np.swapaxes(k, -1, -2)  # (..., n_q, n_k)
    if mask is not None:
        mask = _check_mask_fits(mask, scores.shape)
    weights = softmax(scores, axis=-1, where=mask)  # (..., n_q, n_k)
    output = weights @ v  # (..., n_q, d_v)
    return output, weights


def causal_mask(n: int) -> np.ndarray:
    """Boolean (n, n) mask letting position i attend to positions 0..i only.

    A language model predicts token i+1 from tokens up to i; the mask stops it
    from peeking at the future during training, when all positions run at once.
    """
    _check_positive_int(n, "n")
    return np.tril(np.ones((n, n), dtype=bool))  # (n, n)


def padding_mask(lengths_or_keep: np.ndarray, n: int | None = None) -> np.ndarray:
    """Boolean (batch, 1, n) mask hiding padding keys from every query.

    Sentences of different lengths are padded to a common length ``n``; the pad
    tokens carry no meaning, so no query may attend to them. The middle axis of
    size 1 broadcasts over queries, so the mask fits scores of shape
    (batch, n, n) and combines with a causal mask: ``padding_mask(l, n) & causal_mask(n)``
    is (batch, n, n). For scores with a heads axis (batch, heads, n, n) add it:
    ``mask[:, None]`` (``MultiHeadAttention`` does that for you).

    Parameters
    ----------
    lengths_or_keep : either (batch,) integer lengths, or a (batch, n) boolean array
        that is True on real tokens.
    n : padded length; required with lengths, inferred from a boolean array.

    Returns
    -------
    (batch, 1, n) boolean array.
    """
    given = np.asarray(lengths_or_keep)
    if given.dtype == bool:
        return _keep_to_mask(given, n)
    if not np.issubdtype(given.dtype, np.integer) or given.ndim != 1:
        raise TypeError(
            "padding_mask expects a 1-D array of integer lengths or a 2-D boolean array "
            f"(True = real token); got dtype {given.dtype} with shape {given.shape}."
        )
    if n is None:
        raise ValueError("padding_mask(lengths, n): give n, the padded sequence length.")
    _check_positive_int(n, "n")
    if np.any(given < 0) or np.any(given > n):
        raise ValueError(f"padding_mask: every length must be between 0 and n={n}; got {given}.")
    keep = np.arange(n) < given[:, None]  # (batch, n)
    return keep[:, None, :]  # (batch, 1, n)


def sharpen_weights(weights: np.ndarray, temperature: float) -> np.ndarray:
    """Re-apply softmax to attention weights at another temperature.

    Because ``log(softmax(s)) = s - constant`` per row, ``softmax(log(w) / T)``
    equals ``softmax(s / T)``: the weights alone are enough to show what a sharper
    (T < 1) or flatter (T > 1) softmax would do. Zero weights (masked keys) stay zero.
    """
    if not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a positive number; got {temperature}.")
    weights = np.asarray(weights)
    allowed = weights > 0
    with np.errstate(divide="ignore"):
        log_weights = np.log(np.where(allowed, weights, 1.0))  # (..., n_q, n_k)
    return softmax(log_weights / temperature, axis=-1, where=allowed)


def _check_qkv(q, k, v) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    q, k, v = (np.asarray(a) for a in (q, k, v))
    for name, array in (("q", q), ("k", k), ("v", v)):
        if array.ndim < 2:
            raise ValueError(f"{name} must have shape (..., n, d); got shape {array.shape}.")
        if not np.issubdtype(array.dtype, np.floating):
            raise TypeError(f"{name} must hold floats; got dtype {array.dtype}.")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"queries and keys need the same last size d_k to be compared by dot product; "
            f"got q {q.shape} and k {k.shape}."
        )
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"keys and values must have one row per key position; got k {k.shape} and v {v.shape}."
        )
    return q, k, v


def _check_mask_fits(mask, scores_shape: tuple[int, ...]) -> np.ndarray:
    mask = _as_bool_mask(mask, "mask")
    try:
        combined = np.broadcast_shapes(mask.shape, scores_shape)
    except ValueError:
        combined = None
    if combined != tuple(scores_shape):
        raise ValueError(
            f"mask of shape {mask.shape} does not fit attention scores of shape "
            f"{tuple(scores_shape)} (..., n_queries, n_keys). With a heads axis, add one "
            "to the mask: mask[:, None]."
        )
    return mask


def _as_bool_mask(mask, name: str) -> np.ndarray:
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(
            f"{name} must be a boolean array (True = may attend); got dtype {mask.dtype}. "
            "Use causal_mask(n) or padding_mask(...), or compare: mask = (m == 1)."
        )
    return mask


def _keep_to_mask(keep: np.ndarray, n: int | None) -> np.ndarray:
    if keep.ndim != 2:
        raise ValueError(
            f"a boolean padding array must have shape (batch, n); got shape {keep.shape}."
        )
    if n is not None and n != keep.shape[1]:
        raise ValueError(f"n={n} does not match the boolean array's length {keep.shape[1]}.")
    return keep[:, None, :]  # (batch, 1, n)


def _check_positive_int(value, name: str) -> None:
    positive_int(value, name)
