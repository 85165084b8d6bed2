"""Sentiment of a review, three ways: a lexicon (VADER), bag of words + softmax regression by
hand, and (in `review_transformer`) a small transformer.

The by-hand regression minimises the mean cross-entropy plus an L2 penalty on the weights::

    J(W, b) = (1/n) sum_i -log softmax(W x_i + b)[y_i]  +  (l2 / 2) ||W||^2
    dJ/dW   = (1/n) (P - Y)^T X + l2 W        dJ/db = (1/n) sum_i (p_i - y_i)

with P the predicted probabilities (n, K) and Y the one-hot labels. scikit-learn's
`LogisticRegression(C=C)` minimises sum_i CE_i + ||W||^2 / (2C), the same problem when
C = 1 / (l2 n): `SoftmaxRegression.sklearn_C` gives it, and the tests compare the weights.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import scipy.optimize
import scipy.sparse

from cinelab.language.reviews import SENTIMENTS
from cinelab.language.text import words


# ---------------------------------------------------------------------------- lexicon baseline
def vader_compound(texts) -> np.ndarray:
    """VADER's compound score in [-1, 1] for each text (lexicon + rules, no training)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return np.array([analyzer.polarity_scores(text)["compound"] for text in _texts(texts)])


def vader_classes(compound, threshold: float = 0.05) -> np.ndarray:
    """VADER's usual cut-offs: above +threshold positive, below -threshold negative, else mixed."""
    compound = np.asarray(compound, dtype=float)
    classes = np.where(compound >= threshold, 2, np.where(compound <= -threshold, 0, 1))
    return np.asarray(SENTIMENTS, dtype=object)[classes]


# ---------------------------------------------------------------------------- bag of words
class BagOfWords:
    """Counts of words and word pairs: "not good" becomes a feature of its own.

    Parameters
    ----------
    ngram_range : (1, 2) counts single words and pairs of neighbours.
    min_count : keep only n-grams seen in at least this many training texts.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), min_count: int = 2):
        self.ngram_range = ngram_range
        self.min_count = min_count

    def _ngrams(self, text: str) -> list[str]:
        tokens = words(text)
        low, high = self.ngram_range
        return [
            " ".join(tokens[start : start + n])
            for n in range(low, high + 1)
            for start in range(len(tokens) - n + 1)
        ]

    def fit(self, texts) -> BagOfWords:
        document_counts = Counter(
            gram for text in _texts(texts) for gram in set(self._ngrams(text))
        )
        kept = sorted(g for g, count in document_counts.items() if count >= self.min_count)
        if not kept:
            raise ValueError(f"no n-gram appears in {self.min_count} texts: give more text")
        self.vocabulary_ = {gram: column for column, gram in enumerate(kept)}
        return self

    def transform(self, texts) -> scipy.sparse.csr_matrix:
        """Sparse counts, shape (n_texts, n_features); unseen n-grams are ignored."""
        texts = _texts(texts)
        rows, columns = [], []
        for row, text in enumerate(texts):
            for gram in self._ngrams(text):
                column = self.vocabulary_.get(gram)
                if column is not None:
                    rows.append(row)
                    columns.append(column)
        counts = np.ones(len(rows))
        shape = (len(texts), len(self.vocabulary_))
        return scipy.sparse.csr_matrix((counts, (rows, columns)), shape=shape)

    def fit_transform(self, texts) -> scipy.sparse.csr_matrix:
        return self.fit(texts).transform(texts)

    @property
    def feature_names_(self) -> np.ndarray:
        return np.array(list(self.vocabulary_), dtype=object)


# ---------------------------------------------------------------------------- softmax regression
def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for large logits (subtract each row's max first)."""
    shifted = logits - logits.max(axis=1, keepdims=True)  # (n, K)
    exponentials = np.exp(shifted)
    return exponentials / exponentials.sum(axis=1, keepdims=True)


def loss_and_gradient(weights, bias, features, one_hot, l2: float):
    """J(W, b) and its gradient (see the module docstring). Shapes: W (K, d), b (K,),
    features (n, d) dense or sparse, one_hot (n, K). Returns (loss, dW (K, d), db (K,))."""
    n = features.shape[0]
    probabilities = softmax(features @ weights.T + bias)  # (n, K)
    log_likelihood = np.log(probabilities[one_hot.astype(bool)] + 1e-300).sum()
    loss = -log_likelihood / n + 0.5 * l2 * np.sum(weights**2)
    error = (probabilities - one_hot) / n  # (n, K)
    grad_weights = np.asarray(features.T @ error).T + l2 * weights  # (K, d)
    grad_bias = error.sum(axis=0)  # (K,)
    return loss, grad_weights, grad_bias


class SoftmaxRegression:
    """Multinomial logistic regression with an L2 penalty; loss and gradient written by hand.

    The step sizes come from L-BFGS (`scipy.optimize`), a well-kept optimiser: our part is the
    loss and its gradient, which is what there is to learn. Starting from zeros, the intercepts
    keep summing to zero, as scikit-learn's do.

    Parameters
    ----------
    l2 : penalty strength (the lambda of J above). Larger = smaller weights, less overfitting.
    max_iter, tol : L-BFGS stopping rules (iterations, projected gradient size).
    """

    def __init__(self, l2: float = 1e-3, max_iter: int = 2000, tol: float = 1e-10):
        self.l2 = l2
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, features, labels) -> SoftmaxRegression:
        labels = np.asarray(labels)
        if features.shape[0] != len(labels):
            raise ValueError(
                f"features has {features.shape[0]} rows but there are {len(labels)} labels"
            )
        self.classes_ = np.unique(labels)
        if len(self.classes_) < 2:
            raise ValueError(f"need at least two classes to learn from, got {self.classes_}")
        one_hot = (labels[:, None] == self.classes_[None, :]).astype(float)  # (n, K)
        n_classes, n_features = one_hot.shape[1], features.shape[1]

        def objective(flat):
            weights = flat[: n_classes * n_features].reshape(n_classes, n_features)
            bias = flat[n_classes * n_features :]
            loss, grad_weights, grad_bias = loss_and_gradient(
                weights, bias, features, one_hot, self.l2
            )
            return loss, np.concatenate([grad_weights.ravel(), grad_bias])

        start = np.zeros(n_classes * (n_features + 1))
        result = scipy.optimize.minimize(
            objective,
            start,
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": self.max_iter, "gtol": self.tol, "ftol": 1e-15},
        )
        self.coef_ = result.x[: n_classes * n_features].reshape(n_classes, n_features)
        self.intercept_ = result.x[n_classes * n_features :]
        self.n_iter_ = result.nit
        self.loss_ = result.fun
        return self

    def sklearn_C(self, n_samples: int) -> float:
        """scikit-learn's C for the same objective: C = 1 / (l2 * n_samples)."""
        return 1.0 / (self.l2 * n_samples)

    def predict_proba(self, features) -> np.ndarray:
        return softmax(features @ self.coef_.T + self.intercept_)  # (n, K)

    def predict(self, features) -> np.ndarray:
        return self.classes_[self.predict_proba(features).argmax(axis=1)]


# ---------------------------------------------------------------------------- evaluation
def evaluate(true, predicted) -> dict:
    """Accuracy, macro-F1 (each class counts the same) and the confusion matrix (rows: truth)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    true, predicted = np.asarray(true), np.asarray(predicted)
    if len(true) != len(predicted):
        raise ValueError(f"{len(true)} true labels but {len(predicted)} predictions")
    labels = list(SENTIMENTS)
    confusion = confusion_matrix(true, predicted, labels=labels)
    return {
        "accuracy": float(accuracy_score(true, predicted)),
        "macro_f1": float(f1_score(true, predicted, labels=labels, average="macro")),
        "confusion": pd.DataFrame(confusion, index=labels, columns=labels),
    }


def expected_stars(probabilities: np.ndarray, class_stars) -> np.ndarray:
    """Stars a review implies: sum_k P(class k | text) * (mean stars of class k in training)."""
    return np.asarray(probabilities) @ np.asarray(class_stars, dtype=float)  # (n,)


def _texts(texts) -> list[str]:
    texts = list(texts)
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"text {position} is {type(text).__name__} ({text!r}), not a string")
    return texts
