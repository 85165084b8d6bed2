"""Word-level tokenizer, vocabulary and co-occurrence word vectors."""

import numpy as np
import pytest

from cinelab import attention


def test_tokenize_lowercases_and_splits_punctuation():
    assert attention.tokenize("Don't open the DOOR, Ellen!") == [
        "don't", "open", "the", "door", ",", "ellen", "!",
    ]  # fmt: skip
    with pytest.raises(TypeError, match="string"):
        attention.tokenize(["a list"])


def test_vocabulary_orders_by_frequency_and_maps_unknown_words():
    vocabulary = attention.WordVocabulary().fit(["b a a", "c a b"])
    assert vocabulary.tokens_ == ["<pad>", "<unk>", "a", "b", "c"]
    assert vocabulary.encode("a c zebra").tolist() == [2, 4, 1]
    assert vocabulary.decode([3, 2]) == ["b", "a"]
    rare = attention.WordVocabulary(min_count=2).fit(["b a a", "c a b"])
    assert rare.tokens_ == ["<pad>", "<unk>", "a", "b"]
    with pytest.raises(TypeError, match="list of texts"):
        attention.WordVocabulary().fit("one string")
    with pytest.raises(ValueError, match="at least one text"):
        attention.WordVocabulary().fit(["", "  "])


def test_words_in_the_same_company_get_the_closest_vectors(heist_corpus):
    embedding = attention.CooccurrenceEmbedding(dim=6, window=2, seed=0).fit(heist_corpus)
    assert embedding.most_similar("heist", n=1)["word"].tolist() == ["robbery"]
    assert embedding.most_similar("Robot", n=1)["word"].tolist() == ["android"]
    similar = embedding.most_similar("heist", n=3)
    assert list(similar.columns) == ["word", "cosine"] and len(similar) == 3
    assert similar["cosine"].is_monotonic_decreasing


def test_word_vectors_are_unit_length_and_reproducible(heist_corpus):
    first = attention.CooccurrenceEmbedding(dim=5, seed=1).fit(heist_corpus)
    again = attention.CooccurrenceEmbedding(dim=5, seed=1).fit(heist_corpus)
    np.testing.assert_array_equal(first.vectors_, again.vectors_)
    norms = np.linalg.norm(first.vectors_[2:], axis=1)
    np.testing.assert_allclose(norms, 1.0, rtol=1e-12)
    assert first.embed("crew zebra").shape == (2, 5)
    assert np.array_equal(first.embed("zebra")[0], np.zeros(5))


def test_a_corpus_smaller_than_dim_fills_the_extra_columns_with_zeros(heist_corpus):
    embedding = attention.CooccurrenceEmbedding(dim=64).fit(heist_corpus)
    n_words = len(embedding.vocabulary_)
    assert embedding.vectors_.shape == (n_words, 64)
    assert np.all(embedding.vectors_[:, n_words - 2 :] == 0.0)
    assert embedding.most_similar("heist", n=1)["word"].tolist() == ["robbery"]


def test_words_that_never_meet_another_word_get_zero_vectors():
    embedding = attention.CooccurrenceEmbedding(dim=2, min_count=1).fit(["alpha", "beta", "gamma"])
    assert embedding.vectors_.shape == (5, 2) and not embedding.vectors_.any()


def test_cooccurrence_counts_by_hand():
    embedding = attention.CooccurrenceEmbedding(dim=2, window=1)
    embedding.vocabulary_ = attention.WordVocabulary().fit(["a b a c"])  # a=2, b=3, c=4
    counts = embedding._cooccurrence_counts(["a b a c"])
    assert counts[2, 3] == 2 and counts[3, 2] == 2  # a-b twice (a b, b a)
    assert counts[2, 4] == 1 and counts[3, 4] == 0


def test_embedding_errors_name_the_problem(heist_corpus):
    with pytest.raises(ValueError, match="dim must be a positive integer"):
        attention.CooccurrenceEmbedding(dim=0).fit(heist_corpus)
    embedding = attention.CooccurrenceEmbedding(dim=4).fit(heist_corpus)
    with pytest.raises(ValueError, match="'zebra' is not in the vocabulary"):
        embedding.most_similar("zebra")
