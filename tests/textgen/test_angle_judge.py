"""The angle judge: which of a film's genres a piece of copy was written for."""

import pandas as pd
import pytest

from cinelab.data.embedded import read_films
from cinelab.textgen import AngleJudge, judge_viewers, kit_angle_judge, load_copy, split_of

LINES = pd.DataFrame(
    {
        "title": ["Big Laughs", "Big Laughs", "Dark House", "Dark House", "Moor", "Moor"],
        "text": [
            "Big Laughs: a riot of jokes and laughs.",
            "Jokes, laughs and one silly wedding.",
            "A scream in the dark house.",
            "Fear the dark, fear the scream.",
            "Laughs and jokes on the moor.",
            "A scream on the dark moor.",
        ],
        "angle": ["Comedy", "Comedy", "Horror", "Horror", "Comedy", "Horror"],
    }
)


@pytest.fixture(scope="module")
def judge():
    return AngleJudge().fit(LINES)


def test_the_judge_reads_how_a_line_sells(judge):
    assert judge.margin("Jokes and laughs all night.", "Any Film", "Comedy", "Horror") > 0
    assert judge.margin("A scream in the dark.", "Any Film", "Comedy", "Horror") < 0
    assert judge.angles_ == ["Comedy", "Horror"]


def test_the_title_is_masked(judge):
    """A film called "Dark House" sold for laughs is still a comedy line."""
    plain = judge.margin("Jokes and laughs.", "Other", "Comedy", "Horror")
    titled = judge.margin("Dark House: jokes and laughs.", "Dark House", "Comedy", "Horror")
    assert titled == pytest.approx(plain)


def test_judge_viewers_counts_the_pairs_told_apart(judge):
    comic, scary = "Jokes and laughs.", "A scream in the dark."
    args = ("Moor", "Comedy", "Horror")
    assert judge_viewers(judge, [comic, comic], [scary, scary], *args).right == 1.0
    assert judge_viewers(judge, [scary, comic], [comic, scary], *args).right == 0.5
    assert judge_viewers(judge, [comic], [comic], *args).right == 0.5  # a tie is a coin toss
    verdict = judge_viewers(judge, [scary], [comic], *args)
    assert (verdict.right, verdict.pairs, verdict.angle_a) == (0.0, 1, "Comedy")


def test_judge_errors_name_the_problem(judge):
    with pytest.raises(ValueError, match="Both viewers have the angle 'Comedy'"):
        judge_viewers(judge, ["a"], ["b"], "Moor", "Comedy", "Comedy")
    with pytest.raises(ValueError, match="one piece per seed"):
        judge_viewers(judge, ["a", "b"], ["c"], "Moor", "Comedy", "Horror")
    with pytest.raises(
        ValueError, match=r"no angle \['Western'\]; it knows \['Comedy', 'Horror'\]"
    ):
        judge.margin("a", "Moor", "Western", "Horror")
    with pytest.raises(ValueError, match="title, text and angle"):
        AngleJudge().fit(LINES.drop(columns="angle"))
    with pytest.raises(ValueError, match="at least two angles"):
        AngleJudge().fit(LINES[LINES.angle == "Comedy"])
    with pytest.raises(RuntimeError, match="not fitted"):
        AngleJudge().margin("a", "Moor", "Comedy", "Horror")


def test_the_kit_judge_ranks_held_out_hand_written_lines():
    """On the lines of films it never saw, the right angle beats another genre 72 % of the time."""
    lines = load_copy()
    held_out = lines[[split_of(t, y) == "validation" for t, y in zip(lines.title, lines.year)]]
    accuracy = kit_angle_judge().pairwise_accuracy(held_out.reset_index(drop=True), read_films())
    assert accuracy == pytest.approx(0.721, abs=0.001)
