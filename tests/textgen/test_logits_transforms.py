"""Each logits transform equals the matching transformers LogitsProcessor, and hand fixtures."""

import math

import pytest
import torch
from transformers import (
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

from cinelab.textgen import decoding

INF = float("inf")


@pytest.fixture
def logits():
    return torch.randn(4, 50, generator=torch.Generator().manual_seed(0)) * 3  # (batch, vocab)


@pytest.fixture
def previous_ids():
    return torch.randint(0, 50, (4, 7), generator=torch.Generator().manual_seed(1))  # (batch, n)


@pytest.mark.parametrize("temperature", [0.3, 0.7, 1.5])
def test_temperature_matches_transformers(logits, temperature):
    expected = TemperatureLogitsWarper(temperature)(None, logits.clone())
    assert torch.equal(decoding.apply_temperature(logits, temperature), expected)


@pytest.mark.parametrize("k", [1, 5, 20, 50, 80])
def test_top_k_matches_transformers(logits, k):
    expected = TopKLogitsWarper(k)(None, logits.clone())
    assert torch.equal(decoding.top_k_filter(logits, k), expected)


@pytest.mark.parametrize("p", [0.05, 0.3, 0.6, 0.9, 0.99, 1.0])
def test_top_p_matches_transformers(logits, p):
    expected = TopPLogitsWarper(p)(None, logits.clone())
    assert torch.equal(decoding.top_p_filter(logits, p), expected)


@pytest.mark.parametrize("penalty", [0.8, 1.2, 2.0])
def test_repetition_penalty_matches_transformers(logits, previous_ids, penalty):
    expected = RepetitionPenaltyLogitsProcessor(penalty)(previous_ids, logits.clone())
    actual = decoding.apply_repetition_penalty(logits, previous_ids, penalty)
    assert torch.allclose(actual, expected, atol=0, rtol=0)


def test_top_k_keeps_the_k_largest_by_hand():
    logits = torch.tensor([1.0, 3.0, 2.0, 5.0])
    assert decoding.top_k_filter(logits, 2).tolist() == [-INF, 3.0, -INF, 5.0]


def test_top_p_keeps_the_smallest_set_covering_p_by_hand():
    logits = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    kept = decoding.top_p_filter(logits, 0.75).isfinite().tolist()
    assert kept == [True, True, False, False]  # 0.5 < 0.75, 0.5 + 0.3 >= 0.75
    assert decoding.top_p_filter(logits, 0.4).isfinite().tolist() == [True, False, False, False]
    assert decoding.top_p_filter(logits, 0.9).isfinite().tolist() == [True, True, True, False]


def test_temperature_changes_the_distribution_as_taught():
    logits = torch.tensor([2.0, 1.0, 0.0])
    cold = decoding.apply_temperature(logits, 0.5).softmax(-1)
    hot = decoding.apply_temperature(logits, 2.0).softmax(-1)
    assert cold[0] > logits.softmax(-1)[0] > hot[0]
    assert math.isclose(
        hot[0].item(), math.exp(1) / (math.exp(1) + math.exp(0.5) + 1), rel_tol=1e-6
    )


def test_repetition_penalty_by_hand():
    logits = torch.tensor([[2.0, -1.0, 0.5]])
    out = decoding.apply_repetition_penalty(logits, torch.tensor([[0, 1, 1]]), 2.0)
    assert out.tolist() == [[1.0, -2.0, 0.5]]  # positive halved, negative doubled, once each


def test_process_logits_applies_in_transformers_order(logits, previous_ids):
    expected = logits.clone()
    for processor in (
        RepetitionPenaltyLogitsProcessor(1.3),
        TemperatureLogitsWarper(0.7),
        TopKLogitsWarper(10),
        TopPLogitsWarper(0.8),
    ):
        expected = processor(previous_ids, expected)
    actual = decoding.process_logits(
        logits, previous_ids, temperature=0.7, top_k=10, top_p=0.8, repetition_penalty=1.3
    )
    assert torch.equal(actual, expected)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x: decoding.apply_temperature(x, 0), "temperature"),
        (lambda x: decoding.apply_temperature(x, -1.0), "temperature"),
        (lambda x: decoding.top_k_filter(x, 0), "top_k"),
        (lambda x: decoding.top_k_filter(x, 2.5), "top_k"),
        (lambda x: decoding.top_p_filter(x, 0.0), "top_p"),
        (lambda x: decoding.top_p_filter(x, 1.5), "top_p"),
        (lambda x: decoding.apply_temperature(x, 1e-40), "temperature must be at least 1e-06"),
        (lambda x: decoding.process_logits(x, torch.tensor([[0]]), top_p=1.5), "top_p"),
        (lambda x: decoding.process_logits(x, torch.tensor([[0]]), temperature=1e-40), "at least"),
        (lambda x: decoding.sample(None, [0], 3, top_p=1.5), "top_p"),
        (
            lambda x: decoding.apply_repetition_penalty(x, torch.tensor([[0]]), 0.0),
            "repetition_penalty",
        ),
    ],
)
def test_bad_settings_raise_named_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call(torch.zeros(1, 5))


def test_the_smallest_allowed_temperature_still_gives_finite_probabilities():
    logits = torch.tensor([[30.0, 29.0, -5.0]])
    probabilities = decoding.apply_temperature(logits, decoding.MIN_TEMPERATURE).softmax(-1)
    assert torch.isfinite(probabilities).all() and probabilities[0, 0] == 1.0
