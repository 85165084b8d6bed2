"""Language meets taste: reviews and sentiment, retrieval over the catalogue, a grounded film chat.

>>> from cinelab import language
>>> reviews = language.reviews.load_reviews()                # data/reviews.csv, validated
>>> chat = language.chat.CatalogueChat()                      # offline: BM25 over data/films.csv
>>> print(chat.ask("What year did Alien come out?").text)

Modules: `text` (the one tokenizer), `reviews` (the review table, its checks, a split by film),
`sentiment` (VADER baseline, bag of words, softmax regression by hand, a small transformer),
`retrieval` (BM25 by hand, LSA dense retrieval, hit@k) and `chat` (answers composed from
retrieved facts, refusals, and retrieval-augmented prompts for a cached chat model). Torch and
transformers are imported only by the functions that need them.
"""

from cinelab.language import chat, retrieval, reviews, sentiment, text

__all__ = ["chat", "retrieval", "reviews", "sentiment", "text"]
