"""Sentiment by hand: bag of words vs scikit-learn, the softmax-regression gradient and fit
vs scikit-learn's LogisticRegression, VADER's cut-offs, the metrics."""

import numpy as np
import pytest
import scipy.sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from cinelab.language import sentiment
from cinelab.language.text import words

TEXTS = [
    "Not good, not good at all.",
    "Good fun and a good cast.",
    "I didn't love it, but the music is good.",
    "Loved it. Loved every minute.",
    "Dull, dull, dull.",
]


def test_bag_of_words_counts_like_sklearn():
    ours = sentiment.BagOfWords(ngram_range=(1, 2), min_count=1).fit(TEXTS)
    reference = CountVectorizer(tokenizer=words, lowercase=False, token_pattern=None,
                                ngram_range=(1, 2)).fit(TEXTS)  # fmt: skip
    assert set(ours.vocabulary_) == set(reference.vocabulary_)
    order = [reference.vocabulary_[gram] for gram in ours.feature_names_]
    expected = reference.transform(TEXTS).toarray()[:, order]
    np.testing.assert_array_equal(ours.transform(TEXTS).toarray(), expected)
    assert ours.transform(["not good"]).sum() == 3  # "not", "good", "not good"


def test_bag_of_words_min_count_and_unseen_words():
    bag = sentiment.BagOfWords(min_count=2).fit(TEXTS)
    assert "good" in bag.vocabulary_ and "dull" not in bag.vocabulary_  # dull: one text only
    assert bag.transform(["completely unseen words"]).nnz == 0
    with pytest.raises(TypeError, match="text 1 is float"):
        bag.transform(["fine", float("nan")])


def _toy_problem(seed=0, n=120, d=15, k=3):
    rng = np.random.default_rng(seed)
    features = scipy.sparse.random(n, d, density=0.3, random_state=seed, format="csr") * 3
    true_weights = rng.normal(size=(k, d))
    labels = np.array(["negative", "mixed", "positive"])[(features @ true_weights.T).argmax(1)]
    return features, labels


def test_gradient_matches_finite_differences():
    features, labels = _toy_problem()
    one_hot = (labels[:, None] == np.unique(labels)[None, :]).astype(float)
    rng = np.random.default_rng(1)
    weights, bias = rng.normal(size=(3, 15)), rng.normal(size=3)
    _, grad_weights, grad_bias = sentiment.loss_and_gradient(weights, bias, features, one_hot, 0.1)
    step = 1e-6
    for row, column in [(0, 0), (1, 7), (2, 14)]:
        bumped = weights.copy()
        bumped[row, column] += step
        up = sentiment.loss_and_gradient(bumped, bias, features, one_hot, 0.1)[0]
        bumped[row, column] -= 2 * step
        down = sentiment.loss_and_gradient(bumped, bias, features, one_hot, 0.1)[0]
        assert grad_weights[row, column] == pytest.approx((up - down) / (2 * step), abs=1e-6)
    shifted = bias + np.array([step, 0, 0])
    up = sentiment.loss_and_gradient(weights, shifted, features, one_hot, 0.1)[0]
    down = sentiment.loss_and_gradient(weights, bias - [step, 0, 0], features, one_hot, 0.1)[0]
    assert grad_bias[0] == pytest.approx((up - down) / (2 * step), abs=1e-6)


@pytest.mark.parametrize("l2", [1e-2, 1e-3])
def test_softmax_regression_matches_sklearn_logistic_regression(l2):
    features, labels = _toy_problem(seed=2)
    ours = sentiment.SoftmaxRegression(l2=l2).fit(features, labels)
    reference = LogisticRegression(C=ours.sklearn_C(len(labels)), tol=1e-12, max_iter=20_000)
    reference.fit(features, labels)
    assert list(ours.classes_) == list(reference.classes_)
    np.testing.assert_allclose(ours.coef_, reference.coef_, atol=1e-5)
    np.testing.assert_allclose(
        ours.intercept_ - ours.intercept_.mean(),
        reference.intercept_ - reference.intercept_.mean(),
        atol=1e-5,
    )
    np.testing.assert_allclose(
        ours.predict_proba(features), reference.predict_proba(features), atol=1e-6
    )


def test_softmax_regression_refuses_bad_labels():
    features, labels = _toy_problem()
    with pytest.raises(ValueError, match="120 rows but there are 3 labels"):
        sentiment.SoftmaxRegression().fit(features, labels[:3])
    with pytest.raises(ValueError, match="at least two classes"):
        sentiment.SoftmaxRegression().fit(features, np.full(120, "positive"))


def test_softmax_is_stable_for_huge_logits():
    probabilities = sentiment.softmax(np.array([[1000.0, 0.0, -1000.0]]))
    np.testing.assert_allclose(probabilities, [[1.0, 0.0, 0.0]])


def test_vader_cut_offs_and_obvious_texts():
    assert list(sentiment.vader_classes([0.6, 0.05, 0.0, -0.049, -0.05])) == [
        "positive", "positive", "mixed", "mixed", "negative",
    ]  # fmt: skip
    compound = sentiment.vader_compound(["A wonderful, joyful film.", "Awful and boring."])
    assert compound[0] > 0.5 and compound[1] < -0.5


def test_metrics_on_a_hand_computed_example():
    true = ["negative", "negative", "mixed", "positive", "positive", "positive"]
    predicted = ["negative", "mixed", "mixed", "positive", "positive", "negative"]
    scores = sentiment.evaluate(true, predicted)
    assert scores["accuracy"] == pytest.approx(4 / 6)
    # F1: negative 2*(1/2*1/2)/(1) = 0.5, mixed 2*(1*0.5)/1.5 = 2/3, positive 2*(1*2/3)/(5/3) = 0.8
    assert scores["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 0.8) / 3)
    assert scores["confusion"].loc["positive", "negative"] == 1
    with pytest.raises(ValueError, match="6 true labels but 2 predictions"):
        sentiment.evaluate(true, predicted[:2])


def test_expected_stars_weights_class_means():
    probabilities = np.array([[1.0, 0.0, 0.0], [0.25, 0.25, 0.5]])
    np.testing.assert_allclose(
        sentiment.expected_stars(probabilities, [1.5, 3.0, 4.5]), [1.5, 0.375 + 0.75 + 2.25]
    )
