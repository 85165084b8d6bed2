"""TrailerCopywriter: the kit's model and a tiny chat model, checks that tell the truth, viewers."""

import pandas as pd
import pytest
import torch

from cinelab.textgen import (
    FORMATS,
    Audience,
    TrailerCopywriter,
    UnsupportedFormat,
    check_copy,
    copywriter,
    decoding,
    mentions_title,
    pretrained,
)
from cinelab.textgen.audience import GENERAL_AUDIENCE
from cinelab.textgen.checks import LENGTH_LIMITS
from cinelab.textgen.copywriter import Film, chat_brief, prompt_seed, token_budget
from cinelab.textgen.corpus import example_lines
from tests.textgen.chat_fixtures import NO_SYSTEM, save_tiny_chat_model

KIT_KINDS = ["tagline", "voiceover", "social", "blurb"]


@pytest.fixture(scope="module")
def writer(kit_lm):
    return TrailerCopywriter(kit_lm, seed=0)


@pytest.fixture(scope="module")
def chat_folder(tmp_path_factory):
    return save_tiny_chat_model(tmp_path_factory.mktemp("chat"))


def item_id(writer, title):
    films = writer.catalogue
    return int(films.loc[films["title"] == title, "item_id"].iloc[0])


@pytest.mark.parametrize("kind", KIT_KINDS)
def test_every_kit_format_is_written_and_its_checks_are_those_of_check_copy(writer, kind):
    copy = writer.write(item_id(writer, "Alien"), kind=kind)
    assert copy.text and copy.kind == kind and copy.film.title == "Alien"
    assert copy.checks == check_copy(copy.text, copy.film, kind)
    assert copy.measures["words"] == len(copy.text.split())
    assert 1.0 < copy.measures["perplexity"] < 1e4
    if kind in ("voiceover", "social"):
        assert copy.text.startswith("Alien")  # the kit's model is primed with the title


def test_the_chosen_candidate_has_the_fewest_failures_then_the_lowest_perplexity(writer):
    copy = writer.write(item_id(writer, "Heat"), kind="tagline", seed=3)
    assert len(copy.candidates) == writer.n_candidates
    ranked = sorted(copy.candidates, key=lambda c: (len(c.checks.failed), c.perplexity))
    assert copy.text == ranked[0].text


def test_perplexity_comes_from_the_decoder_and_matches_a_scoring_pass(kit_lm):
    from cinelab.textgen.metrics import continuation_perplexity

    writer = TrailerCopywriter(kit_lm, strategy="greedy", repetition_penalty=1.0)
    copy = writer.write(item_id(writer, "Titanic"), kind="tagline")
    rescored = continuation_perplexity(kit_lm.model, copy.prompt_ids[0], copy.token_ids)
    assert copy.measures["perplexity"] == pytest.approx(rescored, rel=1e-3)


def test_candidates_share_one_prefill_and_draw_like_a_repeated_batch(kit_lm):
    prompt = kit_lm.encode("tagline | Horror | Alien (1979) |")
    calls = []
    hook = kit_lm.model.register_forward_hook(
        lambda module, args, kwargs, output: calls.append(kwargs), with_kwargs=True
    )
    try:
        shared = decoding.sample_candidates(kit_lm.model, prompt, 6, 12, temperature=0.8, seed=4)
    finally:
        hook.remove()
    prefill_batches = [kw["input_ids"].shape for kw in calls if kw["input_ids"].shape[1] > 1]
    assert prefill_batches == [torch.Size([1, prompt.shape[1]])]
    repeated = decoding.sample(kit_lm.model, prompt.repeat(6, 1), 12, temperature=0.8, seed=4)
    assert torch.equal(shared.sequences, repeated)


def test_greedy_and_beam_are_deterministic(kit_lm):
    greedy = TrailerCopywriter(kit_lm, strategy="greedy")
    beam = TrailerCopywriter(kit_lm, strategy="beam", num_beams=4)
    film = greedy.catalogue.iloc[0].to_dict()
    assert greedy.write(film).text == greedy.write(film, seed=99).text
    assert len(greedy.write(film).candidates) == 1 and len(beam.write(film).candidates) == 1


def test_sampling_depends_on_the_seed(writer):
    film = item_id(writer, "Titanic")
    texts = {writer.write(film, kind="social", seed=seed).text for seed in range(3)}
    assert len(texts) > 1


def test_the_veto_is_kept_for_the_next_piece_about_the_same_film_and_changes_nothing(kit_lm):
    """The writer keeps the last film's real-words filter (its verdicts save time); a piece
    written after others is the piece a fresh writer would write."""
    warm = TrailerCopywriter(kit_lm, seed=0)
    titanic, alien = item_id(warm, "Titanic"), item_id(warm, "Alien")
    warm.write(titanic, kind="tagline")
    veto = warm.real_words_filter(warm.resolve_film(titanic))
    assert veto._verdicts and "Titanic" in veto.closed_words  # the first piece's verdicts
    fresh = TrailerCopywriter(kit_lm, seed=0)
    assert warm.write(titanic, kind="social").text == fresh.write(titanic, kind="social").text
    assert warm.real_words_filter(warm.resolve_film(titanic)) is veto  # still the same one
    assert warm.real_words_filter(warm.resolve_film(alien)) is not veto


def taught_writer(folder, film, lessons, steps=150):
    """A tiny chat model taught, by a few Adam steps, one answer per viewer's brief."""
    writer = TrailerCopywriter(folder, seed=0, temperature=0.7, n_candidates=2)
    lm = writer.language_model
    optimiser = torch.optim.Adam(lm.model.parameters(), lr=1e-2)
    examples = []
    for viewer, answer in lessons:
        prompt = writer.prompt_ids(film, viewer, "tagline", viewer.angle_for(list(film.genres)))
        answer_ids = lm.tokenizer(answer + "<|im_end|>", add_special_tokens=False)["input_ids"]
        ids = torch.cat([prompt[0], torch.tensor(answer_ids)])[None, :]  # (1, length)
        labels = ids.clone()
        labels[0, : prompt.shape[1]] = -100  # learn the answer, not the brief
        examples.append((ids, labels))
    lm.model.train()
    for _ in range(steps):
        for ids, labels in examples:
            optimiser.zero_grad()
            lm.model(input_ids=ids, labels=labels).loss.backward()
            optimiser.step()
    lm.model.eval()
    return writer


def test_two_opposite_viewers_differ_more_than_two_seeds_for_one_viewer(tmp_path):
    film = Film("Titanic", 1997, ("Drama", "Romance"), "A young artist meets a society girl.")
    romantic = Audience("romantic", ("Romance",), ("Notting Hill",), "cries at weddings")
    drama_fan = Audience("drama fan", ("Drama",), ("12 Angry Men",), "loves courtroom talk")
    writer = taught_writer(
        save_tiny_chat_model(tmp_path / "taught"),
        film,
        [(romantic, "One love story at sea."), (drama_fan, "The heist goes wrong tonight.")],
    )
    table, contrast = writer.compare_viewers(film, romantic, drama_fan, seeds=range(4))
    assert list(table.columns) == ["seed", "viewer_a", "viewer_b"] and len(table) == 4
    assert contrast.between_viewers > 0.8
    assert contrast.gap > 0.5  # the viewer changes the copy far more than the seed does
    verdict = contrast.angles  # the judge: a love story sells Romance, a heist does not
    assert (verdict.angle_a, verdict.angle_b, verdict.pairs, verdict.right) == (
        "Romance",
        "Drama",
        4,
        1.0,
    )
    same_angle = Audience("another romantic", ("Romance",))
    assert writer.compare_viewers(film, romantic, same_angle, seeds=range(2))[1].angles is None


def test_viewer_contrast_on_hand_computed_texts():
    from cinelab.textgen import ngram_distance, viewer_contrast

    assert ngram_distance("love at sea", "love at sea") == 0.0
    # unigrams+bigrams: {love, at, sea, love at, at sea} vs {war, at, sea, war at, at sea}
    assert ngram_distance("love at sea", "war at sea") == pytest.approx(1 - 3 / 7)
    contrast = viewer_contrast(["love at sea", "love at sea"], ["war at sea", "war at sea"])
    assert contrast.between_seeds == 0.0 and contrast.gap == pytest.approx(4 / 7)
    with pytest.raises(ValueError, match="at least 2"):
        viewer_contrast(["a"], ["b"])
    with pytest.raises(ValueError, match="at most 12"):
        viewer_contrast(["a"] * 13, ["b"] * 13)


def test_the_permutation_p_value_of_a_viewer_contrast():
    from cinelab.textgen import viewer_contrast

    # opposite viewers, the same words at every seed: only swapping all or none of the 6 seeds
    # keeps the viewers apart, so the p-value is the smallest 6 seeds allow, 2 / 64
    opposite = viewer_contrast(["love at sea"] * 6, ["war in the trenches"] * 6)
    assert opposite.p_value == pytest.approx(2 / 64) and opposite.gap > 0.9
    assert viewer_contrast(["love at sea"] * 4, ["war at dawn"] * 4).p_value == 2 / 16
    # a viewer who changes nothing: every swap gives the same gap, so p = 1
    same = viewer_contrast(["one", "two", "three"], ["one", "two", "three"])
    assert same.p_value == 1.0 and same.gap == pytest.approx(-1.0)


def test_the_viewers_taste_reaches_the_chat_brief():
    film = Film("Titanic", 1997, ("Drama", "Romance"), "A young artist and a society girl meet.")
    persona = Audience(
        "persona", ("Romance",), ("Notting Hill",), "a romantic who cries at weddings"
    )
    brief = chat_brief(film, persona, "tagline", "Romance")[1]["content"]
    for expected in ("a romantic who cries at weddings", "Notting Hill", "Romance side",
                     "A young artist and a society girl meet.", "1997", "at most 15 words"):  # fmt: skip
        assert expected in brief


def test_a_chat_model_writes_every_format_through_its_template(chat_folder):
    writer = TrailerCopywriter(chat_folder, seed=0, n_candidates=3)
    assert writer.is_chat
    film = Film("Alien", 1979, ("Horror", "Sci-Fi"), "A crew answers a distress call.")
    for kind in FORMATS:
        copy = writer.write(film, "a teenager who loves scary movies", kind=kind)
        assert len(copy.candidates) == 3 and copy.model_name == str(chat_folder)
        prompt = writer.language_model.tokenizer.decode(copy.prompt_ids[0])
        assert prompt.startswith("<|im_start|>system") and "A crew answers" in prompt
        assert copy.checks == check_copy(copy.text, film, kind)
        if LENGTH_LIMITS[kind].names_title:  # the answer is primed with the title
            assert prompt.endswith("<|im_start|>assistant\nAlien") and copy.text.startswith("Alien")


def test_a_template_without_a_system_role_still_writes(tmp_path):
    writer = TrailerCopywriter(save_tiny_chat_model(tmp_path / "g", chat_template=NO_SYSTEM))
    copy = writer.write(Film("Alien", 1979, ("Horror",)), kind="tagline")
    prompt = writer.language_model.tokenizer.decode(copy.prompt_ids[0])
    assert "<start_of_turn>user\nYou are a film trailer copywriter" in prompt


def test_a_chat_model_is_first_shown_hand_written_examples_of_the_kind(tmp_path):
    alien = Film("Alien", 1979, ("Horror", "Sci-Fi"), "A crew answers a distress call.")
    examples = example_lines("Alien", 1979, "tagline", "Horror", 2)
    assert list(examples.kind) == ["tagline"] * 2 and list(examples.angle) == ["Horror"] * 2
    assert "Alien" not in set(examples.title)  # never the film's own lines
    assert examples.equals(example_lines("Alien", 1979, "tagline", "Horror", 2))  # fixed draw
    assert example_lines("Alien", 1979, "scene", "Horror", 2).empty  # the corpus has no scenes
    messages = chat_brief(alien, GENERAL_AUDIENCE, "tagline", "Horror", examples)
    assert [message["role"] for message in messages] == [
        "system", "user", "assistant", "user", "assistant", "user"
    ]  # fmt: skip
    assert [messages[2]["content"], messages[4]["content"]] == list(examples.text)
    first = examples.iloc[0]
    assert messages[1]["content"].startswith(f"Film: {first.title} ({first.year})")
    assert (
        messages[-1]["content"]
        == chat_brief(alien, GENERAL_AUDIENCE, "tagline", "Horror")[-1]["content"]
    )

    def prompt_of(writer):
        copy = writer.write(alien, kind="tagline")
        return writer.language_model.tokenizer.decode(copy.prompt_ids[0])

    roomy = TrailerCopywriter(
        save_tiny_chat_model(tmp_path / "roomy", context=4096), n_candidates=2
    )
    assert roomy.examples_shown() == 2 and all(text in prompt_of(roomy) for text in examples.text)
    roomy.configure(examples=0)
    assert not any(text in prompt_of(roomy) for text in examples.text)
    # a context too short for two examples and the answer gets one
    one = example_lines("Alien", 1979, "tagline", "Horror", 1)
    chat = roomy.language_model
    fits_one = chat.encode(chat_brief(alien, GENERAL_AUDIENCE, "tagline", "Horror", one)).shape[1]
    context = fits_one + token_budget(chat.tokenizer, "tagline")
    cramped = TrailerCopywriter(save_tiny_chat_model(tmp_path / "cramped", context=context))
    prompt = prompt_of(cramped)
    assert one.text.iloc[0] in prompt and not all(text in prompt for text in examples.text)
    assert len(cramped.language_model.tokenizer(prompt)["input_ids"]) <= context


@pytest.mark.parametrize(
    ("examples", "error"), [(-1, ValueError), (6, ValueError), (1.5, TypeError), (True, TypeError)]
)
def test_the_number_of_examples_is_checked(kit_lm, examples, error):
    with pytest.raises(error, match="examples must be"):
        TrailerCopywriter(kit_lm, examples=examples)


def test_auto_uses_a_pulled_chat_model_and_the_kit_model_otherwise(
    tmp_path, monkeypatch, chat_folder
):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    assert TrailerCopywriter().model_name == "kit"
    monkeypatch.setattr(copywriter, "cached", lambda task=None, cache_dir=None: ["tiny"])
    picked = []
    monkeypatch.setattr(
        copywriter, "load_chat", lambda name: picked.append(name) or "loaded " + name
    )
    assert TrailerCopywriter().language_model == "loaded tiny" and picked == ["tiny"]


def test_the_kit_model_says_which_formats_it_was_not_trained_for(writer):
    for kind in ("scene", "dialogue", "description"):
        with pytest.raises(UnsupportedFormat, match="not trained to write.*models pull"):
            writer.write(item_id(writer, "Alien"), kind=kind)


def test_token_budgets_follow_the_tokenizer(kit_lm, chat_folder):
    chat = pretrained.load_chat(chat_folder)
    for tokenizer in (kit_lm.tokenizer, chat.tokenizer):
        budget = token_budget(tokenizer, "tagline")
        sample = "In space the quiet is the first warning of what is coming for all of us."
        assert budget >= len(tokenizer(sample, add_special_tokens=False)["input_ids"])
    assert token_budget(kit_lm.tokenizer, "voiceover") > token_budget(kit_lm.tokenizer, "tagline")


def test_a_user_id_reads_a_taste_profile_from_ratings(kit_lm):
    films = pd.DataFrame(
        {"item_id": [10, 11], "title": ["Scary", "Sweet"], "year": [2000, 2001],
         "genres": ["Horror", "Romance"], "logline": ["", ""], "tagline": ["", ""]}
    )  # fmt: skip
    ratings = pd.DataFrame({"user_id": [7, 7], "item_id": [10, 11], "rating": [5.0, 1.0]})
    writer = TrailerCopywriter(kit_lm, films=films, ratings=ratings, strategy="greedy")
    both = {"title": "Both", "year": 2002, "genres": "Romance|Horror"}
    copy = writer.write(both, audience=7)
    assert copy.audience.top_genres == ("Horror",) and copy.angle == "Horror"


def test_mentions_title_matches_whole_words_in_order():
    assert mentions_title("Tonight, THE MATRIX has you.", "The Matrix")
    assert mentions_title("The Matrix's rules bend.", "The Matrix")
    assert not mentions_title("The matrices are here.", "The Matrix")
    assert not mentions_title("Matrix, the", "The Matrix")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"n_candidates": 0}, "n_candidates must be a positive integer, got 0"),
        ({"temperature": 1e-40}, "temperature must be at least"),
        ({"top_p": 1.5}, r"top_p must be a number in \(0, 1\], got 1.5"),
        ({"top_k": 0}, "top_k must be a positive integer"),
        ({"strategy": "telepathy"}, "strategy"),
        ({"num_beams": -1}, "num_beams"),
        ({"colour": "red"}, "Unknown setting"),
    ],
)
def test_bad_settings_are_refused_by_the_kit_and_change_nothing(kit_lm, settings, message):
    with pytest.raises(ValueError, match=message):
        TrailerCopywriter(kit_lm, **settings)
    writer = TrailerCopywriter(kit_lm)
    before = writer.settings
    with pytest.raises(ValueError, match=message):
        writer.configure(**settings)
    assert writer.settings == before


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda w: w.write(1, kind="poem"), ValueError, "kind"),
        (lambda w: w.write(-12345), ValueError, "item_id -12345"),
        (lambda w: w.write({"title": "X"}), ValueError, "lacks"),
        (lambda w: w.write(1, audience=""), ValueError, "persona"),
        (lambda w: w.write(1, audience=[]), TypeError, "audience must be None"),
    ],
)
def test_bad_requests_raise_named_errors(writer, call, error, message):
    with pytest.raises(error, match=message):
        call(writer)


def test_token_ids_outside_the_vocabulary_are_refused_by_the_kit(kit_lm):
    vocab = kit_lm.model.get_input_embeddings().num_embeddings
    for call in (decoding.greedy, decoding.sample):
        with pytest.raises(ValueError, match=f"token id {vocab + 5} at position 1"):
            call(kit_lm.model, [0, vocab + 5, 3], 5)
    with pytest.raises(ValueError, match="token id -1"):
        decoding.next_token_distribution(kit_lm.model, [0, -1])


def test_step_distribution_is_computed_by_the_writer(writer):
    copy = writer.write(item_id(writer, "Alien"), kind="tagline")
    table = writer.step_distribution(copy, 0, top_n=5)
    logits = writer.language_model.model(copy.prompt_ids).logits[0, -1]
    assert table["model_probability"].iloc[0] == pytest.approx(
        logits.softmax(-1).max().item(), rel=1e-5
    )
    assert table["chosen"].sum() == 1
    with pytest.raises(ValueError, match="step must be in"):
        writer.step_distribution(copy, len(copy.token_ids))


def test_each_prompt_gets_its_own_reproducible_draws():
    first, second = torch.tensor([[0, 5, 6]]), torch.tensor([[0, 5, 7]])
    assert prompt_seed(0, first) == prompt_seed(0, first.clone())
    assert len({prompt_seed(0, first), prompt_seed(0, second), prompt_seed(1, first)}) == 3
    assert prompt_seed(-3, first) >= 0
