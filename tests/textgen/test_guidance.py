"""Classifier-free guidance: steered decoding matches transformers, and the writer uses it."""

import pytest
import torch

from cinelab.textgen import DecodingSettings, TrailerCopywriter, build_prompt, decoding
from cinelab.textgen.decoding import greedy_with_log_probs, guide_logits, sample_candidates

WEREWOLF = {
    "title": "An American Werewolf in London",
    "year": 1981,
    "genres": "Comedy|Horror",
    "logline": "Two American students are attacked by a creature on the Yorkshire moors.",
}


def prompts():
    generator = torch.Generator().manual_seed(11)
    own = torch.randint(1, 97, (1, 7), generator=generator)  # (1, 7)
    contrast = torch.randint(1, 97, (1, 5), generator=generator)  # (1, 5): another length
    return own, contrast


def test_guide_logits_by_hand():
    own, contrast = torch.tensor([[2.0, 1.0, 0.0]]), torch.tensor([[0.0, 1.0, 2.0]])
    guided = guide_logits(own, contrast, 3.0)
    own_lp, contrast_lp = own.log_softmax(-1), contrast.log_softmax(-1)
    assert torch.allclose(guided, contrast_lp + 3.0 * (own_lp - contrast_lp))
    assert torch.allclose(guide_logits(own, contrast, 1.0), own_lp)  # scale 1: the own prompt
    assert guided.argmax() == 0 and guided[0, 0] - guided[0, 2] == pytest.approx(-2 + 3 * (2 - -2))


@pytest.fixture(params=["random", "kit"])
def model_and_two_prompts(request, random_gpt):
    """A model, a prompt and its contrast: random ids, or the kit's prompt with two angles."""
    if request.param == "random":
        return (random_gpt, *prompts())
    lm = request.getfixturevalue("kit_lm")
    own, contrast = (
        build_prompt(WEREWOLF, "tagline", angle=angle) for angle in ("Horror", "Comedy")
    )
    return lm.model, lm.encode(own), lm.encode(contrast)


@pytest.mark.parametrize(("scale", "penalty"), [(1.5, 1.0), (3.0, 1.0), (2.0, 1.4)])
def test_guided_greedy_matches_generate(model_and_two_prompts, scale, penalty):
    model, own, contrast = model_and_two_prompts
    expected = model.generate(
        own,
        attention_mask=torch.ones_like(own),
        do_sample=False,
        max_new_tokens=25,
        guidance_scale=scale,
        negative_prompt_ids=contrast,
        repetition_penalty=penalty,
    )
    actual = greedy_with_log_probs(
        model, own, 25, contrast_ids=contrast, guidance=scale, repetition_penalty=penalty
    ).sequences
    assert torch.equal(actual, expected)


def test_guidance_changes_what_the_kit_model_writes(kit_lm):
    own, contrast = (
        kit_lm.encode(build_prompt(WEREWOLF, "voiceover", angle=angle))
        for angle in ("Horror", "Comedy")
    )
    plain = greedy_with_log_probs(kit_lm.model, own, 30).sequences
    guided = greedy_with_log_probs(kit_lm.model, own, 30, contrast_ids=contrast, guidance=3.0)
    assert not torch.equal(guided.sequences, plain)


def test_guided_sampling_records_the_own_prompts_log_probs(random_gpt):
    own, contrast = prompts()
    generation = sample_candidates(
        random_gpt, own, 3, 12, top_k=20, seed=1, contrast_ids=contrast, guidance=2.5
    )
    row = generation.sequences[1]  # (7 + 12,) one candidate, prompt included
    with torch.no_grad():
        log_probs = random_gpt(row[None]).logits[0].log_softmax(-1)  # (length, vocab)
    new = row[own.shape[1] :]
    expected = log_probs[own.shape[1] - 1 : -1].gather(1, new[:, None])[:, 0]  # (12,)
    finished = torch.cumsum(new == 0, 0) - (new == 0).long() > 0  # after an end-of-text token
    assert torch.allclose(generation.token_log_probs[1][~finished], expected[~finished], atol=1e-5)


def test_guidance_one_samples_what_plain_sampling_samples(random_gpt):
    own, contrast = prompts()
    plain = sample_candidates(random_gpt, own, 4, 15, top_k=30, seed=5)
    guided = sample_candidates(
        random_gpt, own, 4, 15, top_k=30, seed=5, contrast_ids=contrast, guidance=1.0
    )
    assert torch.equal(plain.sequences, guided.sequences)


def test_bad_guidance_is_refused(random_gpt):
    own, contrast = prompts()
    with pytest.raises(ValueError, match="needs contrast_ids"):
        sample_candidates(random_gpt, own, 2, 5, guidance=2.0)
    with pytest.raises(ValueError, match="one prompt"):
        sample_candidates(random_gpt, own, 2, 5, contrast_ids=contrast.repeat(2, 1), guidance=2.0)
    with pytest.raises(ValueError, match="greater than 0"):
        sample_candidates(random_gpt, own, 2, 5, contrast_ids=contrast, guidance=0)
    with pytest.raises(ValueError, match="outside the model's vocabulary"):
        greedy_with_log_probs(random_gpt, own, 5, contrast_ids=[500], guidance=2.0)


@pytest.mark.parametrize("value", [0.5, 11, True, "2"])
def test_the_writer_refuses_absurd_guidance(value):
    with pytest.raises(ValueError, match="guidance must be a number from 1 to 10"):
        DecodingSettings(guidance=value)


def test_the_writer_steers_away_from_the_films_other_genre(kit_lm):
    writer = TrailerCopywriter(kit_lm, guidance=3.0)
    film = writer.resolve_film(WEREWOLF)
    horror = writer.resolve_audience("a teenager who loves horror films")
    copy = writer.write(film, horror, "tagline")
    assert copy.angle == "Horror"
    assert "viewer: a fan of Comedy" in kit_lm.decode(copy.contrast_ids[0])
    assert "viewer: a fan of Horror" in kit_lm.decode(copy.prompt_ids[0])
    unguided = TrailerCopywriter(kit_lm, guidance=1.0).write(film, horror, "tagline")
    assert unguided.contrast_ids is None
    assert TrailerCopywriter(kit_lm).guidance == 2.0  # the default steers (benchmarks/README.md)
    texts = {TrailerCopywriter(kit_lm, guidance=g).write(film, horror, "voiceover").text
             for g in (1.0, 3.0)}  # fmt: skip
    assert len(texts) == 2


def test_nothing_is_guided_without_another_genre_or_with_beam_search(kit_lm):
    single = dict(WEREWOLF, genres="Horror")
    writer = TrailerCopywriter(kit_lm, guidance=2.0)
    assert writer.write(single, None, "tagline").contrast_ids is None
    writer.configure(strategy="beam")
    assert writer.write(WEREWOLF, None, "tagline").contrast_ids is None


def test_guide_logits_is_part_of_the_decoding_module():
    assert decoding.guide_logits is guide_logits


def test_the_contrast_angle_is_the_films_first_other_genre():
    from cinelab.textgen.corpus import contrast_angle

    assert contrast_angle("Comedy|Horror", "Horror") == "Comedy"
    assert contrast_angle(("Comedy", "Horror", "Romance"), "Comedy") == "Horror"
    assert contrast_angle("Horror", "Horror") is None


def tiny_llama():
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=97, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
        eos_token_id=0, pad_token_id=0,
    )  # fmt: skip
    torch.manual_seed(5)
    return LlamaForCausalLM(config).eval()


def guided_greedy_in_two_caches(model, own, contrast, steps, scale):
    """Guided greedy decoding the plain way: own and contrast prompt each in a cache of its own;
    the new ids, shape (1, steps)."""
    own_logits, own_cache = decoding.next_token_logits(model, own)
    contrast_logits, contrast_cache = decoding.next_token_logits(model, contrast)
    chosen = []
    for _ in range(steps):
        next_id = guide_logits(own_logits, contrast_logits, scale).argmax(dim=-1, keepdim=True)
        chosen.append(next_id)
        own_logits, own_cache = decoding.next_token_logits(model, next_id, own_cache)
        contrast_logits, contrast_cache = decoding.next_token_logits(model, next_id, contrast_cache)
    return torch.cat(chosen, dim=1)


@pytest.mark.parametrize("architecture", ["gpt2", "llama"])
@pytest.mark.parametrize("longer", ["own", "contrast"])
def test_one_padded_batch_reads_own_and_contrast_as_two_caches_do(random_gpt, architecture, longer):
    """The writer runs own and contrast rows as one left-padded batch: the pads must change
    nothing, whichever prompt is the longer one and whatever the position encoding."""
    model = random_gpt if architecture == "gpt2" else tiny_llama()
    own, contrast = prompts()  # (1, 7), (1, 5)
    if longer == "contrast":
        own, contrast = contrast, own
    expected_ids = guided_greedy_in_two_caches(model, own, contrast, 12, 2.0)
    guided = greedy_with_log_probs(
        model, own, 12, eos_token_id=-1, contrast_ids=contrast, guidance=2.0
    )
    assert torch.equal(guided.sequences[:, own.shape[1] :], expected_ids)
    joint, padding = decoding._left_padded([own, contrast], torch.tensor(0))
    assert padding.mask.tolist()[0 if longer == "contrast" else 1][:2] == [0, 0]
    both, _ = decoding.next_token_logits(model, joint, padding=padding)  # (2, vocab)
    alone = torch.cat([decoding.next_token_logits(model, p)[0] for p in (own, contrast)])
    assert torch.allclose(both, alone, atol=1e-5)


def test_candidates_that_end_leave_the_batch_and_the_rest_draw_what_generate_draws(kit_lm):
    """Rows that wrote their end-of-text token are no longer read by the model (a writer's
    candidates end at different lengths); the others draw exactly what ``model.generate``,
    which keeps every row to the end, draws with the same seed."""
    own, contrast = (
        kit_lm.encode(build_prompt(WEREWOLF, "tagline", angle=angle))
        for angle in ("Horror", "Comedy")
    )
    settings = {"top_k": 50, "top_p": 0.95, "repetition_penalty": 1.1}
    rows_read = []
    hook = kit_lm.model.register_forward_pre_hook(
        lambda module, args, kwargs: rows_read.append(len(kwargs["input_ids"])), with_kwargs=True
    )
    try:
        ours = sample_candidates(
            kit_lm.model, own, 8, 30, seed=2, contrast_ids=contrast, guidance=2.0, **settings
        )
    finally:
        hook.remove()
    torch.manual_seed(2)
    expected = kit_lm.model.generate(
        own.repeat(8, 1),
        attention_mask=torch.ones(8, own.shape[1], dtype=torch.long),
        do_sample=True,
        max_new_tokens=30,
        guidance_scale=2.0,
        negative_prompt_ids=contrast.repeat(8, 1),
        **settings,
    )
    assert torch.equal(ours.sequences, expected)
    still_writing = (ours.token_log_probs != 0).sum(dim=0)  # (steps,) rows unfinished per step
    assert still_writing[-1] < 8  # some candidates ended before the last step
    # one prefill of own + contrast (2 rows, repeated afterwards), then one call per later step
    assert rows_read == [2] + [2 * int(n) for n in still_writing[1:]]
