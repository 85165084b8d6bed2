"""A film chat grounded in the catalogue: retrieve, then answer only from what was retrieved.

Without a language model, the answer is composed from the retrieved facts and always shows its
sources (film, year, the sentence used). With a cached chat model (`cinelab models pull`), the
same facts go into the prompt (retrieval-augmented generation) and the answer must name them.
Either way, when the catalogue holds no answer the chat says so instead of inventing one.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cinelab.language.retrieval import GENRE_WORDS, FilmRetriever, tokens

# What the catalogue does not hold: a question about these gets a refusal, not a guess.
NOT_IN_CATALOGUE = re.compile(
    r"\b(who directed|directed by|director|who stars|starring|cast|actors?|actress|who plays|"
    r"budget|box[- ]office|gross(ed)?|oscars?|awards?|runtime|how long|minutes|sequels?|"
    r"soundtrack|composer|who wrote|screenplay|ending|twist|who dies|survives?)\b",
    re.IGNORECASE,
)
LIKE = re.compile(
    r"\b(like|similar to|reminds? me of|in the vein of|along the lines of)\b", re.IGNORECASE
)
WHEN = re.compile(r"\b(when|what year|which year|released?|come out|came out)\b", re.IGNORECASE)
GENRES = re.compile(r"\b(genres?|what kind|which kind|what type|what sort)\b", re.IGNORECASE)
# Words that steer "like X but ..." towards a genre.
STEER = {
    "funnier": "Comedy", "funny": "Comedy", "lighter": "Comedy", "comedy": "Comedy",
    "scarier": "Horror", "scary": "Horror", "darker": "Thriller", "tenser": "Thriller",
    "romantic": "Romance", "romance": "Romance", "animated": "Animation", "kids": "Children",
    "family": "Children", "musical": "Musical", "songs": "Musical", "true": "Documentary",
    "action": "Action", "war": "War", "western": "Western", "crime": "Crime",
}  # fmt: skip
SHORT_TITLE = 5  # titles shorter than this must match with their capitals ("Up", "Her")
HOW_TO_GET_A_CHAT_MODEL = (
    "No chat model is cached, so answers are composed from the retrieved facts. To try "
    "retrieval-augmented generation, run `cinelab models list` to see the chat models and "
    "`cinelab models pull NAME` to download one (once, online)."
)


@dataclass(frozen=True)
class Source:
    """A fact an answer used: which film, and the sentence taken from the catalogue."""

    item_id: int
    title: str
    year: int
    sentence: str
    score: float

    def label(self) -> str:
        return f"{self.title} ({self.year})"


@dataclass
class Answer:
    """What the chat says, the facts it used, whether it declined, and what it retrieved."""

    question: str
    text: str
    sources: list[Source] = field(default_factory=list)
    refused: bool = False
    generated: bool = False  # True when a chat model wrote the text
    retrieved: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __str__(self) -> str:
        cited = "\n".join(f"  - {s.label()}: {s.sentence}" for s in self.sources)
        return self.text + (f"\nSources:\n{cited}" if cited else "")


class CatalogueChat:
    """Answers questions about the films in the catalogue, and only from it.

    Parameters
    ----------
    films : the catalogue; default the kit's `data/films.csv`.
    method : retrieval used to rank films, "bm25" (default) or "lsa".
    chat_model : anything with ``reply(messages, max_new_tokens=..., seed=0) -> str`` (see
        `cinelab.textgen.pretrained.load_chat`), or None for composed answers.
    k : how many films are retrieved and shown.
    min_match : share of the question's (idf-weighted) words that the best film must contain;
        below it the chat declines. Calibrated on data/film_questions.csv (see notebook 06).
    """

    def __init__(self, films: pd.DataFrame | None = None, method: str = "bm25",
                 chat_model=None, k: int = 5, min_match: float = 0.4):  # fmt: skip
        self.bm25 = FilmRetriever(films, method="bm25")
        self.films = self.bm25.films
        self.retriever = self.bm25 if method == "bm25" else FilmRetriever(self.films, method)
        self.chat_model = chat_model
        self.k = k
        self.min_match = min_match
        # One compiled pattern per title, longest first (so "Aliens" is tried before "Alien").
        self._titles = [
            (title, row, re.compile(rf"(?<!\w){re.escape(title)}(?!\w)",
                                    0 if len(title) < SHORT_TITLE else re.IGNORECASE))
            for title, row in sorted(zip(self.films["title"], self.films.index),
                                     key=lambda pair: -len(pair[0]))
        ]  # fmt: skip

    # ------------------------------------------------------------------ understanding
    def mentioned_film(self, question: str) -> int | None:
        """Row of the longest catalogue title written in the question, or None.

        Two films with that title (a remake)? The one whose year is in the question wins,
        otherwise the most recent."""
        found = []
        for title, row, pattern in self._titles:
            if found and len(title) < len(self.films.loc[found[0], "title"]):
                break
            if pattern.search(question):
                found.append(row)
        if not found:
            return None
        years = self.films.loc[found, "year"]
        named = [row for row, year in years.items() if str(year) in question]
        return named[0] if named else int(years.idxmax())

    def match_strength(self, question: str, row: int) -> float:
        """Idf-weighted share of the question's words found in film `row`'s document (0-1).

        Words the catalogue has never seen count with the highest idf: a question about
        something absent cannot reach the threshold by matching only "the" and "film"."""
        engine = self.bm25.engine
        words = set(tokens(question))
        if not words:
            return 0.0
        document = set(tokens(self.bm25.documents[row]))
        top_idf = engine.idf_.max()
        weight = {w: engine.idf_[engine.vocabulary_[w]] if w in engine.vocabulary_ else top_idf
                  for w in words}  # fmt: skip
        return sum(weight[w] for w in words & document) / sum(weight.values())

    # ------------------------------------------------------------------ answering
    def ask(self, question: str) -> Answer:
        """Retrieve, then answer from the retrieved facts (or decline)."""
        if not isinstance(question, str) or not question.strip():
            raise ValueError(f"ask a question in words, got {question!r}")
        retrieved = self.retriever.search(question, k=self.k)
        answer = self._compose(question.strip(), retrieved)
        if self.chat_model is not None and not answer.refused:
            answer = self._generate(answer)
        return answer

    def _compose(self, question: str, retrieved: pd.DataFrame) -> Answer:
        mentioned = self.mentioned_film(question)
        if mentioned is not None and not LIKE.search(question):
            # "Frozen", "Chicago", "Traffic": a title can be an ordinary word. Trust it only
            # when that film is (nearly) the best match for the whole question.
            title = self.films.loc[mentioned, "title"]
            rest = re.sub(re.escape(title), " ", question, flags=re.IGNORECASE)
            scores = self.bm25.scores(question)
            if tokens(rest) and scores[mentioned] < 0.8 * scores.max():
                mentioned = None
        if mentioned is not None:  # the film named in the question leads the retrieved list
            top = self.films.loc[[mentioned], ["item_id", "title", "year", "genres", "logline"]]
            top = top.assign(score=self.retriever.scores(question)[mentioned])
            others = retrieved[retrieved["item_id"] != top["item_id"].iloc[0]]
            retrieved = pd.concat([top, others]).head(self.k).reset_index(drop=True)
        if NOT_IN_CATALOGUE.search(question):
            return self._decline_attribute(question, mentioned, retrieved)
        if mentioned is not None and LIKE.search(question):
            return self._similar(question, mentioned)
        if mentioned is not None:
            return self._about(question, mentioned, retrieved)
        best_row = self._row_of(retrieved.loc[0, "item_id"]) if len(retrieved) else None
        if best_row is None or self.match_strength(question, best_row) < self.min_match:
            return Answer(
                question,
                "The catalogue has no film that matches this question, so I will not guess. "
                "Try a title, a year, a genre or words from a film's story.",
                refused=True,
                retrieved=retrieved,
            )
        film = self.films.loc[best_row]
        others = [self._source(self._row_of(i), s) for i, s in
                  zip(retrieved["item_id"][1:3], retrieved["score"][1:3])]  # fmt: skip
        source = self._source(best_row, retrieved.loc[0, "score"])
        text = f"That sounds like {source.label()}, {_genre_phrase(film.genres)}: {film.logline}"
        if others:
            text += " Also close: " + ", ".join(s.label() for s in others) + "."
        return Answer(question, text, [source, *others], retrieved=retrieved)

    def _about(self, question: str, row: int, retrieved: pd.DataFrame) -> Answer:
        film = self.films.loc[row]
        source = self._source(row, 1.0)
        if WHEN.search(question):
            fact = f"{film.title} came out in {int(film.year)}."
            source = Source(source.item_id, source.title, source.year, _fact_line(film), 1.0)
        elif GENRES.search(question):
            fact = f"{film.title} is listed as {_genre_phrase(film.genres)}."
            source = Source(source.item_id, source.title, source.year, _fact_line(film), 1.0)
        else:
            fact = f"{source.label()}, {_genre_phrase(film.genres)}: {film.logline}"
        return Answer(question, fact, [source], retrieved=retrieved)

    def _similar(self, question: str, row: int) -> Answer:
        """Films close to the named one: its own document as the query, plus the question's
        other words (so "like Alien but funnier" pulls towards comedies)."""
        film = self.films.loc[row]
        title_free = re.sub(re.escape(film.title), " ", question, flags=re.IGNORECASE)
        scores = self.retriever.scores(self.bm25.documents[row] + " " + title_free)
        wanted = set(film.genres.split("|")) | {
            STEER[w] for w in re.findall(r"[a-z]+", title_free.lower()) if w in STEER
        }
        scores = scores / max(scores.max(), 1e-12) + _genre_overlap(self.films, wanted)
        scores[row] = -np.inf  # never recommend the film itself
        best = np.argsort(-scores, kind="stable")[: self.k]
        retrieved = self.films.iloc[best][["item_id", "title", "year", "genres", "logline"]]
        retrieved = retrieved.assign(score=scores[best]).reset_index(drop=True)
        sources = [self._source(r, s) for r, s in zip(best[:3], scores[best[:3]])]
        suggestions = [f"{s.label()}, {_genre_phrase(self.films.loc[r, 'genres'])}"
                       for r, s in zip(best[:3], sources)]  # fmt: skip
        text = f"If you liked {film.title} ({int(film.year)}), try {'; '.join(suggestions)}."
        return Answer(question, text, sources, retrieved=retrieved)

    def _decline_attribute(self, question, mentioned, retrieved) -> Answer:
        about = (
            f" about {self.films.loc[mentioned, 'title']} ({int(self.films.loc[mentioned, 'year'])})"
            if mentioned is not None
            else ""
        )
        text = (
            f"The catalogue does not say that{about}: it holds each film's title, year, genres "
            "and a one-line set-up, nothing about cast, crew, money, awards or endings."
        )
        return Answer(question, text, refused=True, retrieved=retrieved)

    def _generate(self, answer: Answer) -> Answer:
        """Retrieval-augmented generation: the chat model writes from our facts only."""
        reply = self.chat_model.reply(
            build_messages(answer.question, answer.sources), max_new_tokens=160, seed=0
        ).strip()
        if not any(s.title.lower() in reply.lower() for s in answer.sources):
            reply += " (Sources: " + ", ".join(s.label() for s in answer.sources) + ".)"
        return Answer(answer.question, reply, answer.sources, generated=True,
                      retrieved=answer.retrieved)  # fmt: skip

    # ------------------------------------------------------------------ helpers
    def _row_of(self, item_id) -> int:
        return int(np.flatnonzero(self.films["item_id"].to_numpy() == item_id)[0])

    def _source(self, row: int, score: float) -> Source:
        film = self.films.loc[row]
        return Source(int(film.item_id), film.title, int(film.year), film.logline, float(score))


def build_messages(question: str, sources: list[Source]) -> list[dict]:
    """The RAG prompt: numbered facts from the catalogue, the rules, then the question."""
    facts = "\n".join(
        f"[{number}] {s.label()}: {s.sentence}" for number, s in enumerate(sources, start=1)
    )
    system = (
        "You answer questions about films using only the numbered facts from the film "
        "catalogue. Name every film you mention with its year, as in 'Alien (1979)'. If the "
        "facts do not answer the question, say that the catalogue does not say. Never reveal "
        "endings. Answer in at most three sentences."
    )
    user = f"Facts from the catalogue:\n{facts}\n\nQuestion: {question}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def cached_chat_model():
    """A chat model from the local cache (`cinelab models pull`), or None when there is none."""
    try:
        pretrained = importlib.import_module("cinelab.textgen.pretrained")
    except ImportError:
        return None
    names = pretrained.cached(task="chat")
    return pretrained.load_chat(names[0]) if names else None


def _fact_line(film) -> str:
    return f"released {int(film.year)}; genres {film.genres.replace('|', ', ')}."


def _genre_phrase(genres: str) -> str:
    names = [g.replace("Sci-Fi", "science fiction").lower() for g in str(genres).split("|")]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _genre_overlap(films: pd.DataFrame, target: set[str]) -> np.ndarray:
    """Jaccard overlap of every film's genres with the `target` genres, shape (n_films,)."""
    return np.array([len(target & set(g.split("|"))) / len(target | set(g.split("|")))
                     for g in films["genres"]])  # fmt: skip


__all__ = ["GENRE_WORDS", "Answer", "CatalogueChat", "Source", "build_messages"]
