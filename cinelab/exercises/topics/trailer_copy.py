"""Exercises for notebook 05, trailer copy (reference: `cinelab.textgen.decoding`).

The kit's decoding functions work on torch tensors; the exercises use numpy arrays, and the
reference wrappers convert (in float64, so both sides compute with the same precision).
"""

from __future__ import annotations

import numpy as np

from cinelab.exercises.checks import (
    Case,
    ChoiceCheck,
    Diagnosis,
    Exercise,
    FunctionCheck,
    Mistake,
    OpenCheck,
    ValueCheck,
)


def _top_p_reference(logits, p):
    import torch

    from cinelab.textgen.decoding import top_p_filter

    return top_p_filter(torch.as_tensor(np.asarray(logits, dtype=np.float64)), p).numpy()


def _top_p_cases(rng: np.random.Generator) -> list[Case]:
    return [
        Case(
            (np.log([0.5, 0.3, 0.2]), 0.7), "3 tokens with probabilities 0.5, 0.3, 0.2 and p = 0.7"
        ),
        Case(
            (np.array([0.1, 2.0, -1.0, 1.5, 0.3]), 0.9),
            "5 logits that are not sorted, p = 0.9",
            "Sort to decide, but return the logits in the vocabulary's order.",
        ),
        Case((rng.normal(size=50), 0.9), "50 random logits, p = 0.9"),
        Case(
            (rng.normal(size=20) * 3, 0.01),
            "20 logits with p = 0.01",
            "The most likely token always stays, however small p is.",
        ),
        Case((rng.normal(size=30), 1.0), "30 logits with p = 1 (keep everything)"),
        Case(
            (rng.normal(size=(3, 12)), 0.8),
            "a batch of 3 rows of 12 logits, p = 0.8",
            "Filter each row on its own: sort, softmax and cumulate along the last axis.",
        ),
    ]


def _softmax(logits: np.ndarray) -> np.ndarray:
    exponentials = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return exponentials / exponentials.sum(axis=-1, keepdims=True)


def _top_p_keeping_within_p(case, student, expected) -> bool:
    """The variant that stops *before* the token crossing p."""
    logits, p = case.args
    order = np.argsort(-logits, axis=-1)
    probabilities = np.take_along_axis(_softmax(logits), order, axis=-1)
    keep_sorted = np.cumsum(probabilities, axis=-1) <= p
    keep = np.zeros_like(keep_sorted)
    np.put_along_axis(keep, order, keep_sorted, axis=-1)
    return np.array_equal(np.isfinite(student), keep)


def _sorted_output(case, student, expected) -> bool:
    student = np.asarray(student)
    return student.ndim == 1 and np.allclose(student, np.sort(expected)[::-1])


def _returns_probabilities(case, student, expected) -> bool:
    student = np.asarray(student)
    return bool(np.isfinite(student).all() and (student >= 0).all() and (student <= 1).all())


# ---------------------------------------------------------------- answers by hand


def _softmax(logits) -> np.ndarray:
    exponentials = np.exp(np.asarray(logits, dtype=float))  # small hand-sized logits only
    return exponentials / exponentials.sum()


NIGHT_NIGHT, STORM_NIGHT = 0.5 * 0.4, 0.4 * 0.9  # 05.7: greedy's two words, the beam's best
NLL, N_TOKENS, N_CHARACTERS = 7.0, 5, 20  # 05.8: -Σ log p = 2.1 + 0.4 + 3.2 + 1.0 + 0.3


EXERCISES = [
    Exercise(
        "05.1",
        "Temperature by hand",
        1,
        "by hand",
        ValueCheck(lambda: _softmax(np.array([2.0, 1.0, 0.0]) / 0.5), decimals=3),
        hint="Divide each logit by T, then take the softmax.",
        mistakes={
            "multiplied": Mistake(
                "You multiplied the logits by T; temperature divides them: z / T.",
                lambda: _softmax([1.0, 0.5, 0.0]),
            ),
            "no_softmax": Mistake(
                "These are the tempered logits: turn them into probabilities with softmax.",
                [4.0, 2.0, 0.0],
            ),
        },
    ),
    Exercise(
        "05.2",
        "Which temperature made which distribution?",
        1,
        "plot",
        ChoiceCheck("c", options=("a", "b", "c")),
        hint="Dividing logits by T < 1 stretches the gaps between them: the favourite takes "
        "almost everything.",
        mistakes={
            "highest_temperature": Mistake(
                "That panel is the flattest: dividing by T > 1 shrinks the gaps "
                "between logits, so that is the *highest* temperature.",
                "b",
            ),
            "temperature_one": Mistake(
                "That panel is in between: T = 1 leaves the model's distribution as it is.",
                "a",
            ),
        },
    ),
    Exercise(
        "05.3",
        "Repetition penalty by hand",
        2,
        "by hand",
        ValueCheck([2.0 / 2, -1.0 * 2, 0.5, 3.0], decimals=3),
        hint="Notebook 05, section 5: only tokens that already appeared change; a positive logit "
        "is divided by the penalty, a negative one multiplied by it.",
        mistakes={
            "divided_negative": Mistake(
                "Dividing a negative logit by the penalty makes it *larger* "
                "(closer to 0), so the token becomes more likely: multiply negative logits instead.",
                [1.0, -0.5, 0.5, 3.0],
            ),
            "penalised_twice": Mistake(
                "Each token that appeared is penalised once, however many times it appeared.",
                [1.0, -4.0, 0.5, 3.0],
            ),
        },
    ),
    Exercise(
        "05.4",
        "Top-p (nucleus) filtering by hand",
        2,
        "by hand",
        ValueCheck(lambda: np.array([0.45, 0.25, 0.15, 0.0, 0.0]) / 0.85, decimals=3),
        hint="Walk down the tokens from most to least likely and stop as soon as the kept ones "
        "cover at least p; renormalise what is kept.",
        mistakes={
            "stops_before_p": Mistake(
                "Your kept tokens cover less than p: keep the token that makes the "
                "total reach p (0.45 + 0.25 = 0.70 is still below 0.8).",
                [0.45 / 0.7, 0.25 / 0.7, 0, 0, 0],
            ),
            "not_renormalised": Mistake(
                "The kept probabilities must be divided by their sum, so the new "
                "distribution adds up to 1.",
                [0.45, 0.25, 0.15, 0, 0],
            ),
            "keeps_one_more": Mistake(
                "You kept one token too many: stop as soon as the total reaches p.",
                lambda: np.array([0.45, 0.25, 0.15, 0.10, 0]) / 0.95,
            ),
        },
    ),
    Exercise(
        "05.5",
        "Implement top-p filtering",
        3,
        "implement",
        FunctionCheck(
            reference=_top_p_reference,
            cases=_top_p_cases,
            reference_name="cinelab.textgen.decoding.top_p_filter",
            argument_names=("logits", "p"),
            diagnoses=(
                Diagnosis("stops_before_p", _top_p_keeping_within_p),
                Diagnosis("sorted_output", _sorted_output),
                Diagnosis("returns_probabilities", _returns_probabilities),
            ),
        ),
        hint="Sort descending, softmax, cumulate; drop a token once the tokens *before* it "
        "already cover p; set dropped logits to -inf in vocabulary order.",
        mistakes={
            "stops_before_p": "You drop the token that makes the total cross p. Drop a token only "
            "when the tokens *before* it already cover p (cumulative sum minus its own "
            "probability >= p).",
            "sorted_output": "Your output is in sorted order: put the filtered logits back in "
            "the vocabulary's order (np.put_along_axis, or index with the sort order).",
            "returns_probabilities": "Return logits, with -inf for the dropped tokens, not "
            "probabilities: the sampler applies softmax afterwards.",
        },
    ),
    Exercise(
        "05.6",
        "Why greedy copy repeats itself",
        3,
        "open",
        OpenCheck(
            min_words=30,
            after="Did you explain the loop (a repeated phrase makes itself more likely), what "
            "sampling changes, and what it costs (less likely, sometimes incoherent words)?",
        ),
        hint="After 'a night of terror, a night of', what does the model find most likely?",
    ),
    Exercise(
        "05.7",
        "Beam search by hand",
        3,
        "by hand",
        ValueCheck(lambda: np.log([NIGHT_NIGHT, STORM_NIGHT]), decimals=3),
        hint="Greedy keeps one start; two beams keep the two best starts, extend each by every "
        "token, and keep the best total. Add natural-log probabilities (multiply probabilities).",
        mistakes={
            "probabilities": Mistake(
                "These are probabilities: give the sums of natural-log "
                "probabilities (the log of the product).",
                [NIGHT_NIGHT, STORM_NIGHT],
            ),
            "log10": Mistake(
                "Use natural logarithms (np.log), as the model's log-softmax does.",
                lambda: np.log10([NIGHT_NIGHT, STORM_NIGHT]),
            ),
            "beam_like_greedy": Mistake(
                "Your beam search ended where greedy did. The second beam starts "
                "with a less likely token that is followed by a very likely one: extend it too.",
                lambda: np.log([NIGHT_NIGHT, NIGHT_NIGHT]),
            ),
            "mean_not_sum": Mistake(
                "A beam's score is the *sum* of its log-probabilities; the division "
                "by length only applies to finished texts of different lengths.",
                lambda: np.log([NIGHT_NIGHT, STORM_NIGHT]) / 2,
            ),
        },
    ),
    Exercise(
        "05.8",
        "Perplexity and bits per character from log-probabilities",
        3,
        "by hand",
        ValueCheck(lambda: [np.exp(NLL / N_TOKENS), NLL / N_CHARACTERS / np.log(2)], decimals=3),
        hint="Perplexity = exp(mean negative log-probability per token). Bits per character = "
        "total negative log-probability / characters / ln 2.",
        mistakes={
            "log2_perplexity": Mistake(
                "The log-probabilities are natural logs: perplexity is e to the "
                "mean negative log-probability, not 2 to it.",
                lambda: [2 ** (NLL / N_TOKENS), NLL / N_CHARACTERS / np.log(2)],
            ),
            "nats_per_character": Mistake(
                "That is nats per character: divide by ln 2 to get bits.",
                lambda: [np.exp(NLL / N_TOKENS), NLL / N_CHARACTERS],
            ),
            "bits_per_token": Mistake(
                "That is bits per *token*: divide the total by the number of characters instead.",
                lambda: [np.exp(NLL / N_TOKENS), NLL / N_TOKENS / np.log(2)],
            ),
            "sign": Mistake(
                "Log-probabilities are negative; the loss is their negative, so perplexity "
                "is at least 1.",
                lambda: [np.exp(-NLL / N_TOKENS), -NLL / N_CHARACTERS / np.log(2)],
            ),
        },
    ),
]
