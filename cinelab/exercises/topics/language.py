"""Exercises for notebook 06, reviews and the film chat (references: `cinelab.language`)."""

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


def _bm25_reference(query, documents, k1=1.5, b=0.75):
    from cinelab.language.retrieval import BM25

    return BM25(k1=k1, b=b).fit(documents).scores(query)


def _bm25_cases(rng: np.random.Generator) -> list[Case]:
    words = ["crew", "ship", "moon", "alien", "heist", "bank", "love", "war", "dog", "storm"]

    def random_documents(n):
        return [list(rng.choice(words, size=rng.integers(3, 12))) for _ in range(n)]

    return [
        Case(
            (["crew"], [["crew", "ship"], ["moon"], ["crew", "crew", "moon", "dog"]]),
            "3 short documents and the one-word query ['crew']",
        ),
        Case(
            (["moon", "storm"], [["moon", "moon", "ship"], ["storm"], ["dog", "war"]]),
            "two query words, each in one document",
        ),
        Case(
            (["unicorn", "ship"], [["ship", "crew"], ["bank", "heist", "bank"]]),
            "a query word no document contains",
            "A word in no document adds nothing: skip it (its tf is 0 everywhere).",
        ),
        Case((["alien", "war", "love"], random_documents(8)), "8 random documents"),
        Case(
            (["bank", "heist"], random_documents(6)),
            "6 random documents with k1 = 1.2 and b = 0.3",
            kwargs={"k1": 1.2, "b": 0.3},
        ),
    ]


def _bm25_variant(case, student, idf_kind: str, b_override=None) -> bool:
    query, documents = case.args
    k1, b = case.kwargs.get("k1", 1.5), case.kwargs.get("b", 0.75)
    b = b if b_override is None else b_override
    lengths = np.array([len(d) for d in documents], dtype=float)
    scores = np.zeros(len(documents))
    for term in query:
        tf = np.array([d.count(term) for d in documents], dtype=float)
        n_t, n = (tf > 0).sum(), len(documents)
        if n_t == 0:
            continue
        ratio = (n - n_t + 0.5) / (n_t + 0.5)
        idf = np.log(ratio) if idf_kind == "robertson" else np.log(1 + ratio)
        scores += idf * tf / (tf + k1 * (1 - b + b * lengths / lengths.mean()))
    return np.allclose(student, scores, rtol=1e-6, atol=1e-8)


def _robertson_idf(case, student, expected) -> bool:
    return _bm25_variant(case, student, "robertson")


def _no_length_norm(case, student, expected) -> bool:
    return _bm25_variant(case, student, "lucene", b_override=0.0)


# ---------------------------------------------------------------- answers by hand

REVIEW_PROBABILITIES = np.exp([2.0, 0.5, -1.0]) / np.exp([2.0, 0.5, -1.0]).sum()  # 06.1-06.2
CONFUSION = np.array([[40, 8, 2], [10, 20, 10], [3, 7, 50]])  # 06.4: (truth, predicted)
RETRIEVED = [[5, 2, 9], [7, 1, 3], [4, 8, 6], [2, 3, 1]]  # 06.5: films found per question
GOLD = [[2], [7], [1], [3, 10]]  # the films that answer each question


def _weight_gradient() -> np.ndarray:
    """(p - y) x^T for features [1, 0, 2] and the true class 0."""
    return np.outer(REVIEW_PROBABILITIES - np.array([1.0, 0.0, 0.0]), [1.0, 0.0, 2.0])  # (3, 3)


def _bm25_crew(idf: float, length_norm: float | None = None, saturate: bool = True) -> float:
    """06.3: "crew" twice in a 10-word review, 1 of 4 reviews, average length 8."""
    length_norm = 1.5 * (1 - 0.75 + 0.75 * 10 / 8) if length_norm is None else length_norm
    return idf * 2 / (2 + length_norm) if saturate else idf * 2


def _f1_per_class() -> np.ndarray:
    correct = np.diag(CONFUSION)  # (3,)
    precision, recall = correct / CONFUSION.sum(axis=0), correct / CONFUSION.sum(axis=1)
    return 2 * precision * recall / (precision + recall)  # (3,)


def _hits(k: int) -> float:
    return float(np.mean([bool(set(r[:k]) & set(g)) for r, g in zip(RETRIEVED, GOLD)]))


EXERCISES = [
    Exercise(
        "06.1",
        "Cross-entropy of one review",
        1,
        "by hand",
        ValueCheck(lambda: -np.log(REVIEW_PROBABILITIES[0]), decimals=3),
        hint="Softmax the three scores into probabilities, then take minus the natural log of "
        "the true class's probability.",
        mistakes={
            "log10": Mistake(
                "Use the natural logarithm (np.log), not log base 10.",
                lambda: -np.log10(REVIEW_PROBABILITIES[0]),
            ),
            "no_softmax": Mistake(
                "That is minus the raw score: turn the scores into probabilities with "
                "softmax first.",
                -2.0,
            ),
            "wrong_class": Mistake(
                "The loss uses the probability of the *true* class (negative, the first one).",
                lambda: -np.log(REVIEW_PROBABILITIES[2]),
            ),
        },
    ),
    Exercise(
        "06.2",
        "The gradient for one review",
        2,
        "by hand",
        ValueCheck(
            _weight_gradient,
            decimals=3,
            shape_hints={
                (3,): "That is p - y, the gradient with respect to the scores z. "
                "The weights need one more step of the chain rule: times x."
            },
        ),
        hint="dLoss/dW = (p - y) x^T: one row per class, one column per feature.",
        mistakes={
            "y_minus_p": Mistake(
                "The sign is flipped: it is predicted minus true, p - y.",
                lambda: -_weight_gradient(),
            ),
            "transposed": Mistake(
                "Rows are classes and columns are features: np.outer(p - y, x).",
                lambda: _weight_gradient().T,
            ),
        },
    ),
    Exercise(
        "06.3",
        "BM25 for one word, by hand",
        2,
        "by hand",
        ValueCheck(lambda: _bm25_crew(np.log(1 + 3.5 / 1.5)), decimals=3),
        hint="idf = ln(1 + (N - n + 0.5) / (n + 0.5)); then multiply by "
        "tf / (tf + k1 (1 - b + b |D| / avgdl)).",
        mistakes={
            "robertson_idf": Mistake(
                "That is the original idf, ln((N - n + 0.5) / (n + 0.5)), which "
                "can go negative; the kit (like Lucene and bm25s) adds 1 inside the log.",
                lambda: _bm25_crew(np.log(3.5 / 1.5)),
            ),
            "no_length_norm": Mistake(
                "You left out the document length: the k1 term is multiplied by "
                "(1 - b + b |D| / avgdl).",
                lambda: _bm25_crew(np.log(1 + 3.5 / 1.5), length_norm=1.5),
            ),
            "no_saturation": Mistake(
                "That is idf times the raw count: BM25 saturates it, tf / (tf + k1 ...).",
                lambda: _bm25_crew(np.log(1 + 3.5 / 1.5), saturate=False),
            ),
        },
    ),
    Exercise(
        "06.4",
        "Macro-F1 from a confusion matrix",
        2,
        "by hand",
        ValueCheck(lambda: _f1_per_class().mean(), decimals=3),
        hint="For each class: precision = diagonal / column total, recall = diagonal / row "
        "total, F1 = 2 P R / (P + R). Then the plain mean of the three F1s.",
        mistakes={
            "accuracy": Mistake(
                "That is the accuracy (diagonal / total). Macro-F1 averages each class's F1.",
                lambda: np.trace(CONFUSION) / CONFUSION.sum(),
            ),
            "weighted": Mistake(
                "You weighted each class's F1 by its size; macro means every class "
                "counts the same.",
                lambda: _f1_per_class() @ CONFUSION.sum(axis=1) / CONFUSION.sum(),
            ),
        },
    ),
    Exercise(
        "06.5",
        "hit@1 and hit@3",
        2,
        "by hand",
        ValueCheck(lambda: [_hits(1), _hits(3)], decimals=3),
        hint="A question is a hit at k when at least one of its gold films is among its first "
        "k retrieved films. hit@k is the share of questions that are hits.",
        mistakes={
            "recall_not_hit": Mistake(
                "You counted the share of gold films found. One gold film in the "
                "first k is enough for a hit.",
                [0.25, (1 + 1 + 0 + 0.5) / 4],
            ),
        },
    ),
    Exercise(
        "06.6",
        "Where to put the refusal threshold",
        2,
        "plot",
        ChoiceCheck("b", options=("a", "b", "c")),
        hint="The chat declines a question whose match strength is below the threshold: look "
        "for the lowest line that still has every red bar on its left.",
        mistakes={
            "too_low": Mistake(
                "With this threshold several questions the catalogue cannot answer get "
                "an answer anyway (red bars to the right of the line).",
                "a",
            ),
            "too_high": Mistake(
                "This declines every unanswerable question, but also many answerable "
                "ones (blue bars left of the line): a lower line does the same job.",
                "c",
            ),
        },
    ),
    Exercise(
        "06.7",
        "Implement BM25",
        3,
        "implement",
        FunctionCheck(
            reference=_bm25_reference,
            cases=_bm25_cases,
            reference_name="cinelab.language.retrieval.BM25",
            argument_names=("query", "documents"),
            diagnoses=(
                Diagnosis("robertson_idf", _robertson_idf),
                Diagnosis("no_length_norm", _no_length_norm),
            ),
        ),
        hint="Loop over the query words; for each, count it in every document (tf), count "
        "the documents containing it (n), and add idf * tf / (tf + k1 * norm) to the scores.",
        mistakes={
            "robertson_idf": "Use idf = ln(1 + (N - n + 0.5) / (n + 0.5)), with the 1 inside "
            "the log (Lucene's variant, never negative).",
            "no_length_norm": "Each document's k1 term needs its length: "
            "k1 * (1 - b + b * len(document) / average length).",
        },
    ),
    Exercise(
        "06.8",
        "When should the chat say it does not know?",
        3,
        "open",
        OpenCheck(
            min_words=30,
            after="Did you say that the catalogue has no cast, so any name would come from the "
            "model's memory (unchecked, possibly invented), and that raising min_match trades "
            "more refusals of answerable questions for fewer made-up answers?",
        ),
        hint="What would a language model do with a question whose answer is not in the "
        "facts it was given?",
    ),
]
