"""`cinelab train-lm` wiring, and train_kit_model end to end on a miniature setting."""

import json

import pytest
import torch

from cinelab.cli import build_parser
from cinelab.textgen import load_language_model, training


def test_train_lm_arguments_reach_the_command():
    args = build_parser().parse_args(["train-lm", "--epochs", "3", "--seed", "4", "--threads", "1"])
    assert (args.command, args.epochs, args.seed, args.threads, args.output) == (
        "train-lm",
        3,
        4,
        1,
        None,
    )


def test_train_kit_model_writes_a_loadable_model_and_its_report(tmp_path, monkeypatch):
    miniature = {"vocab_size": 300, "n_embd": 16, "n_layer": 1, "n_head": 2, "batch_size": 256}
    monkeypatch.setattr(training, "KIT_SETTINGS", {**training.KIT_SETTINGS, **miniature})
    run = training.train_kit_model(tmp_path, epochs=1, progress=False)
    report = json.loads((tmp_path / "training_report.json").read_text())
    assert report["steps"] == len(run.history) == 10  # 2,540 documents / 256
    assert report["validation_perplexity"] == pytest.approx(run.validation_perplexity, abs=0.01)
    assert report["validation_documents"] > 0 and report["settings"]["vocab_size"] == 300
    lm = load_language_model(tmp_path)
    assert len(lm.tokenizer) == 300 and list(tmp_path.glob("*.safetensors"))
    for name, tensor in run.model.state_dict().items():
        assert torch.equal(lm.model.state_dict()[name], tensor), name
