"""Who the copy is for: a persona written in words, or a taste profile read from ratings.

A taste profile answers two questions about a user from their own ratings:

- **top genres**: for each genre, add up how far above (or below) the user's *own* average
  they rated its films. Centring on the user's average matters: a generous rater gives
  everything 4 stars, and only the films they rated *above their usual* say what they love.
  Summing (not averaging) rewards genres they both watch and enjoy.
- **favourite films**: their highest-rated films.

The copywriter uses the profile to decide which side of a film to play up: the same thriller
is sold as a romance to one user and as a crime story to another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from cinelab.data.genres import GENRES

# words a persona might use for a genre, besides the genre's own name
GENRE_WORDS = {
    "Action": ["action", "explosions", "stunts", "fights", "adrenaline"],
    "Adventure": ["adventure", "quests", "journeys", "explorers", "treasure"],
    "Animation": ["animation", "animated", "cartoons", "anime", "pixar"],
    "Children": ["children", "kids", "family", "families"],
    "Comedy": ["comedy", "comedies", "funny", "laughs", "jokes", "humour", "humor"],
    "Crime": ["crime", "heists", "gangsters", "detectives", "mob"],
    "Documentary": ["documentary", "documentaries", "true stories", "real life"],
    "Drama": ["drama", "dramas", "character studies", "emotional"],
    "Fantasy": ["fantasy", "magic", "dragons", "wizards", "fairy tales"],
    "Film-Noir": ["film-noir", "film noir", "noir"],
    "Horror": ["horror", "scary", "scares", "ghosts", "monsters", "slashers", "frights"],
    "Musical": ["musical", "musicals", "songs", "singing", "dance"],
    "Mystery": ["mystery", "mysteries", "whodunits", "puzzles", "clues"],
    "Romance": ["romance", "romantic", "love stories", "rom-coms", "romcoms"],
    "Sci-Fi": ["sci-fi", "science fiction", "space", "robots", "aliens", "future"],
    "Thriller": ["thriller", "thrillers", "suspense", "tension", "twists"],
    "War": ["war", "battles", "soldiers", "military"],
    "Western": ["western", "westerns", "cowboys", "frontier"],
}


@dataclass(frozen=True)
class Audience:
    """An audience for trailer copy: a name, the genres they love, films they love."""

    name: str
    top_genres: tuple[str, ...] = ()
    favourite_films: tuple[str, ...] = ()
    description: str = ""

    def __post_init__(self):
        unknown = [genre for genre in self.top_genres if genre not in GENRES]
        if unknown:
            raise ValueError(
                f"Audience {self.name!r}: unknown genre(s) {unknown}; use names from {GENRES}."
            )

    def describe(self) -> str:
        """One sentence about the audience, for a chat model's prompt or a widget."""
        parts = [self.description] if self.description else []
        if self.top_genres:
            parts.append("loves " + ", ".join(self.top_genres))
        if self.favourite_films:
            parts.append("favourite films: " + ", ".join(self.favourite_films))
        return f"{self.name}: " + "; ".join(parts) if parts else self.name

    def angle_for(self, film_genres: list[str]) -> str:
        """The film's genre this audience cares most about (the film's first genre if none)."""
        if not film_genres:
            raise ValueError("The film has no genres, so there is no angle to choose.")
        for genre in self.top_genres:
            if genre in film_genres:
                return genre
        return film_genres[0]


GENERAL_AUDIENCE = Audience(name="everyone")


def audience_from_persona(persona: str, name: str = "persona") -> Audience:
    """Read the genres a free-text persona talks about, in order of first mention."""
    if not isinstance(persona, str) or not persona.strip():
        raise ValueError(
            "A persona must be a non-empty text, e.g. 'a teenager who loves scary movies'."
        )
    text = persona.lower()
    first_mention = {}
    for genre, genre_words in GENRE_WORDS.items():
        positions = [
            match.start()
            for word in genre_words
            for match in re.finditer(rf"\b{re.escape(word)}\b", text)
        ]
        if positions:
            first_mention[genre] = min(positions)
    top_genres = tuple(sorted(first_mention, key=first_mention.get))
    return Audience(name=name, top_genres=top_genres, description=persona.strip())


def taste_profile(
    ratings: pd.DataFrame, films: pd.DataFrame, user_id, n_genres: int = 3, n_films: int = 3
) -> Audience:
    """A user's top genres and favourite films, from their ratings alone.

    Parameters
    ----------
    ratings : DataFrame
        ``user_id, item_id, rating``.
    films : DataFrame
        ``item_id, title, genres`` (pipe-separated), optionally ``year``: favourite films are
        then named "Title (Year)", the way the kit's prompts name them.
    user_id
        A user present in ``ratings``.
    n_genres, n_films : int
        How many genres and films to keep; only genres rated above the user's average count.

    Returns
    -------
    Audience
        Named ``"user <id>"``.
    """
    mine = ratings.loc[ratings["user_id"] == user_id, ["item_id", "rating"]]
    if mine.empty:
        raise ValueError(f"User {user_id!r} has no ratings, so there is no taste to read.")
    columns = ["item_id", "title", "genres"] + (["year"] if "year" in films.columns else [])
    rated = mine.merge(films[columns], on="item_id", how="inner")
    if rated.empty:
        raise ValueError(f"None of user {user_id!r}'s rated films are in the films table.")
    rated["above_usual"] = rated["rating"] - rated["rating"].mean()  # (n_rated,)
    per_genre = rated.assign(genre=rated["genres"].str.split("|")).explode("genre")
    genre_scores = per_genre.groupby("genre")["above_usual"].sum()  # (n_genres,) by name
    genre_scores = genre_scores.sort_values(ascending=False, kind="stable")  # ties: by name
    top_genres = tuple(genre_scores[genre_scores > 0].index[:n_genres])
    rated["name"] = rated["title"]  # "Title (Year)" when the year is known, as in the prompts
    if "year" in rated.columns:
        rated["name"] += " (" + rated["year"].astype("int64").astype(str) + ")"
    favourites = rated.sort_values(["rating", "title"], ascending=[False, True])["name"]
    return Audience(
        name=f"user {user_id}",
        top_genres=top_genres,
        favourite_films=tuple(favourites.iloc[:n_films]),
    )
