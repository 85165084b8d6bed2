"""Greedy, sampling and beam search by hand give the same token ids as model.generate."""

import pytest
import torch

from cinelab.data.embedded import read_films
from cinelab.textgen import build_prompt, decoding


def kit_prompt(kind, angle, title, year):
    """The prompt the kit's model was trained on (the logline of catalogue films, else none)."""
    films = read_films()
    match = films[(films.title == title) & (films.year == year)]
    logline = match.logline.iloc[0] if len(match) else ""
    return build_prompt(
        {"title": title, "year": year, "genres": angle, "logline": logline}, kind, angle=angle
    )


KIT_PROMPTS = [
    ("tagline", "Horror", "Alien", 1979),
    ("tagline", "Romance", "Casablanca", 1942),
    ("voiceover", "Sci-Fi", "The Matrix", 1999),
    ("social", "Comedy", "Groundhog Day", 1993),
    ("blurb", "Animation", "Spirited Away", 2001),
    ("tagline", "Western", "A Film Nobody Made", 2031),
]


def random_prompts(n=5, length=6):
    generator = torch.Generator().manual_seed(7)
    return [torch.randint(1, 97, (1, length), generator=generator) for _ in range(n)]


@pytest.fixture(params=["random", "kit"])
def model_and_prompts(request, random_gpt):
    if request.param == "random":
        return random_gpt, random_prompts()
    lm = request.getfixturevalue("kit_lm")
    return lm.model, [lm.encode(kit_prompt(*prompt)) for prompt in KIT_PROMPTS]


def test_greedy_matches_generate(model_and_prompts):
    model, prompts = model_and_prompts
    for prompt in prompts:
        expected = model.generate(prompt, do_sample=False, max_new_tokens=40)
        assert torch.equal(decoding.greedy(model, prompt, max_new_tokens=40), expected)


def test_greedy_with_repetition_penalty_matches_generate(model_and_prompts):
    model, prompts = model_and_prompts
    for prompt in prompts:
        expected = model.generate(
            prompt, do_sample=False, max_new_tokens=30, repetition_penalty=1.5
        )
        actual = decoding.greedy(model, prompt, max_new_tokens=30, repetition_penalty=1.5)
        assert torch.equal(actual, expected)


@pytest.mark.parametrize(("num_beams", "length_penalty"), [(2, 1.0), (4, 1.0), (5, 0.0), (3, 2.0)])
def test_beam_search_matches_generate(model_and_prompts, num_beams, length_penalty):
    model, prompts = model_and_prompts
    for prompt in prompts:
        expected = model.generate(
            prompt,
            do_sample=False,
            num_beams=num_beams,
            max_new_tokens=40,
            length_penalty=length_penalty,
        )
        actual = decoding.beam_search(
            model, prompt, num_beams=num_beams, max_new_tokens=40, length_penalty=length_penalty
        )
        assert torch.equal(actual, expected)


def test_beam_search_finishes_some_hypotheses_early_on_the_kit_model(kit_lm):
    """The parity above must cover beams that end with end-of-text before the length limit."""
    ends = []
    for prompt in KIT_PROMPTS:
        ids = kit_lm.encode(kit_prompt(*prompt))
        out = decoding.beam_search(kit_lm.model, ids, num_beams=4, max_new_tokens=40)
        ends.append(
            out[0, -1].item() == kit_lm.tokenizer.eos_token_id and out.shape[1] < ids.shape[1] + 40
        )
    assert any(ends)


def test_sample_matches_generate_with_the_same_seed(model_and_prompts):
    model, prompts = model_and_prompts
    for seed, prompt in enumerate(prompts):
        settings = {"temperature": 0.8, "top_k": 20, "top_p": 0.9, "repetition_penalty": 1.2}
        batch = prompt.repeat(3, 1)  # (3, length): three samples at once
        torch.manual_seed(seed)
        expected = model.generate(batch, do_sample=True, max_new_tokens=30, **settings)
        assert torch.equal(decoding.sample(model, batch, 30, seed=seed, **settings), expected)


def test_sample_is_reproducible_and_seed_dependent(random_gpt):
    prompt = random_prompts(1)[0].repeat(4, 1)
    first = decoding.sample(random_gpt, prompt, 20, temperature=1.5, seed=1)
    assert torch.equal(first, decoding.sample(random_gpt, prompt, 20, temperature=1.5, seed=1))
    assert not torch.equal(first, decoding.sample(random_gpt, prompt, 20, temperature=1.5, seed=2))


def test_very_low_temperature_sampling_is_greedy(random_gpt):
    prompt = random_prompts(1)[0]
    sampled = decoding.sample(random_gpt, prompt, 25, temperature=1e-4, seed=0)
    assert torch.equal(sampled, decoding.greedy(random_gpt, prompt, 25))


def test_top_k_one_sampling_is_greedy(random_gpt):
    for prompt in random_prompts(3):
        sampled = decoding.sample(random_gpt, prompt, 25, top_k=1, seed=5)
        assert torch.equal(sampled, decoding.greedy(random_gpt, prompt, 25))


def test_finished_rows_of_a_batch_are_padded(kit_lm):
    ids = kit_lm.encode(kit_prompt("tagline", "Drama", "Casablanca", 1942)).repeat(6, 1)
    out = decoding.sample(kit_lm.model, ids, 60, temperature=1.0, seed=0)
    eos = kit_lm.tokenizer.eos_token_id
    for row in out[:, ids.shape[1] :]:
        hits = torch.nonzero(row == eos)
        if len(hits):
            assert (row[hits[0, 0] :] == eos).all()


def test_next_token_distribution_is_what_sample_draws_from(random_gpt):
    prompt = random_prompts(1)[0]
    probabilities = decoding.next_token_distribution(random_gpt, prompt, temperature=0.7, top_k=5)
    assert probabilities.shape == (97,)
    assert torch.isclose(probabilities.sum(), torch.tensor(1.0))
    assert int((probabilities > 0).sum()) == 5
    logits = random_gpt(prompt).logits[0, -1]
    expected = decoding.top_k_filter(logits / 0.7, 5).softmax(-1)
    assert torch.allclose(probabilities, expected, atol=1e-6)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: decoding.greedy(m, torch.tensor([[1.5, 2.0]])), "token ids"),
        (lambda m: decoding.greedy(m, torch.zeros((1, 0), dtype=torch.long)), "empty"),
        (lambda m: decoding.greedy(m, [1, 2], max_new_tokens=0), "max_new_tokens"),
        (lambda m: decoding.greedy(m, [1, 2], max_new_tokens=500), "context"),
        (lambda m: decoding.beam_search(m, [[1, 2], [3, 4]]), "one prompt"),
        (lambda m: decoding.beam_search(m, [1, 2], num_beams=0), "num_beams"),
        (lambda m: decoding.sample(m, [1, 2], temperature=0.0), "temperature"),
    ],
)
def test_bad_inputs_raise_named_errors(random_gpt, call, message):
    with pytest.raises(ValueError, match=message):
        call(random_gpt)


def test_list_and_1d_prompts_are_accepted(random_gpt):
    as_tensor = decoding.greedy(random_gpt, torch.tensor([[3, 4, 5]]), 5)
    assert torch.equal(decoding.greedy(random_gpt, [3, 4, 5], 5), as_tensor)
    assert torch.equal(decoding.greedy(random_gpt, torch.tensor([3, 4, 5]), 5), as_tensor)
