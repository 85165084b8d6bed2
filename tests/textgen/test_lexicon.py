"""The real-words constraint: it only ever lets a model spell what the fluency check accepts."""

import pytest
import torch

from cinelab.textgen import build_tiny_gpt
from cinelab.textgen.checks import non_words
from cinelab.textgen.decoding import greedy_with_log_probs, process_logits, sample_candidates
from cinelab.textgen.lexicon import CHECKED_TOKENS, Lexicon, RealWordsFilter


@pytest.fixture(scope="module")
def lexicon():
    return Lexicon(["Wilderpeople"])


@pytest.mark.parametrize(
    "unfinished, piece, allowed",
    [
        ("", " night", True),
        ("nig", "ht.", True),  # finishes a word
        ("tonst", "er ", False),  # finishes a non-word
        ("tonst", "er", False),  # no English word starts with "tonster"
        ("cillion", "of", False),
        ("film", "'s", True),  # a possessive
        ("don", "'t", True),
        ("Wilder", "people", True),  # the film's own word
        ("#May", "ing", True),  # hashtags are the hashtag check's business
        ("", "1970", True),
        ("Am", "\u00e9", True),  # accented letters are letters: "Amélie"
        ("Kl", "\u00e9", False),  # no word starts with "Klé"
        ("Re", "\u00e9", False),
        ("Kl", "\ufffd", False),  # half of a character's bytes: cannot be judged
        ("", "\ufffd", False),
        ("night", " ", True),
        ("nightx", " ", False),
    ],
)
def test_lexicon_allows_real_words_and_starts_of_real_words(lexicon, unfinished, piece, allowed):
    assert lexicon.allows(unfinished, piece) is allowed


def test_lexicon_agrees_with_the_fluency_check(lexicon):
    for word in ["night", "tensest", "Vertov's", "aliens", "bearders", "cillionof", "Partory"]:
        assert lexicon.is_word(word) == (non_words(word) == []), word


@pytest.fixture(scope="module")
def random_model(kit_lm):
    """A random-weight GPT with the kit's tokenizer: it proposes tokens with no idea of words."""
    return build_tiny_gpt(
        len(kit_lm.tokenizer), end_of_text_id=kit_lm.tokenizer.eos_token_id, n_embd=32,
        n_layer=1, n_head=2, seed=3,
    )  # fmt: skip


def test_sampling_with_the_filter_spells_only_real_words(kit_lm, random_model, lexicon):
    prompt = kit_lm.encode("copy:")  # (1, length)
    settings = {"n_candidates": 6, "max_new_tokens": 30, "temperature": 1.0, "top_k": 50, "seed": 0}

    def texts(token_filter):
        generation = sample_candidates(random_model, prompt, token_filter=token_filter, **settings)
        texts = [kit_lm.decode(row[prompt.shape[1] :]) for row in generation.sequences]
        return [text.rsplit(" ", 1)[0] for text in texts]  # the last word may be cut short

    free = texts(None)
    constrained = texts(RealWordsFilter(kit_lm.tokenizer, lexicon))
    assert sum(len(non_words(text)) for text in free) > 10  # random weights: gibberish
    assert [(text, non_words(text)) for text in constrained if non_words(text)] == []
    assert any(len(text.split()) >= 5 for text in constrained)


def test_the_filter_keeps_the_allowed_among_the_likeliest_tokens(kit_lm, lexicon):
    sequences = kit_lm.encode("It is wholl")  # (1, length): the start of "wholly"
    logits = torch.randn(1, len(kit_lm.tokenizer))  # (1, vocab)
    logits[0, RealWordsFilter(kit_lm.tokenizer, lexicon).pieces.index("y")] = 10.0  # in the top 100
    token_filter = RealWordsFilter(kit_lm.tokenizer, lexicon)
    kept = torch.isfinite(token_filter(logits, sequences)[0])  # (vocab,)
    checked = logits[0].topk(CHECKED_TOKENS).indices
    assert 0 < kept.sum() < CHECKED_TOKENS and kept[checked].sum() == kept.sum()
    assert all(lexicon.allows("wholl", token_filter.pieces[i]) for i in torch.nonzero(kept)[:, 0])


def test_when_no_likely_token_is_allowed_the_filter_looks_further_down(kit_lm, lexicon):
    sequences = kit_lm.encode("It is wholl")  # the start of "wholly", not yet a word
    token_filter = RealWordsFilter(kit_lm.tokenizer, lexicon)
    new_words = [i for i, piece in enumerate(token_filter.pieces) if piece[:2].strip().isalpha()
                 and piece.startswith(" ")][:CHECKED_TOKENS]  # fmt: skip
    logits = torch.zeros(1, len(kit_lm.tokenizer))
    logits[0, new_words] = 5.0  # the likeliest tokens all leave "wholl" unfinished: none allowed
    logits[0, token_filter.pieces.index("y")] = 1.0  # further down the list
    kept = torch.isfinite(token_filter(logits, sequences)[0])
    assert not kept[new_words].any()
    assert kept[token_filter.pieces.index("y")] and token_filter.fallbacks == 1


def test_stray_control_characters_are_vetoed(lexicon):
    assert not lexicon.allows("night", "\x04")
    assert lexicon.allows("night", "\n")


def test_title_words_are_closed(kit_lm, lexicon):
    """After "... Picture Show", no letters may be glued on ("Showed" is a word, not the title)."""
    sequences = kit_lm.encode("The Last Picture Show")
    logits = torch.zeros(1, len(kit_lm.tokenizer))
    title_filter = RealWordsFilter(kit_lm.tokenizer, lexicon, closed_words=["Picture", "Show"])
    allowed = torch.isfinite(title_filter(logits, sequences)[0])
    pieces = title_filter.pieces
    checked = logits[0].topk(CHECKED_TOKENS).indices.tolist()
    assert not any(pieces[i][:1].isalpha() for i in checked if allowed[i])
    assert any(allowed[i] for i in checked)


def test_greedy_decoding_obeys_the_filter_too(kit_lm, random_model, lexicon):
    prompt = kit_lm.encode("copy:")
    generation = greedy_with_log_probs(
        random_model, prompt, 25, token_filter=RealWordsFilter(kit_lm.tokenizer, lexicon)
    )
    assert non_words(kit_lm.decode(generation.sequences[0, prompt.shape[1] :])) == []


def test_top_k_chooses_among_allowed_tokens(kit_lm, lexicon):
    """The veto runs before top-k, so k tokens stay in the running, all of them allowed."""
    sequences = kit_lm.encode("The tonst")
    logits = torch.randn(1, len(kit_lm.tokenizer))
    token_filter = RealWordsFilter(kit_lm.tokenizer, lexicon)
    kept = process_logits(logits, sequences, top_k=20, token_filter=token_filter)
    assert int(torch.isfinite(kept).sum()) == 20
    assert torch.isfinite(token_filter(logits, sequences)[0, torch.isfinite(kept[0])]).all()
    assert int(torch.isfinite(token_filter(logits, sequences)).sum()) > 20
