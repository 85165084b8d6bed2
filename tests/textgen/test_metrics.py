"""Diversity, repetition, copy detection and perplexity, against hand-computed values."""

import math

import pytest
import torch

from cinelab.textgen import CorpusIndex, continuation_perplexity, distinct_n, repetition_rate
from cinelab.textgen.metrics import ngrams, sentences, words


def test_words_lower_cases_and_drops_punctuation():
    assert words("Don't BLINK. It's 1979!") == ["don't", "blink", "it's", "1979"]


def test_distinct_n_by_hand():
    text = "the night is dark the night is long"  # 8 words, 6 unique; 7 bigrams, 5 unique
    assert distinct_n(text, 1) == pytest.approx(5 / 8)
    assert distinct_n(text, 2) == pytest.approx(5 / 7)
    assert distinct_n(["a b", "a b"], 2) == pytest.approx(1 / 2)  # pooled over texts
    assert distinct_n("", 1) == 0.0


def test_repetition_rate_counts_trigrams_seen_before():
    # trigrams: (a b c) (b c a) (c a b) (a b c) -> the last one repeats
    assert repetition_rate("a b c a b c") == pytest.approx(1 / 4)
    assert repetition_rate("one two three four") == 0.0
    assert repetition_rate("too short") == 0.0


def test_ngrams_rejects_zero():
    with pytest.raises(ValueError, match="n must"):
        ngrams(["a"], 0)


@pytest.fixture
def index():
    corpus = [
        "In space, the quiet is the scary part.",
        "Same day. New jokes. Again and again until he gets it right.",
    ]
    return CorpusIndex.from_texts(corpus, copy_ngram=6)


def test_a_whole_corpus_sentence_counts_as_copied():
    index = CorpusIndex.from_texts(["Same day. The quiet is the scary part. Run."], copy_ngram=12)
    parts = index.copied_parts("Watch this. The quiet is the scary part! Run.")
    assert parts == ["The quiet is the scary part!"]  # "Run." is too short to be anyone's property


def test_titles_with_a_full_stop_do_not_end_a_sentence():
    assert sentences("Dr. No is here. Mr. Smith waits.") == ["Dr. No is here.", "Mr. Smith waits."]


def test_a_long_shared_run_of_words_counts_as_copied(index):
    text = "Watch closely: the quiet is the scary part of every trip."
    assert index.copied_parts(text) == ["the quiet is the scary part"]


def test_fresh_text_is_not_copied(index):
    assert not index.is_copied("The quiet hum of a ship, and something waiting in the vents.")


def test_corpus_index_rejects_tiny_ngrams():
    with pytest.raises(ValueError, match="copy_ngram"):
        CorpusIndex.from_texts(["a b c"], copy_ngram=1)


def test_continuation_perplexity_equals_exp_of_transformers_loss(random_gpt):
    prompt, continuation = torch.tensor([5, 6, 7, 8]), torch.tensor([9, 10, 11])
    ids = torch.cat([prompt, continuation])[None, :]
    labels = ids.clone()
    labels[0, : len(prompt)] = -100  # score only the continuation
    expected = math.exp(random_gpt(input_ids=ids, labels=labels).loss.item())
    assert continuation_perplexity(random_gpt, prompt, continuation) == pytest.approx(
        expected, rel=1e-5
    )


def test_continuation_perplexity_needs_tokens(random_gpt):
    with pytest.raises(ValueError, match="non-empty"):
        continuation_perplexity(random_gpt, [1, 2], [])
