"""softmax and scaled_dot_product_attention against PyTorch, plus the mask rules."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cinelab import attention

TOLERANCE = {np.float32: 1e-6, np.float64: 1e-12}


def _random(shape, dtype, seed):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def _torch_weights(q, k, mask, scale=None):
    """Reference weights, since F.scaled_dot_product_attention returns only the output."""
    q, k = torch.from_numpy(q), torch.from_numpy(k)
    scale = q.shape[-1] ** -0.5 if scale is None else scale
    scores = q @ k.transpose(-1, -2) * scale
    if mask is not None:
        scores = scores.masked_fill(~torch.from_numpy(np.asarray(mask)), float("-inf"))
    return torch.softmax(scores, dim=-1).nan_to_num(0.0).numpy()


def _torch_sdpa(q, k, v, mask, scale=None):
    mask_t = None if mask is None else torch.from_numpy(np.ascontiguousarray(mask))
    out = F.scaled_dot_product_attention(
        torch.from_numpy(q), torch.from_numpy(k), torch.from_numpy(v), attn_mask=mask_t, scale=scale
    )
    return out.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_matches_torch_and_survives_huge_scores(dtype):
    x = _random((3, 5, 7), dtype, seed=0) * 1000.0  # exp(1000) overflows without the max trick
    ours = attention.softmax(x, axis=-1)
    expected = torch.softmax(torch.from_numpy(x), dim=-1).numpy()
    assert ours.dtype == dtype
    assert np.isfinite(ours).all()
    np.testing.assert_allclose(ours, expected, atol=TOLERANCE[dtype], rtol=0)
    np.testing.assert_allclose(attention.softmax(x, axis=0).sum(axis=0), 1.0, rtol=1e-6)


def test_softmax_hand_values_and_where():
    np.testing.assert_allclose(
        attention.softmax(np.array([0.0, np.log(3.0)])), [0.25, 0.75], rtol=1e-15
    )
    weights = attention.softmax(
        np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]),
        where=np.array([[True, False, True], [False, False, False]]),
    )
    e = np.exp([1.0, 3.0])
    np.testing.assert_allclose(weights[0], [e[0] / e.sum(), 0.0, e[1] / e.sum()], rtol=1e-15)
    assert weights[0, 1] == 0.0
    assert np.array_equal(weights[1], [0.0, 0.0, 0.0])


def test_softmax_ignores_huge_scores_that_are_masked():
    weights = attention.softmax(np.array([1000.0, 1.0, 2.0]), where=np.array([False, True, True]))
    np.testing.assert_allclose(weights, [0.0, 1 / (1 + np.e), np.e / (1 + np.e)], rtol=1e-15)


def test_softmax_of_minus_infinity_row_is_zero_not_nan():
    weights = attention.softmax(np.array([[-np.inf, -np.inf], [0.0, -np.inf]]))
    assert np.array_equal(weights, [[0.0, 0.0], [1.0, 0.0]])


def test_softmax_rejects_non_boolean_where():
    with pytest.raises(TypeError, match="boolean"):
        attention.softmax(np.zeros(3), where=np.array([1, 0, 1]))


def _masks(shape_kind, n):
    lengths = np.array([n, n - 2, 1])
    causal = attention.causal_mask(n)
    padding = attention.padding_mask(lengths, n)  # (3, 1, n)
    if shape_kind == "heads":  # scores (batch, heads, n, n): masks need a heads axis
        return {"none": None, "causal": causal, "padding": padding[:, None],
                "both": (padding & causal)[:, None]}  # fmt: skip
    if shape_kind == "batched":
        return {"none": None, "causal": causal, "padding": padding, "both": padding & causal}
    return {"none": None, "causal": causal}


SHAPES = {"unbatched": (6, 8), "batched": (3, 6, 8), "heads": (3, 2, 6, 8)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape_kind", list(SHAPES))
def test_sdpa_matches_torch_with_and_without_masks(dtype, shape_kind):
    shape = SHAPES[shape_kind]
    q, k, v = (_random(shape, dtype, seed) for seed in (1, 2, 3))
    for name, mask in _masks(shape_kind, shape[-2]).items():
        out, weights = attention.scaled_dot_product_attention(q, k, v, mask=mask)
        assert out.shape == shape and weights.shape == (*shape[:-1], shape[-2]), name
        assert out.dtype == dtype and weights.dtype == dtype, name
        tol = TOLERANCE[dtype]
        np.testing.assert_allclose(out, _torch_sdpa(q, k, v, mask), atol=tol, rtol=0, err_msg=name)
        np.testing.assert_allclose(weights, _torch_weights(q, k, mask), atol=tol, rtol=0)


def test_sdpa_with_different_query_and_key_lengths_and_custom_scale():
    q, k, v = (
        _random((2, 3, 4), np.float64, 4),
        _random((2, 5, 4), np.float64, 5),
        _random((2, 5, 7), np.float64, 6),
    )
    out, weights = attention.scaled_dot_product_attention(q, k, v, scale=0.3)
    assert out.shape == (2, 3, 7) and weights.shape == (2, 3, 5)
    np.testing.assert_allclose(out, _torch_sdpa(q, k, v, None, scale=0.3), atol=1e-12, rtol=0)


def test_sdpa_rows_sum_to_one_and_masked_weights_are_exactly_zero():
    q, k, v = (_random((2, 4, 5, 8), np.float64, s) for s in (7, 8, 9))
    mask = (attention.padding_mask(np.array([5, 3]), 5) & attention.causal_mask(5))[:, None]
    _, weights = attention.scaled_dot_product_attention(q, k, v, mask=mask)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-12)
    assert np.all(weights[~np.broadcast_to(mask, weights.shape)] == 0.0)
    assert np.all(weights[np.broadcast_to(mask, weights.shape)] > 0.0)


def test_sdpa_query_with_nothing_to_attend_gets_zeros_like_torch():
    q, k, v = (_random((4, 3), np.float32, s) for s in (10, 11, 12))
    mask = np.ones((4, 4), dtype=bool)
    mask[2] = False  # query 2 may attend to no key
    out, weights = attention.scaled_dot_product_attention(q, k, v, mask=mask)
    assert np.isfinite(out).all() and np.isfinite(weights).all()
    assert np.array_equal(weights[2], np.zeros(4)) and np.array_equal(out[2], np.zeros(3))
    np.testing.assert_allclose(out, _torch_sdpa(q, k, v, mask), atol=1e-6, rtol=0)


def test_sdpa_errors_name_the_problem():
    q = np.zeros((4, 8))
    with pytest.raises(ValueError, match="same last size d_k"):
        attention.scaled_dot_product_attention(q, np.zeros((4, 6)), np.zeros((4, 6)))
    with pytest.raises(ValueError, match="one row per key"):
        attention.scaled_dot_product_attention(q, q, np.zeros((5, 8)))
    with pytest.raises(ValueError, match=r"q must have shape \(\.\.\., n, d\)"):
        attention.scaled_dot_product_attention(np.zeros(8), q, q)
    with pytest.raises(TypeError, match="boolean"):
        attention.scaled_dot_product_attention(q, q, q, mask=np.tril(np.ones((4, 4))))
    with pytest.raises(ValueError, match="does not fit attention scores"):
        # a (batch, 1, n) padding mask against scores with a heads axis must not broadcast silently
        heads = np.zeros((2, 3, 4, 8))
        attention.scaled_dot_product_attention(
            heads, heads, heads, mask=attention.padding_mask(np.array([4, 2]), 4)
        )
    with pytest.raises(TypeError, match="floats"):
        attention.scaled_dot_product_attention(q.astype(int), q, q)


def test_causal_mask_is_lower_triangular():
    expected = np.array([[1, 0, 0], [1, 1, 0], [1, 1, 1]], dtype=bool)
    assert np.array_equal(attention.causal_mask(3), expected)
    with pytest.raises(ValueError, match="positive integer"):
        attention.causal_mask(0)


def test_padding_mask_from_lengths_and_from_booleans():
    from_lengths = attention.padding_mask(np.array([2, 0, 3]), 3)
    expected = np.array([[[1, 1, 0]], [[0, 0, 0]], [[1, 1, 1]]], dtype=bool)
    assert from_lengths.shape == (3, 1, 3) and np.array_equal(from_lengths, expected)
    from_bool = attention.padding_mask(expected[:, 0, :])
    assert np.array_equal(from_bool, expected)
    combined = attention.padding_mask(np.array([2]), 3) & attention.causal_mask(3)  # (1, 3, 3)
    assert np.array_equal(combined[0], [[1, 0, 0], [1, 1, 0], [1, 1, 0]])


def test_padding_mask_errors():
    with pytest.raises(ValueError, match="give n"):
        attention.padding_mask(np.array([1, 2]))
    with pytest.raises(ValueError, match="between 0 and n=3"):
        attention.padding_mask(np.array([4]), 3)
    with pytest.raises(TypeError, match="integer lengths"):
        attention.padding_mask(np.array([1.5]), 3)
    with pytest.raises(ValueError, match="does not match"):
        attention.padding_mask(np.ones((2, 4), dtype=bool), 3)


def test_sharpen_weights_equals_softmax_of_scaled_scores():
    scores = _random((3, 6), np.float64, 13)
    mask = attention.causal_mask(6)[:3]
    weights = attention.softmax(scores, where=mask)
    for temperature in (0.25, 1.0, 3.0):
        expected = attention.softmax(scores / temperature, where=mask)
        np.testing.assert_allclose(
            attention.sharpen_weights(weights, temperature), expected, atol=1e-12, rtol=0
        )
    with pytest.raises(ValueError, match="positive"):
        attention.sharpen_weights(weights, 0.0)
