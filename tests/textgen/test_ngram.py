"""The character n-gram baseline: interpolated Kneser-Ney, checked against numbers worked by hand."""

import math

import pytest

from cinelab.textgen.ngram import END, CharNGram

# "abab" padded for order 2 is  START a b a b END. Its bigrams: START-a, a-b (twice), b-a, b-END.
# Highest order (raw counts): {Sa: 1, ab: 2, ba: 1, bE: 1}; seen once: 3, twice: 1 -> D2 = 3/5.
# Unigram continuation counts (distinct left neighbours): a: 2 (S, b), b: 1, END: 1; total 4,
# D1 = 2 / (2 + 2*1) = 1/2; uniform floor over {a, b, END, unseen} = 1/4.
#   P1(a) = (2 - 1/2 + 1/2 * 3 * 1/4) / 4 = 0.46875;  P1(b) = P1(END) = 0.21875
#   P(b | a)   = (2 - 0.6 + 0.6 * 1 * P1(b)) / 2 = 0.765625
#   P(a | a)   = (0 + 0.6 * 1 * P1(a)) / 2       = 0.140625
#   P(END | b) = (1 - 0.6 + 0.6 * 2 * P1(END)) / 2 = 0.33125
HAND_COMPUTED = [("b", "a", 0.765625), ("a", "a", 0.140625), (END, "b", 0.33125)]


@pytest.fixture(scope="module")
def bigram():
    return CharNGram(order=2).fit(["abab"])


def test_discounts_follow_neys_estimate(bigram):
    assert bigram.discounts_ == {2: pytest.approx(0.6), 1: pytest.approx(0.5)}


@pytest.mark.parametrize(("character", "context", "expected"), HAND_COMPUTED)
def test_probabilities_match_the_hand_computed_fixture(bigram, character, context, expected):
    assert bigram.probability(character, context) == pytest.approx(expected)


def test_an_unseen_context_backs_off_to_continuation_counts(bigram):
    assert bigram.probability("a", "c") == pytest.approx(0.46875)
    assert bigram.probability("z", "c") == pytest.approx(0.375 / 4)  # only the uniform floor


def test_a_unigram_model_discounts_raw_counts():
    model = CharNGram(order=1).fit(["abab"])  # a: 2, b: 2, END: 1; D = 1 / (1 + 2*2) = 0.2
    assert model.probability("a", "whatever") == pytest.approx((1.8 + 0.2 * 3 / 4) / 5)


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_every_distribution_sums_to_one(order):
    model = CharNGram(order=order).fit(["the cat sat on the mat", "a hat, a bat"])
    for context in ["", "th", "the c", "zzz", " a"]:
        total = sum(model.probability(c, context) for c in model.alphabet_)
        unseen = model.probability("\u2603", context)  # stands for every unseen character
        assert total + unseen == pytest.approx(1.0), context


def test_bits_per_character_sums_the_continuation_and_its_end(bigram):
    # "b" then END after the prompt "a": -log2 P(b | a) - log2 P(END | b), over 2 characters
    expected = -(math.log2(0.765625) + math.log2(0.33125)) / 2
    assert bigram.bits_per_character(["a"], ["b"]) == pytest.approx(expected)
    assert bigram.continuation_bits("a", "b") == pytest.approx(2 * expected)


def test_a_longer_context_predicts_repeated_text_better():
    texts = ["the quick brown fox jumps over the lazy dog"] * 3
    short, long = CharNGram(order=2).fit(texts), CharNGram(order=6).fit(texts)
    assert long.bits_per_character(["the "], ["quick brown"]) < short.bits_per_character(
        ["the "], ["quick brown"]
    )


@pytest.mark.parametrize("order", [0, -1, 2.5])
def test_bad_order_is_refused(order):
    with pytest.raises(ValueError, match="order"):
        CharNGram(order=order)


def test_unfitted_model_and_empty_input_are_refused():
    with pytest.raises(RuntimeError, match="fit"):
        CharNGram().probability("a", "b")
    with pytest.raises(ValueError, match="at least one text"):
        CharNGram().fit([])
    with pytest.raises(ValueError, match="as many prompts"):
        CharNGram(2).fit(["ab"]).bits_per_character(["a"], [])
