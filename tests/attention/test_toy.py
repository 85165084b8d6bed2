"""The toy attention model really learns to look at the right position, and its weights are
ordinary scaled dot-product attention (the kit's numpy function gives the same map)."""

import numpy as np
import pytest
import torch

from cinelab import attention
from cinelab.attention.toy import ToyAttention, digit_task, train_toy_attention

LENGTH = 8


def on_target_weight(run, task: str) -> float:
    """Mean attention weight on the position each output must read (1 = perfectly crisp)."""
    inputs, _ = digit_task(task, 200, LENGTH, seed=123)
    target = np.eye(LENGTH) if task == "copy" else np.eye(LENGTH)[::-1]  # (LENGTH, LENGTH)
    return float((run.attention(inputs) * target).sum(axis=-1).mean())


def test_digit_task_reverse_targets_are_the_inputs_backwards():
    inputs, targets = digit_task("reverse", 5, length=6, seed=1)
    assert inputs.shape == targets.shape == (5, 6)
    np.testing.assert_array_equal(targets, inputs[:, ::-1])
    copied_inputs, copied = digit_task("copy", 5, length=6, seed=1)
    np.testing.assert_array_equal(copied, copied_inputs)
    np.testing.assert_array_equal(copied_inputs, inputs)  # same seed, same strings


@pytest.mark.parametrize(
    ("task", "kind"), [("reverse", "self"), ("reverse", "cross"), ("copy", "cross")]
)
def test_trained_attention_is_a_crisp_diagonal_or_anti_diagonal(task, kind):
    run = train_toy_attention(task, kind, steps=250, seed=0)
    assert run.accuracy > 0.99
    assert run.losses[-1] < 0.05 < run.losses[0]
    assert on_target_weight(run, task) > 0.95


def test_sinusoidal_positions_also_learn_to_reverse():
    run = train_toy_attention("reverse", "self", "sinusoidal", seed=0)
    assert run.accuracy > 0.99
    assert on_target_weight(run, "reverse") > 0.6


def test_an_untrained_model_attends_almost_uniformly():
    torch.manual_seed(0)
    model = ToyAttention("self", length=LENGTH)
    inputs, _ = digit_task("reverse", 50, LENGTH, seed=3)
    with torch.no_grad():
        _, weights = model(torch.as_tensor(inputs))
    assert weights.max() < 0.6  # nothing learned: no sharp peak


@pytest.mark.parametrize("kind", ["self", "cross"])
def test_toy_weights_equal_numpy_scaled_dot_product_attention(kind):
    run = train_toy_attention("reverse", kind, steps=20, seed=1)
    inputs, _ = digit_task("reverse", 4, LENGTH, seed=9)
    with torch.no_grad():
        q, k, v = (t.double().numpy() for t in run.model.projections(torch.as_tensor(inputs)))
    out, weights = attention.scaled_dot_product_attention(q, k, v)  # (4, LENGTH, ...)
    np.testing.assert_allclose(weights, run.attention(inputs), atol=1e-5)
    assert out.shape == (4, LENGTH, run.model.d_model)


def test_bad_choices_are_named():
    with pytest.raises(ValueError, match=r"task must be one of \['copy', 'reverse'\], got 'sort'"):
        digit_task("sort", 3)
    with pytest.raises(ValueError, match="kind must be one of"):
        ToyAttention(kind="both")
    with pytest.raises(ValueError, match="positions must be one of"):
        train_toy_attention(positions="rotary")
    with pytest.raises(ValueError, match="steps must be a positive integer, got 0"):
        train_toy_attention(steps=0)
    with pytest.raises(ValueError, match="d_model must be a positive integer, got 2.5"):
        ToyAttention(d_model=2.5)
