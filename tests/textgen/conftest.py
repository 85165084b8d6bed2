"""Fixtures for the text-generation tests: a tiny random GPT-2 and the kit's trained model."""

import pytest
import torch

from cinelab.data.embedded import read_films
from cinelab.textgen import build_tiny_gpt, load_language_model

END_OF_TEXT = 0


@pytest.fixture(scope="session")
def random_gpt():
    """A small untrained GPT-2 whose logits are peaky enough to make decoding choices clear."""
    model = build_tiny_gpt(97, end_of_text_id=END_OF_TEXT, n_embd=32, n_layer=2, n_head=2, seed=3)
    with torch.no_grad():
        model.transformer.wte.weight *= 6.0  # tied with the output layer: sharper distributions
    return model.eval()


@pytest.fixture(scope="session")
def kit_lm():
    """The kit's committed tokenizer and model."""
    return load_language_model()


@pytest.fixture(scope="session")
def films():
    """Every catalogue film as a record by title (a ``films.csv`` row, as ``check_copy`` takes it)."""
    catalogue = read_films().drop_duplicates("title")
    return {record["title"]: record for record in catalogue.to_dict("records")}
