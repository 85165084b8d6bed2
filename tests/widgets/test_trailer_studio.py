"""TrailerStudio driven from Python: set the controls, click Generate, read what it shows."""

import pytest
import torch

from cinelab.data.embedded import read_ratings
from cinelab.textgen import TrailerCopywriter
from cinelab.textgen.decoding import apply_repetition_penalty
from cinelab.widgets import TrailerStudio


@pytest.fixture(scope="module")
def studio():
    return TrailerStudio(TrailerCopywriter(seed=0))


def film_with_genres(studio, *genres):
    films = studio.writer.catalogue
    mask = films["genres"].apply(lambda text: all(genre in text.split("|") for genre in genres))
    return int(films.loc[mask, "item_id"].iloc[0])


def test_generate_shows_copy_checks_and_a_distribution(studio):
    studio.film.value = film_with_genres(studio, "Horror")
    studio.audience.value = "everyone"
    studio.kind.value = "social"
    studio.strategy.value = "sample"
    studio.generate_button.click()
    copy = studio.copy
    assert copy is not None and copy.kind == "social" and copy.film.title in studio.film.label
    assert copy.text and copy.text.replace("&", "&amp;")[:20] in studio.copy_view.value
    assert "mentions title" in studio.checks_view.value and "perplexity" in studio.checks_view.value
    assert studio.step.max == len(copy.token_ids) - 1 and not studio.step.disabled
    table = studio.distribution
    assert table["chosen"].sum() == 1
    assert table["model_probability"].between(0, 1).all()
    assert "◀ chosen" in studio.distribution_view.value


def test_the_chosen_token_is_the_one_in_the_copy_at_every_step(studio):
    studio.film.value = film_with_genres(studio, "Comedy")
    studio.kind.value = "tagline"
    studio.generate_button.click()
    tokenizer = studio.writer.language_model.tokenizer
    for step in range(min(4, len(studio.copy.token_ids))):
        studio.step.value = step
        chosen = studio.distribution.loc[studio.distribution["chosen"], "token"].item()
        assert chosen == tokenizer.decode([int(studio.copy.token_ids[step])])


def test_greedy_is_repeatable_and_chooses_the_top_token_after_the_penalty(studio):
    studio.strategy.value = "greedy"
    studio.kind.value = "tagline"
    studio.generate_button.click()
    first = studio.copy.text
    studio.generate_button.click()
    assert studio.copy.text == first
    copy, writer = studio.copy, studio.writer
    logits = writer.language_model.model(copy.prompt_ids).logits[0, -1]
    penalised = apply_repetition_penalty(logits, copy.prompt_ids[0], writer.repetition_penalty)
    assert int(penalised.argmax()) == int(copy.token_ids[0])
    studio.strategy.value = "sample"


def test_sampling_settings_reach_the_writer_and_the_view(studio):
    studio.strategy.value = "sample"
    studio.top_k.value = 3
    studio.top_p.value = 1.0
    studio.temperature.value = 0.7
    studio.generate_button.click()
    writer = studio.writer
    assert (writer.top_k, writer.top_p, writer.temperature) == (3, None, 0.7)
    assert (studio.distribution["sampling_probability"] > 0).sum() <= 3
    assert "after temperature" in studio.distribution_view.value
    studio.top_k.value = 50


def test_audience_modes_show_their_fields_and_reach_the_copy(studio):
    studio.audience.value = "persona"
    assert studio.persona.layout.display == "" and studio.user.layout.display == "none"
    studio.persona.value = "someone who loves romance"
    studio.film.value = film_with_genres(studio, "Drama", "Romance")
    studio.generate_button.click()
    assert studio.copy.angle == "Romance"
    studio.audience.value = "user"
    assert studio.user.layout.display == ""
    studio.user.value = int(read_ratings()["user_id"].iloc[0])
    studio.generate_button.click()
    assert studio.copy.audience.name == f"user {studio.user.value}"


def test_a_bad_user_id_is_reported_not_raised(studio):
    studio.audience.value = "user"
    studio.user.value = -5
    studio.generate_button.click()
    assert "User -5" in studio.status.value
    studio.audience.value = "everyone"


def test_stable_css_classes(studio):
    classes = {
        cls
        for child in [studio, studio.film, studio.generate_button, studio.distribution_view]
        for cls in child._dom_classes
    }
    assert {
        "cinelab-trailer-studio",
        "cinelab-trailer-film",
        "cinelab-trailer-generate",
        "cinelab-trailer-distribution",
    } <= classes


def test_step_distribution_matches_the_decoder(studio):
    studio.strategy.value = "sample"
    studio.generate_button.click()
    copy = studio.copy
    model = studio.writer.language_model.model
    logits = model(copy.prompt_ids).logits[0, -1]
    table = studio.step_distribution(0)
    top = torch.topk(logits.softmax(-1), 1)
    assert table["model_probability"].iloc[0] == pytest.approx(top.values.item(), rel=1e-5)
