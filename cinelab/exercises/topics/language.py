"""Exercises for notebook 06, reviews and the film chat (references: `cinelab.language`)."""

from __future__ import annotations

import numpy as np

from cinelab.exercises.checks import (
    Case,
    ChoiceCheck,
    Diagnosis,
    Exercise,
    FunctionCheck,
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


EXERCISES = [
    Exercise(
        "06.1",
        "Cross-entropy of one review",
        1,
        "by hand",
        ValueCheck(decimals=3),
        hint="Softmax the three scores into probabilities, then take minus the natural log of "
        "the true class's probability.",
        mistakes={
            "log10": "Use the natural logarithm (np.log), not log base 10.",
            "no_softmax": "That is minus the raw score: turn the scores into probabilities with "
            "softmax first.",
            "wrong_class": "The loss uses the probability of the *true* class (negative, the "
            "first one).",
        },
    ),
    Exercise(
        "06.2",
        "The gradient for one review",
        2,
        "by hand",
        ValueCheck(
            decimals=3,
            shape_hints={
                (3,): "That is p - y, the gradient with respect to the scores z. "
                "The weights need one more step of the chain rule: times x."
            },
        ),
        hint="dLoss/dW = (p - y) x^T: one row per class, one column per feature.",
        mistakes={
            "y_minus_p": "The sign is flipped: it is predicted minus true, p - y.",
            "transposed": "Rows are classes and columns are features: np.outer(p - y, x).",
        },
    ),
    Exercise(
        "06.3",
        "BM25 for one word, by hand",
        2,
        "by hand",
        ValueCheck(decimals=3),
        hint="idf = ln(1 + (N - n + 0.5) / (n + 0.5)); then multiply by "
        "tf / (tf + k1 (1 - b + b |D| / avgdl)).",
        mistakes={
            "robertson_idf": "That is the original idf, ln((N - n + 0.5) / (n + 0.5)), which "
            "can go negative; the kit (like Lucene and bm25s) adds 1 inside the log.",
            "no_length_norm": "You left out the document length: the k1 term is multiplied by "
            "(1 - b + b |D| / avgdl).",
            "no_saturation": "That is idf times the raw count: BM25 saturates it, "
            "tf / (tf + k1 ...).",
        },
    ),
    Exercise(
        "06.4",
        "Macro-F1 from a confusion matrix",
        2,
        "by hand",
        ValueCheck(decimals=3),
        hint="For each class: precision = diagonal / column total, recall = diagonal / row "
        "total, F1 = 2 P R / (P + R). Then the plain mean of the three F1s.",
        mistakes={
            "accuracy": "That is the accuracy (diagonal / total). Macro-F1 averages each "
            "class's F1.",
            "weighted": "You weighted each class's F1 by its size; macro means every class "
            "counts the same.",
        },
    ),
    Exercise(
        "06.5",
        "hit@1 and hit@3",
        2,
        "by hand",
        ValueCheck(decimals=3),
        hint="A question is a hit at k when at least one of its gold films is among its first "
        "k retrieved films. hit@k is the share of questions that are hits.",
        mistakes={
            "recall_not_hit": "You counted the share of gold films found. One gold film in the "
            "first k is enough for a hit.",
        },
    ),
    Exercise(
        "06.6",
        "Where to put the refusal threshold",
        2,
        "plot",
        ChoiceCheck(options=("a", "b", "c")),
        hint="The chat declines a question whose match strength is below the threshold: look "
        "for the lowest line that still has every red bar on its left.",
        mistakes={
            "too_low": "With this threshold several questions the catalogue cannot answer get "
            "an answer anyway (red bars to the right of the line).",
            "too_high": "This declines every unanswerable question, but also many answerable "
            "ones (blue bars left of the line): a lower line does the same job.",
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
