"""TrailerStudio driven from Python: set the controls, click Generate, read what it shows."""

import pytest
import torch

from cinelab.data.embedded import read_ratings
from cinelab.textgen import TrailerCopywriter, pretrained
from cinelab.textgen.decoding import apply_repetition_penalty, guide_logits, process_logits
from cinelab.widgets import TrailerStudio
from tests.textgen.chat_fixtures import registry_entry, save_tiny_chat_model


@pytest.fixture(scope="module")
def studio():
    return TrailerStudio(TrailerCopywriter("kit", seed=0))


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
    checks = studio.checks_view.value
    assert "fluency" in checks and "hashtags" in checks and "perplexity" in checks
    for check in copy.checks.checks:
        assert check.name in checks
    verdict = "whether it makes sense is for a reader to judge"  # rules cannot judge sense
    assert (verdict in checks) == copy.checks.passed
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
    assert (writer.settings.top_k, writer.settings.top_p, writer.temperature) == (3, None, 0.7)
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


def test_a_format_the_kit_model_does_not_know_is_reported_in_the_status_line(studio):
    studio.kind.value = "scene"
    studio.generate_button.click()
    assert "not trained to write" in studio.status.value and "models pull" in studio.status.value
    studio.kind.value = "tagline"


def test_the_controls_reach_the_writer_through_its_validated_settings(studio, monkeypatch):
    seen = []
    original = studio.writer.configure
    monkeypatch.setattr(studio.writer, "configure", lambda **kw: seen.append(kw) or original(**kw))
    studio.temperature.value = 0.9
    studio.generate_button.click()
    assert seen and seen[-1]["temperature"] == 0.9 and studio.writer.temperature == 0.9


def test_the_model_picker_lists_pulled_chat_models_and_switches_the_writer(tmp_path, monkeypatch):
    folder = save_tiny_chat_model(tmp_path / "chat")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    entry = registry_entry(folder, "tiny-chat")
    monkeypatch.setitem(pretrained.REGISTRY, "tiny-chat", entry)
    snapshot = pretrained.snapshot_folder(entry)
    snapshot.mkdir(parents=True)
    for file in entry.files:
        (snapshot / file.path).write_bytes((folder / file.path).read_bytes())
    studio = TrailerStudio(TrailerCopywriter("kit", seed=0))
    assert list(studio.model_picker.options) == ["kit", "tiny-chat"]
    studio.model_picker.value = "tiny-chat"
    studio.writer.configure(n_candidates=2)
    studio.kind.value = "tagline"
    studio.generate_button.click()
    assert studio.copy.model_name == "tiny-chat" and studio.writer.is_chat
    assert "model tiny-chat" in studio.copy_view.value
    assert studio.distribution["chosen"].sum() == 1
    studio.model_picker.value = "kit"
    assert studio.writer.model_name == "kit" and studio.copy is None


def test_the_guidance_slider_steers_the_writer_and_the_step_view(studio):
    studio.film.value = film_with_genres(studio, "Comedy", "Horror")
    studio.audience.value = "persona"
    studio.persona.value = "a teenager who loves horror films"
    studio.kind.value = "tagline"
    studio.strategy.value = "sample"
    studio.guidance.value = 3.0
    studio.generate_button.click()
    writer, copy = studio.writer, studio.copy
    assert writer.guidance == 3.0 and copy.angle == "Horror" and copy.contrast_ids is not None
    tokenizer = writer.language_model.tokenizer
    assert "viewer: a fan of Comedy" in tokenizer.decode(copy.contrast_ids[0])
    step = min(2, len(copy.token_ids) - 1)
    studio.step.value = step
    with torch.no_grad():  # (1, length, vocab) each
        own = writer.language_model.model(
            torch.cat([copy.prompt_ids[0], copy.token_ids[:step]])[None]
        )
        other = writer.language_model.model(
            torch.cat([copy.contrast_ids[0], copy.token_ids[:step]])[None]
        )
    guided = guide_logits(own.logits[:, -1], other.logits[:, -1], 3.0)  # (1, vocab)
    settings = writer.settings
    expected = process_logits(
        guided,
        torch.cat([copy.prompt_ids[0], copy.token_ids[:step]])[None],
        temperature=settings.temperature,
        top_k=settings.top_k,
        top_p=settings.top_p,
        repetition_penalty=settings.repetition_penalty,
    ).softmax(-1)[0]  # (vocab,)
    chosen = studio.distribution.loc[studio.distribution["chosen"], "sampling_probability"]
    assert chosen.item() == pytest.approx(float(expected[int(copy.token_ids[step])]), abs=1e-5)
    studio.guidance.value = 1.0
    studio.generate_button.click()
    assert studio.copy.contrast_ids is None
    studio.guidance.value = writer.settings.__class__().guidance  # back to the default
