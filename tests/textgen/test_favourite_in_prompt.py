"""A rater's favourite film reaches the prompt in the form the kit's model is trained on."""

import re

from cinelab.data.embedded import read_films, read_ratings
from cinelab.textgen import (
    LanguageModel,
    TrailerCopywriter,
    build_documents,
    load_copy,
    taste_profile,
)

FAVOURITE_LINE = r"^viewer: a fan of .+ who loved .+ \(\d{4}\)$"


def test_a_raters_favourite_is_named_with_its_year_as_in_training(kit_lm):
    films, ratings = read_films(), read_ratings()
    training_prompts = build_documents(films.head(40), load_copy().head(0), seed=0).prompt
    assert training_prompts.str.contains(FAVOURITE_LINE, flags=re.MULTILINE).any()
    # a model of the current recipe (any name but the first kit model's) gets build_prompt
    lm = LanguageModel(kit_lm.model, kit_lm.tokenizer, "current-recipe")
    writer = TrailerCopywriter(lm, films=films, ratings=ratings)
    audience = taste_profile(ratings, films, int(ratings.user_id.iloc[0]))
    film = writer.resolve_film(int(films.item_id.iloc[0]))
    prompt = lm.decode(writer.prompt_ids(film, audience, "tagline", film.genres[0])[0])
    assert re.search(FAVOURITE_LINE, prompt, flags=re.MULTILINE), prompt
