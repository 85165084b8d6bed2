"""`cinelab train-lm`: argument checks before any work, and train_kit_model end to end (miniature)."""

import json
import math
import os

import pytest
import torch

from cinelab.cli import build_parser, main
from cinelab.textgen import load_language_model, training
from cinelab.textgen.loading import KIT_MODEL_DIR

MINIATURE = {
    # 1,000 tokens keep documents short (attention costs grow with the square of their length)
    # and float32 runs at full speed on CPUs without bfloat16 units: a third of the time that
    # 300 tokens and bfloat16 took. bfloat16 training has its own test in test_training.py.
    "vocab_size": 1000,
    "n_positions": 512,
    "n_embd": 16,
    "n_layer": 1,
    "n_head": 2,
    "batch_size": 512,
    "eval_every": 10,
    "ngram_order": 3,
    "bfloat16": False,
}


def test_train_lm_arguments_reach_the_command():
    args = build_parser().parse_args(
        ["train-lm", "--epochs", "3", "--seed", "4", "--threads", "1", "--resume"]
    )
    assert (args.command, args.epochs, args.seed, args.threads, args.output, args.resume) == (
        "train-lm",
        3,
        4,
        1,
        None,
        True,
    )


@pytest.fixture
def no_training(monkeypatch):
    """Record train_kit_model calls instead of training."""
    calls = []
    monkeypatch.setattr(training, "train_kit_model", lambda *a, **k: calls.append((a, k)))
    return calls


@pytest.mark.parametrize("flag", ["--epochs", "--threads"])
def test_zero_epochs_or_threads_are_refused_before_training(flag, no_training, capsys):
    with pytest.raises(SystemExit, match=f"{flag} must be at least 1, got 0"):
        main(["train-lm", flag, "0"])
    assert no_training == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_an_unwritable_output_is_found_before_training(tmp_path, no_training):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(SystemExit, match="cannot write to the output folder"):
            main(["train-lm", "--output", str(locked / "model")])
    finally:
        locked.chmod(0o700)
    assert no_training == []


def test_an_output_that_is_a_file_is_found_before_training(tmp_path, no_training):
    taken = tmp_path / "model"
    taken.write_text("not a folder")
    with pytest.raises(SystemExit, match=f"cannot write to the output folder {taken}"):
        main(["train-lm", "--output", str(taken)])
    assert no_training == []


def test_without_output_it_writes_to_a_user_folder_and_says_where(
    tmp_path, monkeypatch, no_training, capsys
):
    monkeypatch.setattr(training, "user_model_dir", lambda: tmp_path / "user-model")
    monkeypatch.setattr(training.torch, "set_num_threads", lambda n: None)
    with pytest.raises(FileNotFoundError):  # the recorded "training" wrote no report
        main(["train-lm", "--epochs", "2"])
    ((args, kwargs),) = no_training
    assert args == (tmp_path / "user-model",) and kwargs["epochs"] == 2
    assert args[0] != KIT_MODEL_DIR and str(tmp_path / "user-model") in capsys.readouterr().out


@pytest.fixture(scope="module")
def miniature_run(tmp_path_factory):
    output = tmp_path_factory.mktemp("kit-model")
    patched = {**training.KIT_SETTINGS, **MINIATURE}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(training, "KIT_SETTINGS", patched)
        run = training.train_kit_model(output, epochs=1, progress=False)
    return run, output


def test_train_kit_model_writes_a_loadable_model_and_its_report(miniature_run):
    run, output = miniature_run
    report = json.loads((output / "training_report.json").read_text())
    corpus = training.KitCorpus.load()
    documents = len(corpus.train) + len(corpus.other_english)
    assert report["steps"] == len(run.history) == math.ceil(documents / 512)
    assert report["train_documents"] == len(corpus.train)
    assert report["other_english_documents"] == len(corpus.other_english) > 4000
    assert report["validation_documents"] == len(corpus.validation) > 0
    assert report["validation_perplexity"] == pytest.approx(run.validation_perplexity, abs=0.01)
    assert report["vocabulary"] == report["settings"]["vocab_size"] == MINIATURE["vocab_size"]
    assert not (output / training.CHECKPOINT_NAME).exists()  # removed once the run is complete
    lm = load_language_model(output)
    assert len(lm.tokenizer) == MINIATURE["vocab_size"] and list(output.glob("*.safetensors"))
    for name, tensor in run.model.state_dict().items():
        assert torch.equal(lm.model.state_dict()[name], tensor), name


def test_the_report_scores_held_out_copy_in_bits_per_character(miniature_run):
    _run, output = miniature_run
    report = json.loads((output / "training_report.json").read_text())
    lm = load_language_model(output)
    corpus = training.KitCorpus.load()
    expected = training.held_out_scores(lm.model, lm.tokenizer, corpus, ngram_order=3)
    assert report["held_out_bits_per_character"] == pytest.approx(
        expected["bits_per_character"], abs=1e-4
    )
    assert report["ngram_bits_per_character"] == pytest.approx(
        expected["ngram_bits_per_character"], abs=1e-4
    )
    assert report["angle_gain_bits_per_character"] == pytest.approx(
        expected["angle_gain_bits_per_character"], abs=1e-4
    )
    assert 1.0 < report["ngram_bits_per_character"] < 5.0  # an order-3 model: far from 8 bits


def test_the_other_english_is_about_training_films_only():
    """Reviews and loglines join the training texts; none is about a held-out film."""
    from cinelab.data.embedded import read_films
    from cinelab.language.reviews import load_reviews

    corpus = training.KitCorpus.load()
    films, reviews = read_films(), load_reviews()
    held_out = set(corpus.validation["item_id"])
    held_out_texts = {" " + text for text in reviews.loc[reviews.item_id.isin(held_out), "review"]}
    held_out_texts |= {" " + text for text in films.loc[films.item_id.isin(held_out), "logline"]}
    assert held_out_texts and not held_out_texts & set(corpus.other_english)
    assert all(text.startswith(" ") for text in corpus.other_english)  # as copy after "copy:"
    assert corpus.tokenizer_texts()[-1] == corpus.other_english[-1]


class _Stop(Exception):
    """Raised by the stand-in trainer once it has seen its arguments."""


@pytest.mark.parametrize("hardware", [True, False])
def test_the_kit_trains_in_bfloat16_only_where_the_cpu_has_it(monkeypatch, tmp_path, hardware):
    # without bfloat16 hardware, autocast emulates it: a step of the kit's GPT took 47 s
    # instead of 1.6 s in float32 (benchmarks/README.md)
    seen = {}

    def stand_in(*args, **kwargs):
        seen.update(kwargs)
        raise _Stop

    monkeypatch.setattr(training, "KIT_SETTINGS", {**training.KIT_SETTINGS, **MINIATURE,
                                                    "bfloat16": True})  # fmt: skip
    monkeypatch.setattr(training, "fast_bfloat16", lambda: hardware)
    monkeypatch.setattr(training, "train_language_model", stand_in)
    with pytest.raises(_Stop):
        training.train_kit_model(tmp_path / "model", epochs=1, progress=False)
    assert seen["bfloat16"] is hardware
