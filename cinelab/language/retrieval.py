"""Find the films a question is about: BM25 written by hand, and LSA dense retrieval.

Each film becomes one short document: its title, year and decade, its genres in plain words,
and its logline. A question is scored against every document; the best ones are the facts a
chat answer may use.

BM25 (the Lucene variant, as in `bm25s`), for a query q and a document D of length |D|::

    score(q, D) = sum_{t in q} idf(t) * tf(t, D) / (tf(t, D) + k1 (1 - b + b |D| / avgdl))
    idf(t)      = log(1 + (N - n_t + 0.5) / (n_t + 0.5))

N documents, n_t of them contain t. Rare words weigh more (idf); repeating a word helps less
and less (k1); long documents are penalised for having more chances to match (b).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse

from cinelab.arguments import one_of
from cinelab.language.text import content_words

GENRE_WORDS = {
    "Action": "action",
    "Adventure": "adventure",
    "Animation": "animation animated cartoon",
    "Children": "children kids family",
    "Comedy": "comedy comedies funny",
    "Crime": "crime",
    "Documentary": "documentary",
    "Drama": "drama",
    "Fantasy": "fantasy",
    "Film-Noir": "noir",
    "Horror": "horror scary",
    "Musical": "musical songs",
    "Mystery": "mystery",
    "Romance": "romance romantic love",
    "Sci-Fi": "sci fi science fiction",
    "Thriller": "thriller suspense",
    "War": "war",
    "Western": "western",
}


def stem(word: str) -> str:
    """A very light stemmer: "aliens" -> "alien", "crew's" -> "crew"; years and "1970s" stay."""
    word = word.removesuffix("'s")
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss") and word.isalpha():
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Search tokens: content words, lightly stemmed. Used for documents and questions alike."""
    return [stem(word) for word in content_words(text)]


def film_document(film) -> str:
    """One film as searchable text: title, year, decade, genres in words, logline."""
    genres = " ".join(GENRE_WORDS[g] for g in str(film.genres).split("|") if g in GENRE_WORDS)
    decade = f"{int(film.year) // 10 * 10}s"
    return f"{film.title}. {int(film.year)} {decade}. {genres}. {film.logline}"


# ---------------------------------------------------------------------------- BM25 by hand
class BM25:
    """Okapi BM25 over tokenised documents (see the module docstring for the formula).

    Parameters
    ----------
    k1 : how fast repeated words stop adding (1.2-2 is usual).
    b : how much long documents are penalised (0 none, 1 fully).
    """

    def __init__(self, k1: float = 1.5, b: float = 0.75):
        self.k1 = k1
        self.b = b

    def fit(self, documents: list[list[str]]) -> BM25:
        if not documents:
            raise ValueError("BM25 needs at least one document")
        self.vocabulary_ = {t: i for i, t in enumerate(sorted({t for d in documents for t in d}))}
        rows = [row for row, doc in enumerate(documents) for _ in doc]
        columns = [self.vocabulary_[t] for doc in documents for t in doc]
        shape = (len(documents), len(self.vocabulary_))
        counts = scipy.sparse.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=shape)
        counts.sum_duplicates()
        self.document_lengths_ = np.array([len(doc) for doc in documents], dtype=float)  # (N,)
        n_containing = np.bincount(counts.indices, minlength=shape[1])  # (n_terms,)
        n_documents = len(documents)
        self.idf_ = np.log(1 + (n_documents - n_containing + 0.5) / (n_containing + 0.5))
        # Precompute each (document, term) weight once: a query is then a sum of columns.
        length_norm = 1 - self.b + self.b * self.document_lengths_ / self.document_lengths_.mean()
        tf = counts.tocoo()
        saturated = tf.data / (tf.data + self.k1 * length_norm[tf.row])
        self.weights_ = scipy.sparse.csc_matrix(
            (saturated * self.idf_[tf.col], (tf.row, tf.col)), shape=shape
        )  # (N, n_terms)
        return self

    def scores(self, query: list[str]) -> np.ndarray:
        """BM25 score of every document for the query tokens, shape (n_documents,)."""
        columns = [self.vocabulary_[t] for t in query if t in self.vocabulary_]
        if not columns:
            return np.zeros(self.weights_.shape[0])
        return np.asarray(self.weights_[:, columns].sum(axis=1)).ravel()


# ---------------------------------------------------------------------------- dense: LSA
class LSA:
    """Latent semantic analysis: TF-IDF vectors squeezed to `n_components` dimensions by a
    truncated SVD, compared by cosine. Words that occur in similar loglines land close together,
    so a question can match a film without sharing its exact words."""

    def __init__(self, n_components: int = 128, seed: int = 0):
        self.n_components = n_components
        self.seed = seed

    def fit(self, documents: list[str]) -> LSA:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.tfidf_ = TfidfVectorizer(tokenizer=tokens, lowercase=False, token_pattern=None,
                                      sublinear_tf=True)  # fmt: skip
        matrix = self.tfidf_.fit_transform(documents)  # (N, n_terms)
        n_components = min(self.n_components, matrix.shape[1] - 1, matrix.shape[0] - 1)
        self.svd_ = TruncatedSVD(n_components=n_components, random_state=self.seed)
        self.document_vectors_ = _unit_rows(self.svd_.fit_transform(matrix))  # (N, n_components)
        return self

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors for new texts, shape (n_texts, n_components)."""
        return _unit_rows(self.svd_.transform(self.tfidf_.transform(texts)))

    def scores(self, question: str) -> np.ndarray:
        """Cosine similarity of the question to every document, shape (n_documents,)."""
        return self.document_vectors_ @ self.embed([question])[0]


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


# ---------------------------------------------------------------------------- the catalogue
class FilmRetriever:
    """Search the catalogue: `search(question, k)` -> the k best films with their scores.

    Parameters
    ----------
    films : the catalogue (item_id, title, year, genres, logline); default the kit's own.
    method : "bm25" (exact words, by hand) or "lsa" (dense, shared meaning).
    """

    METHODS = ("bm25", "lsa")

    def __init__(self, films: pd.DataFrame | None = None, method: str = "bm25"):
        one_of(method, "method", self.METHODS)
        if films is None:
            from cinelab.data.embedded import read_films

            films = read_films()
        self.films = films.reset_index(drop=True)
        self.method = method
        self.documents = [film_document(film) for film in self.films.itertuples()]
        if method == "bm25":
            self.engine = BM25().fit([tokens(doc) for doc in self.documents])
        else:
            self.engine = LSA().fit(self.documents)

    def scores(self, question: str) -> np.ndarray:
        """One score per film, in the catalogue's order, shape (n_films,)."""
        if not isinstance(question, str) or not question.strip():
            raise ValueError(f"the question must be some text, got {question!r}")
        if self.method == "bm25":
            return self.engine.scores(tokens(question))
        return self.engine.scores(question)

    def search(self, question: str, k: int = 5) -> pd.DataFrame:
        """The k best films: item_id, title, year, genres, logline, score (best first).

        Films that share nothing with the question (score 0 or less) are left out, so fewer
        than k rows may come back, or none."""
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        scores = self.scores(question)
        best = np.argsort(-scores, kind="stable")[:k]
        best = best[scores[best] > 0]
        found = self.films.iloc[best][["item_id", "title", "year", "genres", "logline"]]
        return found.assign(score=scores[best]).reset_index(drop=True)


def hit_at_k(ranked_ids: list, gold_ids: list, k: int) -> float:
    """Share of questions with at least one gold film among the first k retrieved."""
    if len(ranked_ids) != len(gold_ids):
        raise ValueError(f"{len(ranked_ids)} rankings but {len(gold_ids)} gold answers")
    if not ranked_ids:
        raise ValueError("no questions to score")
    hits = [bool(set(ranked[:k]) & set(gold)) for ranked, gold in zip(ranked_ids, gold_ids)]
    return float(np.mean(hits))


def load_questions(path=None) -> pd.DataFrame:
    """The film-chat question set (`data/film_questions.csv`) with `gold` as lists of item ids.

    Kinds: lookup (a description), year, genres, about, like ("films like X"; gold = the films
    with the genres the question asks for) and none (the catalogue cannot answer; gold empty).
    """
    from cinelab.data.embedded import EMBEDDED_DIR

    questions = pd.read_csv(
        path or EMBEDDED_DIR / "film_questions.csv", dtype={"gold_item_ids": str}
    )
    gold = questions["gold_item_ids"].fillna("")
    return questions.assign(gold=[[int(i) for i in g.split("|") if i] for g in gold])
