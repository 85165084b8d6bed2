"""Pulling, listing and loading pretrained models, offline, against a loopback 'Hub'."""

import hashlib
import time

import pytest
import torch

from cinelab import cli
from cinelab.textgen import pretrained
from tests.textgen.chat_fixtures import (
    NO_SYSTEM,
    LoopbackHub,
    registry_entry,
    save_tiny_chat_model,
    save_tiny_sentiment_model,
)


@pytest.fixture(scope="module")
def chat_source(tmp_path_factory):
    folder = save_tiny_chat_model(tmp_path_factory.mktemp("tiny-chat"))
    return folder, registry_entry(folder, "tiny-chat")


@pytest.fixture
def hub_cache(tmp_path, monkeypatch, chat_source):
    cache = tmp_path / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setitem(pretrained.REGISTRY, "tiny-chat", chat_source[1])
    return cache


def test_the_registry_pins_a_revision_and_a_sha256_for_every_file():
    assert {"smollm2-135m-instruct", "smollm2-360m-instruct", "qwen2.5-0.5b-instruct"} <= {
        name for name, entry in pretrained.REGISTRY.items() if entry.task == "chat"
    }
    assert [e.name for e in pretrained.REGISTRY.values() if e.task == "sentiment"]
    for entry in pretrained.REGISTRY.values():
        assert len(entry.revision) == 40 and int(entry.revision, 16) >= 0
        names = {file.path for file in entry.files}
        assert {"config.json", "model.safetensors"} <= names
        assert "tokenizer.json" in names or "vocab.txt" in names
        for file in entry.files:
            assert len(file.sha256) == 64 and int(file.sha256, 16) >= 0 and file.size > 0


def test_pull_verifies_caches_in_the_hub_layout_and_loads_offline(hub_cache, chat_source):
    folder, entry = chat_source
    assert pretrained.cached("chat") == []
    with LoopbackHub(folder, entry) as hub:
        snapshot = pretrained.pull("tiny-chat", endpoint=hub.endpoint, progress=False)
    repo = hub_cache / "models--tests--tiny-chat"
    assert snapshot == repo / "snapshots" / entry.revision
    assert (repo / "refs" / "main").read_text() == entry.revision
    for file in entry.files:
        blob = repo / "blobs" / file.sha256
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == file.sha256
        assert (snapshot / file.path).resolve() == blob.resolve()
    assert pretrained.cached("chat") == ["tiny-chat"] and pretrained.cached("sentiment") == []
    chat = pretrained.load_chat("tiny-chat")
    answer = chat.reply([{"role": "user", "content": "A tagline for Alien?"}], max_new_tokens=8)
    assert isinstance(answer, str) and chat.system_role


def test_pulling_again_downloads_nothing(hub_cache, chat_source):
    folder, entry = chat_source
    with LoopbackHub(folder, entry) as hub:
        pretrained.pull("tiny-chat", endpoint=hub.endpoint, progress=False)
        n_requests = len(hub.requests)
        pretrained.pull("tiny-chat", endpoint=hub.endpoint, progress=False)
    assert n_requests == len(entry.files) and len(hub.requests) == n_requests


def test_a_tampered_file_is_rejected_named_and_removed(hub_cache, chat_source):
    folder, entry = chat_source
    with LoopbackHub(folder, entry) as hub:
        hub.tampered.add("model.safetensors")
        with pytest.raises(pretrained.ChecksumError, match="model.safetensors.*deleted"):
            pretrained.pull("tiny-chat", endpoint=hub.endpoint, progress=False)
    weights = next(file for file in entry.files if file.path == "model.safetensors")
    blobs = hub_cache / "models--tests--tiny-chat" / "blobs"
    assert not (blobs / weights.sha256).exists()
    assert not list(blobs.glob("*.incomplete"))
    assert not pretrained.is_cached("tiny-chat")


def test_an_interrupted_download_resumes_with_a_range_request(hub_cache, chat_source):
    folder, entry = chat_source
    weights = next(file for file in entry.files if file.path == "model.safetensors")
    blobs = hub_cache / "models--tests--tiny-chat" / "blobs"
    blobs.mkdir(parents=True)
    half = weights.size // 2
    (blobs / f"{weights.sha256}.incomplete").write_bytes(
        (folder / "model.safetensors").read_bytes()[:half]
    )
    with LoopbackHub(folder, entry) as hub:
        pretrained.pull("tiny-chat", endpoint=hub.endpoint, progress=False)
    ranges = [value for path, value in hub.requests if path.endswith("model.safetensors")]
    assert ranges == [f"bytes={half}-"]
    assert pretrained.is_cached("tiny-chat")


def test_an_uncached_or_unknown_model_fails_at_once_with_the_pull_command(hub_cache):
    start = time.perf_counter()
    with pytest.raises(FileNotFoundError, match="cinelab models pull tiny-chat"):
        pretrained.load_chat("tiny-chat")
    with pytest.raises(FileNotFoundError, match="cinelab models pull"):
        pretrained.load_chat("no-such/model")
    with pytest.raises(FileNotFoundError, match="cinelab models pull smollm2-135m-instruct"):
        pretrained.load_chat("HuggingFaceTB/SmolLM2-135M-Instruct")
    assert time.perf_counter() - start < 1.0


def test_offline_pull_from_the_hub_is_refused_before_any_network(hub_cache):
    with pytest.raises(ConnectionError, match="HF_HUB_OFFLINE"):
        pretrained.pull("tiny-chat")


def test_a_truncated_safetensors_file_is_named(tmp_path, chat_source):
    folder = save_tiny_chat_model(tmp_path / "cut")
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])
    with pytest.raises(ValueError, match=r"model\.safetensors is truncated"):
        pretrained.load_chat(folder)


def test_a_template_without_a_system_role_gets_the_system_text_in_the_user_turn(tmp_path):
    chat = pretrained.load_chat(save_tiny_chat_model(tmp_path / "gemma", chat_template=NO_SYSTEM))
    assert not chat.system_role
    messages = [
        {"role": "system", "content": "You write trailers."},
        {"role": "user", "content": "A tagline for Alien?"},
    ]
    text = chat.tokenizer.decode(chat.encode(messages)[0])
    assert "<start_of_turn>user\nYou write trailers.\n\nA tagline for Alien?" in text
    assert isinstance(chat.reply(messages, max_new_tokens=5), str)


def test_reply_is_reproducible(chat_source, hub_cache):
    chat = pretrained.load_chat(chat_source[0])
    messages = [{"role": "user", "content": "Write a tagline."}]
    first = chat.reply(messages, max_new_tokens=6, seed=3)
    assert first == chat.reply(messages, max_new_tokens=6, seed=3)


def test_thinking_is_stripped():
    assert pretrained.strip_thinking("<think>plan the copy</think>\nIn space...") == "In space..."
    assert pretrained.strip_thinking("<think>never finished") == ""
    assert pretrained.strip_thinking(" is here") == " is here"  # other text keeps its spaces


def test_decoded_text_keeps_its_leading_space_to_follow_a_primed_title(chat_source):
    chat = pretrained.load_chat(chat_source[0])
    ids = chat.tokenizer(" is here", add_special_tokens=False)["input_ids"]
    assert "Alien" + chat.decode(ids) == "Alien is here"  # not "Alienis here"


def test_sentiment_classifier_returns_a_label_and_a_probability(tmp_path, monkeypatch):
    folder = save_tiny_sentiment_model(tmp_path / "sentiment")
    classify = pretrained.load_sentiment(folder)
    results = classify(["the heist goes wrong", "a tagline for a horror film"])
    assert [label for label, _ in results] != [] and len(results) == 2
    for label, score in results:
        assert label in {"POSITIVE", "NEGATIVE"} and 0.5 <= score <= 1.0
    assert classify("the city") == classify(["the city"])


def test_sentiment_scores_match_the_model_softmax(tmp_path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    folder = save_tiny_sentiment_model(tmp_path / "sentiment")
    ((label, score),) = pretrained.load_sentiment(folder)(["the crew wakes up"])
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    batch = AutoTokenizer.from_pretrained(folder)(["the crew wakes up"], return_tensors="pt")
    with torch.no_grad():
        probabilities = model(**batch).logits.softmax(-1)[0]
    assert score == pytest.approx(probabilities.max().item(), rel=1e-5)
    assert label == model.config.id2label[int(probabilities.argmax())]


def test_models_command_lists_and_pulls(hub_cache, chat_source, capsys):
    folder, entry = chat_source
    assert cli.main(["models", "list"]) == 0
    assert "cinelab models pull tiny-chat" in capsys.readouterr().out
    with LoopbackHub(folder, entry) as hub:
        assert cli.main(["models", "pull", "tiny-chat", "--endpoint", hub.endpoint]) == 0
        hub.tampered.add("config.json")
    assert cli.main(["models", "list"]) == 0
    listing = capsys.readouterr().out
    assert "tiny-chat" in listing and "cached" in listing.split("tiny-chat")[1].splitlines()[0]
    assert cli.main(["models", "pull", "nonexistent"]) == 1
    assert "not in the kit's model registry" in capsys.readouterr().err


def test_a_cache_that_cannot_be_written_is_not_called_a_network_failure(
    hub_cache, chat_source, monkeypatch
):
    folder, entry = chat_source
    real_open = pretrained.Path.open

    def full_disk(self, mode="r", *args, **kwargs):
        if self.name.endswith(".incomplete") and "b" in mode and mode[0] in "aw":
            raise OSError(28, "No space left on device")
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(pretrained.Path, "open", full_disk)
    expected = "Could not write .*No space left.*disk space"
    with LoopbackHub(folder, entry) as hub, pytest.raises(OSError, match=expected) as error:
        pretrained.pull("tiny-chat", endpoint=hub.endpoint, progress=False)
    assert not isinstance(error.value, ConnectionError)
