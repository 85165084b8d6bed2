"""Exercises for notebook 01, attention from scratch (reference: `cinelab.attention`)."""

from __future__ import annotations

import numpy as np

from cinelab import attention
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

# ---------------------------------------------------------------- 01.4 masked softmax


def _masked_softmax_reference(scores, mask):
    return attention.softmax(scores, axis=-1, where=mask)


def _masked_softmax_cases(rng: np.random.Generator) -> list[Case]:
    tiny_scores = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    tiny_mask = np.array([[True, True, False], [True, True, True]])
    scores = rng.normal(size=(4, 5))  # (4, 5)
    mask = rng.random((4, 5)) < 0.7  # (4, 5)
    mask[:, 0] = True  # every row keeps at least one key
    batch = rng.normal(size=(2, 3, 4))  # (2, 3, 4)
    batch_mask = np.broadcast_to(np.tril(np.ones((3, 4), dtype=bool)), (2, 3, 4)).copy()
    empty_row = mask.copy()
    empty_row[2] = False
    return [
        Case((tiny_scores, tiny_mask), "a 2x3 score matrix with one masked entry"),
        Case((scores, mask), "random 4x5 scores with a random mask"),
        Case(
            (batch, batch_mask),
            "a batch of two 3x4 score matrices (shape (2, 3, 4))",
            "Normalise along the last axis only (axis=-1), whatever the number of axes.",
        ),
        Case(
            (1000 + scores, mask),
            "large scores (around 1000)",
            "np.exp(1000) overflows to inf: subtract each row's largest score before exp.",
        ),
        Case(
            (scores, empty_row),
            "scores whose row 2 is masked everywhere",
            "A row with no allowed key must come out as all zeros: divide only where the "
            "row's sum is positive.",
        ),
    ]


def _rows_fully_masked(case: Case) -> np.ndarray:
    return ~case.args[1].any(axis=-1)  # (...,)


def _ignores_mask(case, student, expected) -> bool:
    return np.allclose(student, attention.softmax(case.args[0], axis=-1))


def _wrong_axis(case, student, expected) -> bool:
    return np.allclose(student, attention.softmax(case.args[0], axis=-2, where=case.args[1]))


def _overflows(case, student, expected) -> bool:
    return np.abs(case.args[0]).max() > 100 and not np.isfinite(student).all()


def _nan_on_empty_row(case, student, expected) -> bool:
    empty = _rows_fully_masked(case)
    return empty.any() and np.isnan(np.asarray(student)[empty]).any()


def _uniform_on_empty_row(case, student, expected) -> bool:
    empty = _rows_fully_masked(case)
    n_keys = case.args[0].shape[-1]
    return empty.any() and np.allclose(np.asarray(student)[empty], 1 / n_keys)


# ---------------------------------------------------------------- 01.7 attention


def _attention_reference(q, k, v, mask=None):
    return attention.scaled_dot_product_attention(q, k, v, mask=mask)


def _attention_cases(rng: np.random.Generator) -> list[Case]:
    tiny_q = np.array([[1.0, 0.0], [0.0, 2.0]])
    tiny_k = np.array([[1.0, 1.0], [0.0, 1.0], [2.0, 0.0]])
    tiny_v = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    q, k, v = rng.normal(size=(4, 8)), rng.normal(size=(6, 8)), rng.normal(size=(6, 3))
    n = 5
    x = rng.normal(size=(n, 4))  # (n, d) self-attention: q = k = v
    batch = rng.normal(size=(2, n, 4))  # (2, n, d)
    return [
        Case((tiny_q, tiny_k, tiny_v), "2 queries, 3 keys and values of width 2, no mask"),
        Case((q, k, v), "4 queries, 6 keys of width 8, values of width 3, no mask"),
        Case(
            (x, x, x),
            "self-attention over 5 tokens with a causal mask",
            "Pass the mask on to your softmax: masked keys get weight 0.",
            {"mask": attention.causal_mask(n)},
        ),
        Case(
            (batch, batch, batch),
            "a batch of 2 sentences (shape (2, 5, 4)) with a causal mask",
            "Transpose only the last two axes of k: np.swapaxes(k, -1, -2).",
            {"mask": attention.causal_mask(n)},
        ),
    ]


def _scores_softmax(case, scale) -> np.ndarray:
    q, k = case.args[0], case.args[1]
    scores = q @ np.swapaxes(k, -1, -2) * scale  # (..., n_q, n_k)
    return attention.softmax(scores, axis=-1, where=case.kwargs.get("mask"))


def _weights_match(case, student, scale) -> bool:
    return np.allclose(student[1], _scores_softmax(case, scale))


def _forgot_scale(case, student, expected) -> bool:
    return _weights_match(case, student, 1.0)


def _scaled_by_d(case, student, expected) -> bool:
    return _weights_match(case, student, 1.0 / case.args[0].shape[-1])


def _mask_ignored(case, student, expected) -> bool:
    if case.kwargs.get("mask") is None:
        return False
    q, k = case.args[0], case.args[1]
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    return np.allclose(student[1], attention.softmax(scores, axis=-1))


# ---------------------------------------------------------------- precision

TOO_FEW_DECIMALS = (
    "Your numbers look rounded to one decimal. Compute in Python and keep at least 3 decimals: "
    "the check rounds for you."
)

# ---------------------------------------------------------------- answers by hand


def _softmax_3_1_0() -> np.ndarray:
    return attention.softmax(np.array([3.0, 1.0, 0.0]))  # (3,)


def _scaled_weights() -> np.ndarray:
    scores = np.array([1.0, 2.0, 3.0])  # q = [1, 2] against keys [1, 0], [0, 1], [1, 1]
    return attention.softmax(scores / np.sqrt(2))  # (3,)


def _allowed_pairs() -> int:
    combined = attention.padding_mask(np.array([4, 6]), 6) & attention.causal_mask(6)  # (2, 6, 6)
    return int(combined.sum())


def _position_2() -> np.ndarray:
    return attention.sinusoidal_positions(3, 4)[2]  # (4,)


def _sines_and_cosines(angles) -> list[float]:
    return [np.sin(angles[0]), np.cos(angles[0]), np.sin(angles[1]), np.cos(angles[1])]


def _variance_and_scale(variance: float, scale=None) -> list[float]:
    """Var(q·k) = d_k (E[q^2] E[k^2] - (E[q] E[k])^2) = 48 x 2 = 96 here, and its scale."""
    return [variance, 1 / np.sqrt(variance) if scale is None else scale]


def _rounded(answer):
    """The right answer rounded to one decimal: a named slip of several exercises."""
    return lambda: np.round(np.asarray(answer(), dtype=float), 1)


# ---------------------------------------------------------------- the exercises

EXERCISES = [
    Exercise(
        "01.1",
        "Softmax by hand",
        1,
        "by hand",
        ValueCheck(_softmax_3_1_0, decimals=3),
        hint="softmax(s)_i = exp(s_i) / (exp(s_1) + exp(s_2) + exp(s_3)); the weights add up to 1.",
        mistakes={
            "no_exp": Mistake(
                "You divided the scores by their sum. Softmax takes exp of each score first.",
                lambda: np.array([3, 1, 0]) / 4,
            ),
            "not_normalised": Mistake(
                "You took exp of each score but did not divide by their sum: the weights must "
                "add up to 1.",
                lambda: np.exp([3.0, 1.0, 0.0]),
            ),
            "too_few_decimals": Mistake(TOO_FEW_DECIMALS, _rounded(_softmax_3_1_0)),
        },
    ),
    Exercise(
        "01.2",
        "Scaled dot-product weights by hand",
        1,
        "by hand",
        ValueCheck(_scaled_weights, decimals=3),
        hint="Scores are q·k for each key, divided by sqrt(d_k); then softmax.",
        mistakes={
            "forgot_scale": Mistake(
                "You took the softmax of the raw dot products: divide them by sqrt(d_k) = "
                "sqrt(2) first.",
                lambda: attention.softmax(np.array([1.0, 2.0, 3.0])),
            ),
            "scaled_by_d": Mistake(
                "You divided by d_k; the scale is 1/sqrt(d_k).",
                lambda: attention.softmax(np.array([1.0, 2.0, 3.0]) / 2),
            ),
            "too_few_decimals": Mistake(TOO_FEW_DECIMALS, _rounded(_scaled_weights)),
        },
    ),
    Exercise(
        "01.3",
        "Read an attention heatmap",
        1,
        "plot",
        ChoiceCheck("b", options=("a", "b", "c", "d")),
        hint="Rows are queries (the token that looks), columns are keys (the tokens looked at).",
        mistakes={
            "columns_sum": Mistake(
                "Rows are queries: each query's weights sum to 1, columns need not.", "a"
            ),
            "diagonal": Mistake(
                "Look again: in some rows the largest weight is not on the diagonal.", "c"
            ),
            "first_row": Mistake(
                "The first token may only look at itself: its row is [1, 0, 0, ...].", "d"
            ),
        },
    ),
    Exercise(
        "01.4",
        "Implement masked softmax",
        2,
        "implement",
        FunctionCheck(
            reference=_masked_softmax_reference,
            cases=_masked_softmax_cases,
            reference_name="cinelab.attention.softmax(scores, where=mask)",
            argument_names=("scores", "mask"),
            diagnoses=(
                Diagnosis("ignores_mask", _ignores_mask),
                Diagnosis("wrong_axis", _wrong_axis),
                Diagnosis("overflow", _overflows),
                Diagnosis("nan_on_empty_row", _nan_on_empty_row),
                Diagnosis("uniform_on_empty_row", _uniform_on_empty_row),
            ),
        ),
        hint="exp of the allowed scores (0 where masked), divided by their sum along the last axis.",
        mistakes={
            "ignores_mask": "Your weights are the plain softmax: masked positions must get "
            "weight exactly 0 and the others share the whole weight.",
            "wrong_axis": "You normalised down the columns: each row (one query) must sum to 1, "
            "so use axis=-1 and keepdims=True.",
            "overflow": "exp of a large score overflows to inf and inf/inf is NaN. Subtract each "
            "row's largest score before exp: the result is the same, without overflow.",
            "nan_on_empty_row": "A row with no allowed key gives 0/0 = NaN. Divide only where the "
            "sum is positive (np.divide(..., where=...)) so such a row stays all zeros.",
            "uniform_on_empty_row": "Filling masked scores with a large negative number gives a "
            "row that is masked everywhere equal weights. Here it must be all zeros: a query "
            "with nothing to attend to contributes nothing.",
        },
    ),
    Exercise(
        "01.5",
        "Combine a causal and a padding mask",
        2,
        "in code",
        ValueCheck(_allowed_pairs, decimals=0),
        hint="Build both masks, combine them with &, and count the True entries (mask.sum()).",
        mistakes={
            "causal_only": Mistake(
                "You counted the causal mask alone: the padding mask also hides the pad keys of "
                "the shorter sentence.",
                lambda: 2 * int(attention.causal_mask(6).sum()),
            ),
            "padding_only": Mistake(
                "You counted the padding mask alone: the causal mask also hides the future.",
                lambda: int(attention.padding_mask(np.array([4, 6]), 6).sum()) * 6,
            ),
            "pad_queries_dropped": Mistake(
                "The padding mask hides pad *keys* only: pad positions still ask queries (their "
                "outputs are simply ignored later), and the question asks you to count their "
                "rows too.",
                lambda: int(attention.causal_mask(4).sum() + attention.causal_mask(6).sum()),
            ),
        },
    ),
    Exercise(
        "01.6",
        "A positional encoding by hand",
        2,
        "by hand",
        ValueCheck(_position_2, decimals=3),
        hint="Columns (2i, 2i+1) hold sin(pos·w_i), cos(pos·w_i) with w_i = 10000^(-2i/d_model).",
        mistakes={
            "degrees": Mistake(
                "Angles are in radians, not degrees: np.sin(2), not sin(2°).",
                lambda: _sines_and_cosines(np.radians(2 * np.array([1.0, 0.01]))),
            ),
            "swapped": Mistake(
                "Sine comes first in each pair of columns, then cosine.",
                lambda: [np.cos(2), np.sin(2), np.cos(0.02), np.sin(0.02)],
            ),
            "no_two_i": Mistake(
                "The exponent is -2i/d_model, with i the index of the column *pair* (0 and 1 "
                "here): w_1 = 10000^(-2/4) = 0.01.",
                lambda: _sines_and_cosines([2.0, 0.2]),
            ),
            "too_few_decimals": Mistake(TOO_FEW_DECIMALS, _rounded(_position_2)),
        },
    ),
    Exercise(
        "01.7",
        "Implement scaled dot-product attention",
        3,
        "implement",
        FunctionCheck(
            reference=_attention_reference,
            cases=_attention_cases,
            reference_name="cinelab.attention.scaled_dot_product_attention",
            argument_names=("q", "k", "v"),
            outputs=("output", "weights"),
            diagnoses=(
                Diagnosis("forgot_scale", _forgot_scale),
                Diagnosis("scaled_by_d", _scaled_by_d),
                Diagnosis("mask_ignored", _mask_ignored),
            ),
        ),
        hint="weights = softmax(q·kᵀ / sqrt(d_k)) with the mask; output = weights · v.",
        mistakes={
            "forgot_scale": "Your weights are the softmax of q·kᵀ without the scale: divide the "
            "scores by sqrt(d_k), d_k = q.shape[-1].",
            "scaled_by_d": "You divided the scores by d_k; the scale is 1/sqrt(d_k).",
            "mask_ignored": "Your weights ignore the mask: pass it on to your masked softmax.",
        },
    ),
    Exercise(
        "01.8",
        "Why attention needs positions",
        3,
        "open",
        OpenCheck(
            min_words=30,
            after="Check that your answer says what shuffling the tokens does to the outputs "
            "without positions, and why adding a different vector per position breaks it.",
        ),
        hint="What do the attention weights depend on? Only dot products between token vectors.",
    ),
    Exercise(
        "01.9",
        "The variance behind the square root of d_k",
        3,
        "by hand",
        ValueCheck(lambda: _variance_and_scale(96.0), decimals=3),
        hint="Var(q·k) is a sum of d_k independent terms Var(q_i k_i); for independent q_i and "
        "k_i, Var(q_i k_i) = E[q_i^2] E[k_i^2] - (E[q_i] E[k_i])^2.",
        mistakes={
            "ignored_mean": Mistake(
                "E[k_i^2] is not Var(k_i) when the keys' mean is not 0: "
                "E[k_i^2] = Var(k_i) + E[k_i]^2.",
                lambda: _variance_and_scale(72.0),
            ),
            "unit_variances": Mistake(
                "You used the textbook d_k, which assumes unit variances and zero means. Work "
                "out Var(q_i k_i) from the variances and the mean given here.",
                lambda: _variance_and_scale(48.0),
            ),
            "standard_deviations": Mistake(
                "You multiplied standard deviations (or used E[k_i] instead of E[k_i^2]): "
                "Var(q_i k_i) involves second moments, E[q_i^2] E[k_i^2].",
                lambda: _variance_and_scale(48 * np.sqrt(0.5) * np.sqrt(3.0)),
            ),
            "scale_is_one_over_variance": Mistake(
                "The scale c multiplies the scores, so Var(c·q·k) = c^2 Var(q·k): c is one over "
                "the standard deviation, not over the variance.",
                lambda: _variance_and_scale(96.0, 1 / 96.0),
            ),
            "too_few_decimals": Mistake(
                TOO_FEW_DECIMALS, _rounded(lambda: _variance_and_scale(96.0))
            ),
        },
    ),
]
