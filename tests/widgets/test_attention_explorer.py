"""AttentionExplorer's logic, driven from Python: set controls, read what it shows."""

import html
import re

import numpy as np
import pytest

from cinelab import attention
from cinelab.widgets import AttentionExplorer
from cinelab.widgets.attention_explorer import heatmap_html

LOGLINES = [
    "A crew plans a heist at the bank in Paris",
    "A lonely robot falls in love on a space station",
    "The crew botches the heist downtown",
    "The android dreams of the stars above the station",
    "A retired thief plans one last robbery in Paris",
]


@pytest.fixture()
def explorer():
    # min_count=1: every word of these few texts gets a vector, so no "unknown word" notes
    source = attention.KitTransformer.from_texts(LOGLINES, min_count=1, seed=0)
    return AttentionExplorer(LOGLINES, source)


def _entropy(weights):
    return float(-(weights * np.log(np.where(weights > 0, weights, 1.0))).sum(axis=-1).mean())


def _selected_row_label(heatmap):
    match = re.search(r'<tr class="cinelab-attention-selected"[^>]*><th[^>]*>([^<]*)</th>', heatmap)
    return None if match is None else match.group(1)


def test_starts_on_the_first_text_with_layer_1_head_1(explorer):
    tokens = ("a", "crew", "plans", "a", "heist", "at", "the", "bank", "in", "paris")
    assert explorer.maps.tokens == tokens
    assert explorer.layer.value == 0 and explorer.head.value == 0
    np.testing.assert_allclose(explorer.shown_weights, explorer.maps.weights[0, 0], atol=1e-12)
    assert explorer.heatmap.value.count("<td") == len(tokens) ** 2
    assert [label for label, _ in explorer.query.options] == list(tokens)
    assert "Click a query token" in explorer.focus.value
    assert explorer.message.value == ""


def test_default_source_is_the_kit_transformer_on_the_same_texts():
    explorer = AttentionExplorer(LOGLINES, seed=0)
    expected = attention.KitTransformer.from_texts(LOGLINES, seed=0).attention(LOGLINES[0])
    np.testing.assert_allclose(explorer.maps.weights, expected.weights, atol=1e-12)
    assert explorer.message.value == html.escape(expected.note)
    assert "bank" in explorer.message.value  # seen once in LOGLINES: no vector of its own


def test_choosing_layer_and_head_shows_that_map(explorer):
    explorer.layer.value = 1
    explorer.head.value = 2
    np.testing.assert_allclose(explorer.shown_weights, explorer.maps.weights[1, 2], atol=1e-12)
    explorer.head.value = -1  # mean of heads
    np.testing.assert_allclose(
        explorer.shown_weights, explorer.maps.weights[1].mean(axis=0), atol=1e-12
    )
    assert [label for label, _ in explorer.head.options][-1] == "mean of heads"


def test_temperature_sharpens_and_flattens_the_softmax(explorer):
    entropies = {}
    for temperature in (0.2, 1.0, 5.0):
        explorer.temperature.value = temperature
        np.testing.assert_allclose(explorer.shown_weights.sum(axis=-1), 1.0, rtol=1e-12)
        entropies[temperature] = _entropy(explorer.shown_weights)
    assert entropies[0.2] < entropies[1.0] < entropies[5.0]
    explorer.temperature.value = 0.2
    expected = attention.sharpen_weights(explorer.maps.weights[0, 0], 0.2)
    np.testing.assert_allclose(explorer.shown_weights, expected, atol=1e-12)


def test_causal_toggle_reruns_the_model_with_the_mask(explorer):
    n = len(explorer.maps.tokens)
    explorer.causal.value = True
    future = ~attention.causal_mask(n)
    assert np.all(explorer.shown_weights[future] == 0.0)
    assert explorer.heatmap.value.count(": masked") == n * (n - 1) // 2
    expected = explorer.source.attention(LOGLINES[0], causal=True)
    np.testing.assert_allclose(explorer.maps.weights, expected.weights, atol=1e-12)
    explorer.causal.value = False
    assert np.all(explorer.shown_weights[future] > 0.0)
    assert ": masked" not in explorer.heatmap.value


def test_clicking_a_query_token_highlights_its_row(explorer):
    assert _selected_row_label(explorer.heatmap.value) is None
    explorer.query.value = 4  # "heist"
    assert explorer.heatmap.value.count("cinelab-attention-selected") == 1
    assert _selected_row_label(explorer.heatmap.value) == "heist"
    shades = re.findall(r"rgba\([\d, ]+,([\d.]+)\)\">([^<]*)</span>", explorer.focus.value)
    row = explorer.shown_weights[4]
    assert [token for _, token in shades] == list(explorer.maps.tokens)
    np.testing.assert_allclose([float(a) for a, _ in shades], row / row.max(), atol=1e-3)


def test_typing_a_new_text_updates_tokens_and_reports_unknown_words(explorer):
    explorer.query.value = 2
    explorer.text.value = "A robot plans a zebra heist"
    assert explorer.maps.tokens == ("a", "robot", "plans", "a", "zebra", "heist")
    assert [label for label, _ in explorer.query.options][1] == "robot"
    assert "zebra" in explorer.message.value
    assert explorer.shown_weights.shape == (6, 6)


def test_empty_text_shows_a_message_instead_of_failing(explorer):
    explorer.text.value = "   "
    assert "no words" in explorer.message.value
    assert explorer.heatmap.value == "" and explorer.maps is None
    explorer.text.value = LOGLINES[1]
    assert explorer.maps.tokens[1] == "lonely" and explorer.message.value == ""


def test_tokens_are_escaped_in_the_html(explorer):
    explorer.text.value = "the crew <b> & the heist"
    assert "&lt;" in explorer.heatmap.value and "&amp;" in explorer.heatmap.value
    assert "<b>" not in explorer.heatmap.value


def test_long_texts_are_cut_to_max_tokens_with_a_note():
    long_text = " ".join(LOGLINES)  # 10 + 10 + 6 + 9 + 9 = 44 tokens
    explorer = AttentionExplorer([long_text, *LOGLINES], max_tokens=40)
    assert len(explorer.maps.tokens) == 40 and explorer.shown_weights.shape == (40, 40)
    assert "first 40 of 44" in explorer.message.value


def test_controls_carry_stable_css_classes_for_browser_tests(explorer):
    for name in ("text", "layer", "head", "causal", "temperature", "query", "heatmap", "focus"):
        assert f"cinelab-attention-{name}" in getattr(explorer, name)._dom_classes
    assert "cinelab-attention-explorer" in explorer._dom_classes


def test_bad_texts_are_refused_with_a_clear_error():
    with pytest.raises(TypeError, match="not one string"):
        AttentionExplorer("a single logline")
    with pytest.raises(ValueError, match="at least one text"):
        AttentionExplorer([])
    with pytest.raises(TypeError, match="every text must be a string"):
        AttentionExplorer(["fine", None])


def test_heatmap_html_colours_by_weight_and_greys_masked_cells():
    weights = np.array([[1.0, 0.0], [0.25, 0.75]])
    allowed = np.array([[True, False], [True, True]])
    table = heatmap_html(["a", "b"], weights, allowed, selected=None)
    alphas = [float(a) for a in re.findall(r"rgba\([\d, ]+,([\d.]+)\)", table)]
    assert alphas == [1.0, 0.25, 0.75]
    assert table.count(": masked") == 1


def test_explorer_shows_a_transformers_gpt2_with_its_causal_mask_fixed():
    torch = pytest.importorskip("torch")
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    words = sorted({w for text in LOGLINES for w in text.split()})
    word_level = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="A"))
    word_level.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=word_level, unk_token="A")
    config = GPT2Config(vocab_size=len(words), n_positions=16, n_embd=8, n_layer=3, n_head=2)
    torch.manual_seed(0)
    model = GPT2LMHeadModel(config)
    explorer = AttentionExplorer(LOGLINES, attention.TransformersAttention(model, tokenizer))
    assert explorer.causal.value is True and explorer.causal.disabled
    assert len(explorer.layer.options) == 3 and len(explorer.head.options) == 3
    explorer.layer.value, explorer.head.value = 2, 1
    ids = tokenizer(LOGLINES[0], return_tensors="pt")["input_ids"]
    with torch.no_grad():
        expected = model(input_ids=ids, output_attentions=True).attentions[2][0, 1].numpy()
    np.testing.assert_allclose(explorer.shown_weights, expected, atol=1e-6)
    assert explorer.maps.tokens[:3] == ("A", "crew", "plans")


def test_presenter_mode_and_the_kit_theme_like_every_widget(monkeypatch):
    source = attention.KitTransformer.from_texts(LOGLINES, min_count=1, seed=0)
    plain = AttentionExplorer(LOGLINES, source, presenter=False)
    assert "cinelab-widget" in plain._dom_classes and "cinelab-presenter" not in plain._dom_classes
    assert "cinelab-style" in plain.children[0]._dom_classes  # the shared stylesheet
    assert "cinelab-presenter" in AttentionExplorer(LOGLINES, source, presenter=True)._dom_classes
    monkeypatch.setenv("CINELAB_PRESENTER", "1")
    assert AttentionExplorer(LOGLINES, source).presenter is True
