"""The training loop: its loss is transformers' loss, it learns, it is reproducible."""

import math

import pandas as pd
import pytest
import torch

from cinelab.textgen import (
    average_loss,
    bits_per_character,
    build_tiny_gpt,
    encode_documents,
    perplexity,
    train_language_model,
    train_tokenizer,
    training,
)
from cinelab.textgen.corpus import build_prompt
from cinelab.textgen.training import next_token_loss, pad_batch

DOCUMENTS = [
    "tagline | Horror | Alien (1979) | In space, the quiet is the scary part.",
    "tagline | Comedy | Groundhog Day (1993) | Same day. New jokes. Again.",
    "social | Drama | Casablanca (1942) | Of all the bars in the world, this one has the best piano.",
    "voiceover | Sci-Fi | The Matrix (1999) | What if the world you wake up in is a program?",
] * 6


@pytest.fixture(scope="module")
def tokenizer():
    return train_tokenizer(DOCUMENTS, vocab_size=320)


@pytest.fixture(scope="module")
def token_lists(tokenizer):
    return encode_documents(tokenizer, DOCUMENTS, max_length=64)


def small_model(tokenizer, seed=0):
    return build_tiny_gpt(
        len(tokenizer),
        end_of_text_id=tokenizer.eos_token_id,
        n_embd=32,
        n_layer=2,
        n_head=2,
        seed=seed,
    )


def test_documents_are_framed_by_end_of_text(tokenizer, token_lists):
    end = tokenizer.eos_token_id
    assert all(ids[0] == end and ids[-1] == end for ids in token_lists)
    assert tokenizer.decode(token_lists[0], skip_special_tokens=True) == DOCUMENTS[0]


def test_encode_documents_cuts_to_max_length(tokenizer):
    assert max(len(ids) for ids in encode_documents(tokenizer, DOCUMENTS, 10)) == 10
    with pytest.raises(ValueError, match="max_length"):
        encode_documents(tokenizer, DOCUMENTS, 1)


def test_pad_batch_marks_padding_as_ignored():
    input_ids, targets = pad_batch([[5, 6, 7], [8]], pad_id=0)
    assert input_ids.tolist() == [[5, 6, 7], [8, 0, 0]]
    assert targets.tolist() == [[5, 6, 7], [8, -100, -100]]


def test_next_token_loss_equals_transformers_loss(tokenizer, token_lists):
    model = small_model(tokenizer).eval()
    input_ids, targets = pad_batch(token_lists[:4], tokenizer.pad_token_id)
    expected = model(
        input_ids=input_ids, attention_mask=(targets != -100).long(), labels=targets
    ).loss
    assert torch.isclose(next_token_loss(model, input_ids, targets), expected, atol=1e-6)


PROMPTS = [document[: document.rindex("|") + 1] for document in DOCUMENTS]


def test_prompted_documents_know_where_their_copy_starts(tokenizer):
    prompted = encode_documents(tokenizer, DOCUMENTS, 64, prompts=PROMPTS)
    for ids, prompt in zip(prompted, PROMPTS):
        assert ids.given == len(tokenizer(prompt)["input_ids"])
        assert tokenizer.decode(ids[: ids.given], skip_special_tokens=True) == prompt
    with pytest.raises(ValueError, match="does not start with the tokens of its prompt"):
        encode_documents(tokenizer, DOCUMENTS[:1], 64, prompts=["social | Drama"])
    with pytest.raises(ValueError, match="1 prompts for 2 documents"):
        encode_documents(tokenizer, DOCUMENTS[:2], 64, prompts=PROMPTS[:1])


def test_pad_batch_does_not_predict_the_prompt(tokenizer):
    prompted = encode_documents(tokenizer, DOCUMENTS[:2], 64, prompts=PROMPTS[:2])
    input_ids, targets = pad_batch(prompted, tokenizer.pad_token_id)
    for row, ids in enumerate(prompted):
        assert (targets[row, : ids.given] == -100).all()
        assert targets[row, ids.given : len(ids)].tolist() == ids[ids.given :]
        assert input_ids[row, : len(ids)].tolist() == list(ids)  # the prompt is still read


def test_the_loss_of_a_prompted_document_is_the_loss_of_its_copy(tokenizer):
    """Training on copy only and scoring copy in bits per character measure the same tokens."""
    model = small_model(tokenizer).eval()
    prompted = encode_documents(tokenizer, DOCUMENTS[:4], 64, prompts=PROMPTS[:4])
    copies = [document[len(prompt) :] for document, prompt in zip(DOCUMENTS, PROMPTS)][:4]
    nats = average_loss(model, prompted, tokenizer.pad_token_id) * sum(
        len(ids) - ids.given for ids in prompted
    )
    bits = bits_per_character(model, tokenizer, PROMPTS[:4], copies)
    assert nats / sum(len(c) + 1 for c in copies) / math.log(2) == pytest.approx(bits, rel=1e-5)


def test_bfloat16_training_learns_like_float32(tokenizer, token_lists):
    settings = {"pad_id": tokenizer.pad_token_id, "epochs": 5, "batch_size": 8,
                "learning_rate": 1e-2, "eval_every": 15, "keep_best": False, "progress": False}  # fmt: skip
    full = train_language_model(small_model(tokenizer), token_lists, token_lists[:4], **settings)
    half = train_language_model(
        small_model(tokenizer), token_lists, token_lists[:4], **settings, bfloat16=True
    )
    first = full.history.train_loss.iloc[0]
    assert half.history.train_loss.iloc[0] == pytest.approx(first, abs=0.05)
    assert half.validation_loss < first - 1.0  # it learns
    assert half.validation_loss == pytest.approx(full.validation_loss, abs=0.2)


def test_average_loss_weights_every_token_equally(tokenizer, token_lists):
    model = small_model(tokenizer).eval()
    one_by_one = [average_loss(model, [ids], tokenizer.pad_token_id) for ids in token_lists[:3]]
    counts = [len(ids) - 1 for ids in token_lists[:3]]
    expected = sum(loss * count for loss, count in zip(one_by_one, counts)) / sum(counts)
    assert math.isclose(
        average_loss(model, token_lists[:3], tokenizer.pad_token_id, batch_size=2),
        expected,
        rel_tol=1e-5,
    )


def test_an_untrained_model_is_about_as_unsure_as_its_vocabulary(tokenizer, token_lists):
    model = small_model(tokenizer)
    ppl = perplexity(average_loss(model, token_lists, tokenizer.pad_token_id))
    assert 0.5 * len(tokenizer) < ppl < 2 * len(tokenizer)


def test_training_lowers_the_loss_and_keeps_the_best_weights(tokenizer, token_lists):
    model = small_model(tokenizer)
    run = train_language_model(
        model,
        token_lists,
        token_lists[:4],
        pad_id=tokenizer.pad_token_id,
        epochs=15,
        batch_size=8,
        learning_rate=1e-2,
        eval_every=5,
        progress=False,
    )
    evaluated = run.history.dropna(subset=["validation_loss"])
    assert evaluated.validation_loss.iloc[-1] < 0.5 * evaluated.validation_loss.iloc[0]
    assert run.validation_loss == pytest.approx(evaluated.validation_loss.min())
    assert average_loss(run.model, token_lists[:4], tokenizer.pad_token_id) == pytest.approx(
        run.validation_loss, rel=1e-5
    )
    assert run.validation_perplexity == pytest.approx(math.exp(run.validation_loss))
    assert list(run.history.columns) == ["step", "epoch", "train_loss", "validation_loss"]
    assert len(run.history) == 15 * 3 and not run.model.training


def test_training_is_reproducible_from_the_seed(tokenizer, token_lists):
    def history(seed):
        run = train_language_model(
            small_model(tokenizer),
            token_lists,
            token_lists[:4],
            pad_id=tokenizer.pad_token_id,
            epochs=2,
            batch_size=8,
            eval_every=3,
            seed=seed,
            progress=False,
        )
        return run.history

    assert history(1).equals(history(1))
    assert not history(1).equals(history(2))


def test_max_steps_stops_early(tokenizer, token_lists):
    run = train_language_model(
        small_model(tokenizer),
        token_lists,
        token_lists[:2],
        pad_id=tokenizer.pad_token_id,
        epochs=50,
        batch_size=8,
        max_steps=4,
        eval_every=2,
        progress=False,
    )
    assert run.history.step.tolist() == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"epochs": 0}, "epochs"),
        ({"batch_size": -1}, "batch_size"),
        ({"eval_every": 0}, "eval_every"),
    ],
)
def test_bad_training_arguments_raise(tokenizer, token_lists, arguments, message):
    with pytest.raises(ValueError, match=message):
        train_language_model(
            small_model(tokenizer), token_lists, token_lists, pad_id=0, progress=False, **arguments
        )


def test_training_needs_validation_documents(tokenizer, token_lists):
    with pytest.raises(ValueError, match="validation"):
        train_language_model(small_model(tokenizer), token_lists, [], pad_id=0, progress=False)


def test_tokenizer_round_trips_any_text(tokenizer):
    text = "Ça tourne! 🎬 The Matrix (1999) — “quotes” and 42 tabs\tinside."
    ids = tokenizer(text)["input_ids"]
    assert tokenizer.decode(ids, skip_special_tokens=True) == text
    assert ids[0] == tokenizer.eos_token_id


def test_tokenizer_learns_frequent_words_as_single_tokens(tokenizer):
    assert len(tokenizer.tokenize("tagline")) == 1
    assert len(tokenizer.tokenize("zyxwvut")) > 3


@pytest.mark.parametrize(
    ("texts", "vocab_size", "message"), [([], 300, "at least one"), (["a"], 100, "vocab_size")]
)
def test_tokenizer_rejects_bad_arguments(texts, vocab_size, message):
    with pytest.raises(ValueError, match=message):
        train_tokenizer(texts, vocab_size=vocab_size)


def nats_by_hand(model, tokenizer, prompt: str, continuation: str) -> float:
    """-log p(continuation + end | prompt), one token at a time."""
    prompt_ids = tokenizer(prompt)["input_ids"]
    ids = tokenizer(prompt + continuation)["input_ids"] + [tokenizer.eos_token_id]
    with torch.no_grad():
        log_probs = torch.log_softmax(model(torch.tensor([ids])).logits[0], dim=-1)
    return -sum(log_probs[i - 1, ids[i]].item() for i in range(len(prompt_ids), len(ids)))


def test_bits_per_character_scores_only_the_continuation(tokenizer):
    model = small_model(tokenizer).eval()
    prompts = ["tagline | Horror | Alien (1979) |", "social | Drama | Casablanca (1942) |"]
    continuations = [" In space, the quiet is the scary part.", " Of all the bars, this one."]
    by_hand = [nats_by_hand(model, tokenizer, p, c) for p, c in zip(prompts, continuations)]
    per_document = training.continuation_nats(model, tokenizer, prompts, continuations)
    assert per_document.tolist() == pytest.approx(by_hand, rel=1e-5)
    characters = sum(len(text) + 1 for text in continuations)
    expected = sum(by_hand) / characters / math.log(2)
    assert bits_per_character(model, tokenizer, prompts, continuations) == pytest.approx(
        expected, rel=1e-5
    )


def test_angle_reading_compares_each_copy_under_its_own_and_another_angle(tokenizer):
    films = pd.DataFrame(
        {
            "item_id": [1, 2, 3],
            "title": ["Alien", "Casablanca", "Groundhog Day"],
            "year": [1979, 1942, 1993],
            "genres": ["Horror|Sci-Fi", "Drama|Romance|War", "Comedy"],
            "logline": ["A crew answers a call.", "A bar owner meets an old love.", "One day."],
        }
    )
    documents = pd.DataFrame(
        {
            "item_id": [1, 2, 2, 3],
            "kind": ["tagline", "tagline", "social", "tagline"],
            "angle": ["Sci-Fi", "Drama", "War", "Comedy"],
            "text": ["In space, quiet.", "Of all the bars.", "Casablanca tonight.", "Again."],
        }
    )
    model = small_model(tokenizer).eval()
    reading = training.angle_reading(model, tokenizer, documents, films)
    assert reading.documents == 3  # Groundhog Day has no other genre to compare with
    expected = []
    for item_id, kind, angle, other, text in [
        (1, "tagline", "Sci-Fi", "Horror", "In space, quiet."),  # the first other genre
        (2, "tagline", "Drama", "Romance", "Of all the bars."),
        (2, "social", "War", "Drama", "Casablanca tonight."),
    ]:
        film = films.set_index("item_id").loc[item_id]
        own = nats_by_hand(model, tokenizer, build_prompt(film, kind, angle=angle), " " + text)
        swapped = nats_by_hand(model, tokenizer, build_prompt(film, kind, angle=other), " " + text)
        expected.append((swapped - own) / (len(text) + 2) / math.log(2))  # " " + text + end
    assert reading.gain == pytest.approx(sum(expected) / 3, abs=1e-6)  # float32 sums
    assert reading.share_helped == pytest.approx(sum(gain > 0 for gain in expected) / 3)
    with pytest.raises(ValueError, match="at least 2 documents of films with two or more"):
        training.angle_reading(model, tokenizer, documents.tail(1), films)


def test_bits_per_character_refuses_a_prompt_split_differently(tokenizer):
    model = small_model(tokenizer)
    with pytest.raises(ValueError, match="tokenised the same"):
        bits_per_character(model, tokenizer, ["ta"], ["gline"])  # "tagline" is one token
    with pytest.raises(ValueError, match="as many prompts"):
        bits_per_character(model, tokenizer, ["a"], [])


def test_a_resumed_run_ends_exactly_like_an_uninterrupted_one(
    tokenizer, token_lists, tmp_path, monkeypatch
):
    settings = {"pad_id": tokenizer.pad_token_id, "epochs": 3, "batch_size": 8, "eval_every": 2}
    whole = train_language_model(small_model(tokenizer), token_lists, token_lists[:4], **settings)
    checkpoint = tmp_path / "state.pt"
    real_step, steps_taken = training._training_step, []

    def stop_after_five_steps(*args, **kwargs):
        if len(steps_taken) == 5:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C during step 6 of 9
        steps_taken.append(1)
        return real_step(*args, **kwargs)

    monkeypatch.setattr(training, "_training_step", stop_after_five_steps)
    with pytest.raises(KeyboardInterrupt):
        train_language_model(
            small_model(tokenizer),
            token_lists,
            token_lists[:4],
            **settings,
            checkpoint=checkpoint,
            checkpoint_every=4,
        )
    monkeypatch.setattr(training, "_training_step", real_step)
    assert torch.load(checkpoint, weights_only=True)["step"] == 4  # the last checkpoint
    resumed = train_language_model(
        small_model(tokenizer, seed=5),  # other starting weights: the checkpoint replaces them
        token_lists,
        token_lists[:4],
        **settings,
        checkpoint=checkpoint,
        checkpoint_every=4,
        resume=True,
    )
    assert resumed.history.equals(whole.history) and resumed.best_step == whole.best_step
    for name, tensor in whole.model.state_dict().items():
        assert torch.equal(resumed.model.state_dict()[name], tensor), name


def test_resume_refuses_a_missing_or_foreign_checkpoint(tokenizer, token_lists, tmp_path):
    settings = {
        "pad_id": tokenizer.pad_token_id,
        "batch_size": 8,
        "eval_every": 2,
        "progress": False,
    }
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        train_language_model(
            small_model(tokenizer),
            token_lists,
            token_lists[:4],
            **settings,
            checkpoint=tmp_path / "none.pt",
            resume=True,
        )
    train_language_model(
        small_model(tokenizer),
        token_lists,
        token_lists[:4],
        **settings,
        epochs=1,
        checkpoint=tmp_path / "one.pt",
    )
    with pytest.raises(ValueError, match="from another run"):
        train_language_model(
            small_model(tokenizer),
            token_lists,
            token_lists[:4],
            **settings,
            epochs=2,
            checkpoint=tmp_path / "one.pt",
            resume=True,
        )


def test_a_short_live_run_on_the_kit_corpus_lowers_the_held_out_loss(kit_lm):
    """The notebook's live demo: the kit's tokenizer, a small fresh GPT, a few dozen steps."""
    tokenizer = kit_lm.tokenizer
    corpus = training.KitCorpus.load()
    train = encode_documents(tokenizer, corpus.train["document"].sample(640, random_state=0), 256)
    validation = encode_documents(tokenizer, corpus.validation["document"][::20], 256)
    model = build_tiny_gpt(
        len(tokenizer), end_of_text_id=tokenizer.eos_token_id, n_embd=64, n_layer=2, n_head=2
    )
    run = train_language_model(
        model,
        train,
        validation,
        pad_id=tokenizer.pad_token_id,
        max_steps=40,
        batch_size=16,
        eval_every=10,
        keep_best=False,
        progress=False,
    )
    losses = run.history.dropna().validation_loss.tolist()
    assert len(losses) == 4 and losses == sorted(losses, reverse=True)
    assert losses[-1] < math.log(len(tokenizer)) - 1.0  # well below a uniform guess
