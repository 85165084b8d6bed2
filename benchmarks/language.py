"""Measure notebook 06's language tools: sentiment accuracy, retrieval hit@k and latency.

Run by hand (not part of the tests):

    python benchmarks/language.py                 # 1 torch thread, 5 passes over the questions
    python benchmarks/language.py --repeats 10 --threads 2

Sentiment: every model is trained on the reviews of 75% of the films and scored on the
reviews of the other 25% (`reviews.split_by_film`, seed 0), as in notebook 06. Retrieval:
hit@1 and hit@5 on the answerable questions of `data/film_questions.csv`, refusal rates on
all of them, and the time of one search, one chat answer and one FilmChat question (p50 and
p95 over every question, `--repeats` passes, after one warm-up pass).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from cinelab.language import chat, retrieval, reviews, sentiment
from cinelab.language.review_transformer import TransformerSentiment
from cinelab.widgets import FilmChat


def timed(run: Callable, *args) -> tuple[object, float]:
    """run(*args) and the seconds it took."""
    started = time.perf_counter()
    result = run(*args)
    return result, time.perf_counter() - started


def markdown(table: pd.DataFrame) -> str:
    """A pipe table for benchmarks/README.md (no extra dependency)."""
    lines = ["| | " + " | ".join(table.columns) + " |", "|---" * (len(table.columns) + 1) + "|"]
    for name, row in table.iterrows():
        cells = ["" if pd.isna(v) else f"{v:.3f}" if isinstance(v, float) else str(v) for v in row]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def sentiment_table(seed: int = 0) -> pd.DataFrame:
    """Accuracy, macro-F1 and fit time of each sentiment model on held-out films."""
    train, test = reviews.split_by_film(reviews.load_reviews(), test_size=0.25, seed=seed)
    y_train, y_test = train["sentiment"].to_numpy(), test["sentiment"].to_numpy()
    rows = {}
    predicted, seconds = timed(
        lambda: sentiment.vader_classes(sentiment.vader_compound(test["review"]))
    )
    rows["VADER (lexicon)"] = (sentiment.evaluate(y_test, predicted), seconds)

    bag = sentiment.BagOfWords().fit(train["review"])
    X_train, X_test = bag.transform(train["review"]), bag.transform(test["review"])
    by_hand, seconds = timed(lambda: sentiment.SoftmaxRegression(l2=1e-3).fit(X_train, y_train))
    rows["bag of words + LR (by hand)"] = (
        sentiment.evaluate(y_test, by_hand.predict(X_test)),
        seconds,
    )
    reference = LogisticRegression(C=by_hand.sklearn_C(len(y_train)), tol=1e-10, max_iter=5000)
    reference.fit(X_train, y_train)
    print(
        f"by-hand LR vs scikit-learn: max weight difference {np.abs(by_hand.coef_ - reference.coef_).max():.1e}"
    )

    tfidf = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    T_train, T_test = tfidf.fit_transform(train["review"]), tfidf.transform(test["review"])
    model, seconds = timed(lambda: LogisticRegression(C=10.0, max_iter=2000).fit(T_train, y_train))
    rows["TF-IDF + LR (scikit-learn)"] = (
        sentiment.evaluate(y_test, model.predict(T_test)),
        seconds,
    )

    transformer, seconds = timed(
        lambda: TransformerSentiment(epochs=6, seed=seed).fit(train["review"], y_train)
    )
    rows["small transformer (PyTorch)"] = (
        sentiment.evaluate(y_test, transformer.predict(test["review"])),
        seconds,
    )
    print(
        f"{len(train)} training reviews, {len(test)} test reviews of {test['item_id'].nunique()} unseen films"
    )
    return pd.DataFrame(
        {name: {"accuracy": r["accuracy"], "macro-F1": r["macro_f1"], "fit (s)": s}
         for name, (r, s) in rows.items()}
    ).T.round(3)  # fmt: skip


def percentiles(run: Callable[[str], object], questions: list[str], repeats: int) -> str:
    for question in questions:  # warm-up pass
        run(question)
    times = []
    for _ in range(repeats):
        for question in questions:
            times.append(timed(run, question)[1])
    p50, p95 = np.percentile(np.array(times) * 1000, [50, 95])
    return f"{p50:.1f} / {p95:.1f}"


def retrieval_table(repeats: int) -> pd.DataFrame:
    questions = retrieval.load_questions()
    answerable = questions[questions["kind"] != "none"]
    is_none = (questions["kind"] == "none").to_numpy()
    rows = {}
    for method in ("bm25", "lsa"):
        retriever, build = timed(retrieval.FilmRetriever, None, method)
        ranked = [list(retriever.search(q, k=5)["item_id"]) for q in answerable["question"]]
        rows[f"{method.upper()} retrieval"] = {
            "hit@1": retrieval.hit_at_k(ranked, list(answerable["gold"]), 1),
            "hit@5": retrieval.hit_at_k(ranked, list(answerable["gold"]), 5),
            "index build (ms)": round(build * 1000),
            "p50 / p95 (ms)": percentiles(retriever.search, list(questions["question"]), repeats),
        }
    film_chat, build = timed(chat.CatalogueChat)
    answers = [film_chat.ask(q) for q in questions["question"]]
    refused = np.array([a.refused for a in answers])
    top = [list(a.retrieved["item_id"]) if not a.refused else [] for a in answers]
    chosen = [top[i] for i in np.flatnonzero(~is_none)]
    rows["CatalogueChat.ask (BM25 + rules)"] = {
        "hit@1": retrieval.hit_at_k([t[:1] for t in chosen], list(answerable["gold"]), 1),
        "hit@5": retrieval.hit_at_k(chosen, list(answerable["gold"]), 5),
        "index build (ms)": round(build * 1000),
        "p50 / p95 (ms)": percentiles(film_chat.ask, list(questions["question"]), repeats),
    }
    widget = FilmChat(film_chat)
    rows["FilmChat question (widget)"] = {
        "hit@1": np.nan, "hit@5": np.nan, "index build (ms)": np.nan,
        "p50 / p95 (ms)": percentiles(widget.ask, list(questions["question"]), repeats),
    }  # fmt: skip
    print(f"{len(questions)} questions ({len(answerable)} answerable); the chat declined "
          f"{refused[is_none].mean():.0%} of the unanswerable and {refused[~is_none].mean():.0%} "
          "of the answerable ones")  # fmt: skip
    return pd.DataFrame(rows).T


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="passes over the questions")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch, numpy and scikit-learn threads"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)  # numpy and scikit-learn too: no oversubscription
    print(markdown(sentiment_table()))
    print()
    print(markdown(retrieval_table(args.repeats)))


if __name__ == "__main__":
    main()
