"""MultiHeadAttention and TransformerBlock against PyTorch with the same weights copied in."""

import numpy as np
import pytest
import torch

from cinelab import attention

TOLERANCE = {np.float32: 1e-6, np.float64: 1e-12}
TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}
D_MODEL, N_HEADS, N = 16, 4, 7


def _torch_mha(dtype, seed=0):
    torch.manual_seed(seed)
    module = torch.nn.MultiheadAttention(D_MODEL, N_HEADS, batch_first=True)
    with torch.no_grad():  # non-zero biases, so a forgotten bias cannot hide
        module.in_proj_bias.normal_()
        module.out_proj.bias.normal_()
    return module.to(TORCH_DTYPE[dtype]).eval()


def _torch_block(dtype, seed=0):
    torch.manual_seed(seed)
    layer = torch.nn.TransformerEncoderLayer(
        D_MODEL, N_HEADS, dim_feedforward=32, dropout=0.0, activation="gelu",
        batch_first=True, norm_first=True,
    )  # fmt: skip
    with torch.no_grad():
        for parameter in (layer.norm1.weight, layer.norm1.bias, layer.norm2.weight,
                          layer.norm2.bias, layer.linear1.bias, layer.linear2.bias):  # fmt: skip
            parameter.normal_()
    return layer.to(TORCH_DTYPE[dtype]).eval()


def _x(shape, dtype, seed=1):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


LENGTHS = np.array([N, 4, 2])


def _mask_cases(batched):
    causal = attention.causal_mask(N)
    cases = {"none": (None, {}), "causal": (causal, {"attn_mask": torch.from_numpy(~causal)})}
    if batched:
        keep = attention.padding_mask(LENGTHS, N)  # (3, 1, N)
        pad = {"key_padding_mask": torch.from_numpy(~keep[:, 0, :])}
        cases["padding"] = (keep, pad)
        cases["both"] = (keep & causal, {**pad, "attn_mask": torch.from_numpy(~causal)})
    return cases


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batched", [True, False])
def test_multihead_matches_torch_multiheadattention(dtype, batched):
    module = _torch_mha(dtype)
    ours = attention.MultiHeadAttention(D_MODEL, N_HEADS).load_torch(module)
    x = _x((3, N, D_MODEL) if batched else (N, D_MODEL), dtype)
    x_t = torch.from_numpy(x)
    for name, (mask, torch_masks) in _mask_cases(batched).items():
        out, weights = ours(x, mask=mask)
        with torch.no_grad():
            expected, expected_weights = module(
                x_t, x_t, x_t, need_weights=True, average_attn_weights=False, **torch_masks
            )
        assert out.dtype == dtype, name
        assert weights.shape == (*x.shape[:-2], N_HEADS, N, N), name
        tol = TOLERANCE[dtype]
        np.testing.assert_allclose(out, expected.numpy(), atol=tol, rtol=0, err_msg=name)
        np.testing.assert_allclose(weights, expected_weights.numpy(), atol=tol, rtol=0)


def test_multihead_weights_sum_to_one_and_padding_keys_get_zero():
    mha = attention.MultiHeadAttention(D_MODEL, N_HEADS, seed=3)
    mask = attention.padding_mask(LENGTHS, N)
    _, weights = mha(_x((3, N, D_MODEL), np.float64), mask=mask)  # (3, heads, N, N)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-12)
    for b, length in enumerate(LENGTHS):
        assert np.all(weights[b, :, :, length:] == 0.0)


def test_one_head_is_plain_attention_on_projections():
    mha = attention.MultiHeadAttention(8, 1, seed=2)
    x = _x((5, 8), np.float64)
    heads, weights = attention.scaled_dot_product_attention(x @ mha.W_q, x @ mha.W_k, x @ mha.W_v)
    out, mha_weights = mha(x)
    np.testing.assert_allclose(out, heads @ mha.W_o, atol=1e-12, rtol=0)
    np.testing.assert_allclose(mha_weights[0], weights, atol=1e-12, rtol=0)


def test_multihead_rejects_bad_settings():
    with pytest.raises(ValueError, match="must divide d_model"):
        attention.MultiHeadAttention(10, 3)
    mha = attention.MultiHeadAttention(8, 2)
    with pytest.raises(ValueError, match=r"W_q must have shape \(8, 8\)"):
        mha.set_weights(W_q=np.zeros((8, 4)))
    with pytest.raises(ValueError, match="unknown weight 'W_x'"):
        mha.set_weights(W_x=np.zeros((8, 8)))
    with pytest.raises(ValueError, match=r"x must have shape \(n, 8\)"):
        mha(np.zeros((5, 6)))
    with pytest.raises(ValueError, match="embed_dim=16"):
        mha.load_torch(_torch_mha(np.float32))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batched", [True, False])
def test_transformer_block_matches_torch_pre_ln_encoder_layer(dtype, batched):
    layer = _torch_block(dtype)
    block = attention.TransformerBlock(D_MODEL, N_HEADS, d_ff=32).load_torch(layer)
    x = _x((3, N, D_MODEL) if batched else (N, D_MODEL), dtype)
    for name, (mask, torch_masks) in _mask_cases(batched).items():
        out, weights = block(x, mask=mask)
        renamed = {("src_mask" if key == "attn_mask" else "src_key_padding_mask"): value
                   for key, value in torch_masks.items()}  # fmt: skip
        with torch.no_grad():
            expected = layer(torch.from_numpy(x), **renamed).numpy()
        assert out.dtype == dtype and weights.shape[-3:] == (N_HEADS, N, N), name
        np.testing.assert_allclose(out, expected, atol=TOLERANCE[dtype], rtol=0, err_msg=name)


def test_layer_norm_and_gelu_match_torch():
    x = _x((4, 6), np.float64)
    gain, bias = _x((6,), np.float64, 2), _x((6,), np.float64, 3)
    expected = torch.nn.functional.layer_norm(
        torch.from_numpy(x), (6,), torch.from_numpy(gain), torch.from_numpy(bias), eps=1e-5
    )
    np.testing.assert_allclose(attention.layer_norm(x, gain, bias), expected.numpy(), atol=1e-12)
    gelu = torch.nn.functional.gelu(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(attention.gelu(x), gelu, atol=1e-12, rtol=0)


def test_block_refuses_torch_layers_it_does_not_compute():
    post_ln = torch.nn.TransformerEncoderLayer(D_MODEL, N_HEADS, 32, activation="gelu")
    with pytest.raises(ValueError, match="norm_first=True"):
        attention.TransformerBlock(D_MODEL, N_HEADS, 32).load_torch(post_ln)
    relu = torch.nn.TransformerEncoderLayer(D_MODEL, N_HEADS, 32, norm_first=True)
    with pytest.raises(ValueError, match="GELU"):
        attention.TransformerBlock(D_MODEL, N_HEADS, 32).load_torch(relu)
    with pytest.raises(ValueError, match="dim_feedforward=32"):
        attention.TransformerBlock(D_MODEL, N_HEADS, 64).load_torch(_torch_block(np.float32))


def test_sinusoidal_positions_hand_values():
    table = attention.sinusoidal_positions(3, 4)
    expected_row_1 = [np.sin(1.0), np.cos(1.0), np.sin(0.01), np.cos(0.01)]
    np.testing.assert_allclose(table[0], [0.0, 1.0, 0.0, 1.0], atol=1e-15)
    np.testing.assert_allclose(table[1], expected_row_1, rtol=1e-15)
    odd = attention.sinusoidal_positions(5, 5)
    assert odd.shape == (5, 5)
    np.testing.assert_allclose(odd[2, 4], np.sin(2 * 10_000 ** (-4 / 5)), rtol=1e-15)


def test_sinusoidal_dot_product_depends_only_on_distance():
    table = attention.sinusoidal_positions(40, 16)
    for distance in (1, 3, 7):
        products = np.einsum("pd,pd->p", table[:-distance], table[distance:])
        np.testing.assert_allclose(products, products[0], atol=1e-12)
    with pytest.raises(ValueError, match="d_model must be a positive integer"):
        attention.sinusoidal_positions(4, 0)
