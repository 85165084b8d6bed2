"""check_copy on real films: gibberish, wrong hashtags, leaks and misspelt titles fail, copy passes."""

import pytest
from wordfreq import zipf_frequency

from cinelab.data.embedded import read_films
from cinelab.textgen import check_copy
from cinelab.textgen.checks import (
    GENRE_HASHTAGS,
    LATIN_WORD,
    LENGTH_LIMITS,
    catalogue_words,
    is_known_word,
    misspelt_title_words,
    names_the_title,
    non_words,
)
from cinelab.textgen.corpus import load_copy
from cinelab.textgen.english import FLUENCY_MIN_ZIPF
from cinelab.textgen.metrics import CorpusIndex


def failed(report):
    return {check.name for check in report.failed}


def test_scarface_is_notes_fails_as_a_voiceover(films):
    report = check_copy("Scarface is notes. #Horror", films["Scarface"], "voiceover")
    assert not report.passed
    assert failed(report) == {"length", "hashtags"}
    assert report["length"].reason == "4 words; a voiceover needs at least 15."
    assert "#Horror is not a genre of this film (Action, Crime, Drama)" in report["hashtags"].reason


def test_invented_words_fail_fluency_and_are_named(films):
    text = (
        "Memories of Murder, a cillionof. #Maying and a born to a san is the hired Partory. #Horror"
    )
    report = check_copy(text, films["Memories of Murder"], "social")
    assert report["fluency"].reason == "not English words: cillionof, Partory."
    assert failed(report) >= {"fluency", "hashtags"}
    report = check_copy(
        "It Happened One Night is the forest is the bearders. The summer, a touble.",
        films["It Happened One Night"],
        "blurb",
    )
    assert "bearders" in report["fluency"].reason and "touble" in report["fluency"].reason


def test_the_fluency_threshold_is_the_documented_zipf_frequency():
    assert FLUENCY_MIN_ZIPF == 1.5
    assert zipf_frequency("maying", "en") < FLUENCY_MIN_ZIPF <= zipf_frequency("overlook", "en")
    assert non_words("The maying crew overlooks the ship.") == ["maying"]


def test_catalogue_names_and_possessives_are_words():
    assert non_words("Ripley's crew lands on LV-426 in the Nostromo.") == []
    assert non_words("Gandalf's journey") == []  # a name from a logline in the catalogue


def test_the_threshold_keeps_the_ordinary_words_of_the_kits_hand_written_copy():
    texts = load_copy()["text"]
    lower = [word for text in texts for word in LATIN_WORD.findall(text) if word.islower()]
    below = [word for word in lower if not is_known_word(word, catalogue_words())]
    assert len(lower) > 100_000 and len(below) / len(lower) < 0.001
    assert non_words(" ".join(texts.iloc[:500])) == []  # its names are the kit's own words


def test_hashtags_follow_the_films_genres(films):
    alien, poppins = films["Alien"], films["Mary Poppins"]
    ok = "Alien: the crew wakes to a signal nobody sent. #SciFi #Horror #Alien"
    assert check_copy(ok, alien, "social")["hashtags"].passed
    bad = "Mary Poppins flies in with a carpet bag and a plan for the whole house. #Horror"
    assert not check_copy(bad, poppins, "social")["hashtags"].passed
    fine = "Mary Poppins flies in with a carpet bag and a plan for the whole house. #MovieNight"
    assert check_copy(fine, poppins, "social")["hashtags"].passed
    assert set(GENRE_HASHTAGS["Sci-Fi"]) == {"scifi", "sciencefiction"}


def test_hashtags_belong_in_social_posts_only(films):
    """None of the kit's hand-written voice-overs, blurbs or taglines has one; a chat model's do."""
    shape = films["The Shape of Water"]
    voiceover = (
        "The Shape of Water is an intense drama with a dark underbelly that keeps you guessing"
        " until the end. #Drama"
    )
    report = check_copy(voiceover, shape, "voiceover")["hashtags"]
    assert not report.passed
    assert report.reason == "hashtags belong in a social post, not in a voiceover."
    assert check_copy(voiceover.removesuffix(" #Drama"), shape, "voiceover")["hashtags"].passed
    assert check_copy(voiceover, shape, "social")["hashtags"].passed


def test_a_hashtag_of_another_films_title_fails(films):
    joker = films["Joker"]
    text = (
        "I'm loving Joker! What a wild ride, and so strange when you think about it. #Joker #DrNo"
    )
    report = check_copy(text, joker, "social")["hashtags"]
    assert not report.passed and report.reason == "#DrNo is the title of another film, Dr. No."
    assert check_copy(text.replace(" #DrNo", ""), joker, "social")["hashtags"].passed


def test_misspelt_titles_fail_and_possessives_pass(films):
    poppins = films["Mary Poppins"]
    assert misspelt_title_words("Mary Poppinss sings.", "Mary Poppins") == ["Poppinss"]
    assert (
        misspelt_title_words("Mary Poppins's bag and the Poppins' umbrella.", "Mary Poppins") == []
    )
    assert misspelt_title_words("The aliens are here.", "Alien") == []  # an English word
    text = "Mary Poppinss flies in with a carpet bag and a plan for the whole house. #Family"
    report = check_copy(text, poppins, "social")
    assert failed(report) == {"title"} and "Poppinss" in report["title"].reason


def test_voiceovers_and_social_posts_must_name_the_film(films):
    text = "A city of thieves, one last job, and a detective who never sleeps, all night long."
    report = check_copy(text, films["Heat"], "voiceover")
    assert failed(report) == {"title"}
    assert check_copy("Heat: " + text, films["Heat"], "voiceover").passed


@pytest.mark.parametrize(
    "leak",
    [
        "tagline | Horror | Alien (1979) | In space no one hears.",
        "kind: tagline\ncopy: In space the quiet is the first warning.",
        "In space the quiet is the first warning.<|im_end|>",
        "<think>They want a tagline.</think> In space the quiet is the first warning.",
        "Rules: at most 15 words.\nIn space the quiet is the first warning.",  # a chat brief
        "Alien is my favourite. #Horror; favourite films: Aliens (1986) and The Thing (1982).",
    ],
)
def test_prompt_leaks_fail(films, leak):
    assert not check_copy(leak, films["Alien"], "tagline")["no prompt leak"].passed


def test_copying_the_films_own_lines_or_the_corpus_fails(films):
    blade = films["Blade Runner"]
    report = check_copy(blade["logline"], blade, "blurb")
    assert not report["original"].passed
    lines = load_copy().query("kind == 'voiceover'")
    line = lines[lines.text.str.split().str.len() >= 12].iloc[0]
    film = read_films().query("title == @line.title and year == @line.year").iloc[0].to_dict()
    assert not check_copy(line.text, film, "voiceover")["original"].passed


def test_loops_fail_the_repetition_check(films):
    text = "The night is dark and the night is dark and the night is dark and cold."
    assert not check_copy(text, films["Alien"], "blurb")["not repetitive"].passed


@pytest.mark.parametrize(
    ("title", "kind", "text", "reason"),
    [  # what the kit's model wrote in a cold read, one fault each
        ("Chitty Chitty Bang Bang", "voiceover", ("Chitty Chitty Bang Bang Bang is a grandfather's"
         " animated feat. His father has never been waiting for the masters of the town at all."),
         "'Bang Bang Bang': one word over and over."),
        ("Duck Soup", "blurb", ("Duck Soup, Duck Soup is the reality comedy of the pride of a"
         " small country at war."), "says 'Duck Soup' twice in a row."),
    ],
)  # fmt: skip
def test_stutters_fail_the_repetition_check(films, title, kind, text, reason):
    report = check_copy(text, films[title], kind)
    assert failed(report) == {"not repetitive"}
    assert report["not repetitive"].reason == reason


@pytest.mark.parametrize(
    ("title", "kind", "text", "reason"),
    [
        ("Exit Through the Gift Shop", "blurb", ("Exit Through the Gift Shot is a gripping"
         " documentary about a street artist and the man who films him."),
         "the title is misspelt: Exit Through the Gift Shot."),
        ("Toy Story", "social", ("Toy Story 2 is the funniest animated film I have seen in years."
         " #Animation"), "names another film, 'Toy Story 2', not 'Toy Story'."),
        ("Sense and Sensibility", "social", ("Sense and Sensibility are the most beautiful film"
         " I've ever seen. Sensibility and Sensibility. #Drama"),  # the kit's model, verbatim
         "the title is misspelt: Sensibility and Sensibility."),
    ],
)  # fmt: skip
def test_a_broken_title_or_a_sequel_fails_the_title_check(films, title, kind, text, reason):
    report = check_copy(text, films[title], kind)
    assert failed(report) == {"title"}
    assert report["title"].reason == reason


@pytest.mark.parametrize(
    ("title", "kind", "text"),
    [  # repetition on purpose, a possessive title, a title cut short by an ordinary word
        ("All About Eve", "blurb", ("In All About Eve, a Broadway star takes in a fan who is"
         " quiet, eager and very, very ambitious.")),
        ("Toy Story", "social", "Toy Story made me cry every time. Every time. #Animation"),
        ("Breakfast at Tiffany's", "blurb", ("Breakfast at Tiffany's watches a New York party girl"
         " and the struggling writer who falls for her.")),
        ("Exit Through the Gift Shop", "blurb", ("Exit Through the Gift Shop follows a shopkeeper"
         " with a camera into the street-art scene of Los Angeles.")),
        ("West Side Story", "blurb", ("Romeo and Juliet moved to the Upper West Side, West Side"
         " Story sets two gangs against one love.")),  # title words beside the title
        ("The Lives of Others", "blurb", ("In The Lives of Others, a Stasi officer listens in on"
         " the lives of the people upstairs.")),  # title words in ordinary use
    ],
)  # fmt: skip
def test_deliberate_repetition_and_possessive_titles_pass(films, title, kind, text):
    report = check_copy(text, films[title], kind)
    assert report["not repetitive"].passed and report["title"].passed, report.reasons()


def test_the_new_repetition_and_title_rules_spare_the_corpus():
    """Of the 20,000 written lines, at most 2 trip a stutter, broken-title or sequel rule."""
    from cinelab.textgen.checks import (
        broken_titles,
        garbled_titles,
        longest_word_run,
        sequels_named,
        title_echoes,
    )

    copy = load_copy()
    tripped = [
        line.text
        for line in copy.itertuples()
        if broken_titles(line.text, line.title)
        or garbled_titles(line.text, line.title)
        or sequels_named(line.text, line.title)
        or len(longest_word_run(line.text)) > 2
        or title_echoes(line.text, line.title)
    ]
    assert len(tripped) <= 2, tripped


def test_good_copy_passes_every_check(films):
    tagline = check_copy("In space, the quiet is the first warning.", films["Alien"], "tagline")
    assert tagline.passed and tagline.as_dict()["passed"] is True
    assert all(tagline.as_dict().values()) and tagline.reasons() == []


def test_length_limits_per_kind(films):
    alien = films["Alien"]
    assert not check_copy("Run.", alien, "tagline")["length"].passed
    long_line = " ".join(["The crew runs."] * 6)
    assert not check_copy(long_line, alien, "tagline")["length"].passed
    post = "Alien and the crew of a ship far from home " + "wait " * 60
    assert "characters" in check_copy(post, alien, "social")["length"].reason
    assert set(LENGTH_LIMITS) == {
        "tagline", "voiceover", "social", "blurb", "continuation", "scene", "dialogue",
        "description",
    }  # fmt: skip


def test_bad_arguments_are_named(films):
    with pytest.raises(ValueError, match="kind must be one of"):
        check_copy("text", films["Alien"], "poem")
    with pytest.raises(TypeError, match="text must be a string"):
        check_copy(None, films["Alien"], "tagline")
    with pytest.raises(ValueError, match="'genres'"):
        check_copy("text", {"title": "X"}, "tagline")
    with pytest.raises(KeyError, match="No check named"):
        check_copy("In space, quiet.", films["Alien"], "tagline")["spelling"]


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("It's a Wonderful Life", "It's a Wonderful Life, from Frank Capra, comes home at Christmas."),
        ("Guillermo del Toro's Pinocchio", "Guillermo del Toro's Pinocchio carves a boy out of grief."),
        ("Schindler's List", "Schindler's List opens in Krakow in 1939."),
    ],
)  # fmt: skip
def test_a_title_with_a_possessive_word_is_found_in_the_copy(title, text):
    assert names_the_title(text, title)
    assert names_the_title(f"The long shadow of {title}'s first scene.", title)


def test_accented_words_are_whole_words():
    assert LATIN_WORD.findall("Amélie, Héloïse, Łódź") == ["Amélie", "Héloïse", "Łódź"]
    catalogue = read_films()
    amelie = catalogue[catalogue.title == "Amélie"].iloc[0].to_dict()
    text = "Amélie Poulain runs errands of secret kindness across Montmartre in Amélie, one stranger at a time."
    assert check_copy(text, amelie, "voiceover").passed
    assert non_words("Amélie meets Zyxqué at the café.") == ["Zyxqué"]  # not "Zyxqu" and "é"


def test_a_long_title_is_a_fact_not_copying():
    strangelove = (
        read_films()
        .set_index("title")
        .loc["Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb"]
    )
    film = {"title": strangelove.name, **strangelove.to_dict()}
    text = f"{film['title']} sends a bomber toward Russia, and nobody can call it back."
    assert check_copy(text, film, "voiceover")["original"].passed
    corpus = CorpusIndex.from_texts(["they learned to stop worrying and love the bomb at once"])
    assert corpus.copied_parts("I learned to stop worrying and love the bomb at once, today.")
    assert corpus.copied_parts(text, film["title"]) == []  # the shared run is the title's


def test_a_hashtag_twice_fails_and_accents_do_not_matter_in_a_title_hashtag():
    catalogue = read_films()
    argo = catalogue[catalogue.title == "Argo"].iloc[0].to_dict()
    twice = "Argo on the big screen this week: Argo. The soundtrack is superb. #Thriller #Thriller"
    report = check_copy(twice, argo, "social")["hashtags"]
    assert not report.passed and report.reason == "#Thriller is there twice."
    amelie = catalogue[catalogue.title == "Amélie"].iloc[0].to_dict()
    for tag in ("#Amélie", "#Amelie"):
        text = f"Amélie on the big screen tonight: bring someone you love. #Comedy {tag}"
        assert check_copy(text, amelie, "social")["hashtags"].passed, tag
