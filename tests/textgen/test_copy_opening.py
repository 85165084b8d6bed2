"""The words the kit's model is primed with join its continuation exactly as the tokens say."""

import pytest
import torch

from cinelab.textgen import TrailerCopywriter
from cinelab.textgen.copywriter import Film

UNFORGIVEN = Film("Unforgiven", 1992, ("Drama", "Western"))


@pytest.mark.parametrize(
    ("continuation", "expected"),
    [
        (", one last job on the frontier.", "Unforgiven, one last job on the frontier."),
        (" rides out one last time.", "Unforgiven rides out one last time."),
        ("'s last job waits on the frontier.", "Unforgiven's last job waits on the frontier."),
    ],
)
def test_the_primed_title_joins_the_continuation_without_a_stray_space(
    kit_lm, continuation, expected
):
    writer = TrailerCopywriter(kit_lm, seed=0)
    ids = torch.tensor(kit_lm.tokenizer.encode(continuation, add_special_tokens=False))  # (n,)
    candidate = writer._candidate("Unforgiven", ids, torch.zeros(len(ids)), UNFORGIVEN,
                                  "tagline", True)  # fmt: skip
    assert candidate.text == expected
