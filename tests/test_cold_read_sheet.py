"""The cold-read sheet and tally of benchmarks/textgen.py: what a blind reader rates is counted right."""

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest

from cinelab.data.embedded import read_films
from tests.textgen.chat_fixtures import save_tiny_chat_model


@pytest.fixture(scope="module")
def bench():
    path = Path(__file__).parents[1] / "benchmarks" / "textgen.py"
    spec = importlib.util.spec_from_file_location("textgen_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_sheet_round_trips_through_a_readers_verdicts(bench, tmp_path):
    films = read_films()
    pieces = pd.DataFrame(
        {
            "title": ["Toy Story", "Alien", "Toy Story"],
            "kind": ["tagline", "blurb", "social"],
            "angle": ["Comedy", "Horror", "Children"],
            "text": ["Toys, alive.", "A crew, a signal, a stowaway.", "Toy Story night!"],
        }
    )
    sheet = bench.read_sheet(pieces, films)
    assert sheet.count("## ") == 3 and "## 2. Alien (1979) — genres: Horror, Sci-Fi" in sheet
    assert "Logline: " + films.loc[films.title == "Alien", "logline"].iloc[0] in sheet
    (tmp_path / "sheet.md").write_text(sheet, encoding="utf-8")
    ratings = (
        "1. USABLE — generic — fine\n2. NOT — salad — no\n3. USABLE — ok — yes\nUSABLE: 2 of 3\n"
    )
    (tmp_path / "ratings.md").write_text(ratings, encoding="utf-8")
    table = bench.tally(tmp_path / "sheet.md", tmp_path / "ratings.md")
    assert table.to_dict() == {
        "pieces": {"blurb": 1, "social": 1, "tagline": 1, "all": 3},
        "usable": {"blurb": 0, "social": 1, "tagline": 1, "all": 2},
    }
    (tmp_path / "short.md").write_text("1. USABLE — ok — fine\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"no verdict for piece\(s\) \[2, 3\]"):
        bench.tally(tmp_path / "sheet.md", tmp_path / "short.md")


@pytest.mark.parametrize("films", ["0", "3", "-2", "ten"])
def test_the_benchmark_refuses_a_film_count_it_cannot_split_in_half(bench, films, capsys):
    with pytest.raises(SystemExit):
        bench.main(["--films", films])
    assert "not an even number of at least 2" in capsys.readouterr().err


def test_an_even_film_count_is_half_training_half_held_out_films(bench):
    films = read_films()
    chosen = bench.benchmark_films(films, bench.film_count("4"), seed=0)
    assert chosen.split.value_counts().to_dict() == {"train": 2, "validation": 2}


def test_the_benchmark_measures_a_chat_model_shown_examples(bench, tmp_path, capsys):
    folder = save_tiny_chat_model(tmp_path / "chat", context=4096)
    bench.main(["--model", str(folder), "--films", "2", "--examples", "1"])
    printed = capsys.readouterr().out
    assert f"model {folder}; 1 examples, adapter none;" in printed
    assert "| pieces | 20 |" in printed  # 2 films x 2 viewers x 5 kinds
    assert "bits per character" not in printed  # scored on the kit's prompts only


def test_a_sheet_of_every_candidate_counts_the_jobs_a_better_choice_could_save(bench, tmp_path):
    pieces = pd.DataFrame(
        {
            "title": ["Toy Story", "Alien"],
            "kind": ["tagline", "blurb"],
            "angle": ["Comedy", "Horror"],
            "candidates": [["Toys, alive.", "Toys toys."], ["A crew.", "Crew a a.", "A stowaway."]],
        }
    )
    rows = bench.every_candidate(pieces, seed=0)
    assert rows.job.tolist() == [1, 1, 2, 2, 2]
    assert sorted(rows.text[rows.job == 2]) == ["A crew.", "A stowaway.", "Crew a a."]
    sheet = bench.read_sheet(rows, read_films())
    assert sheet.count("\nJob: 2\n") == 3
    (tmp_path / "sheet.md").write_text(sheet, encoding="utf-8")
    verdicts = ["NOT", "NOT", "USABLE", "NOT", "USABLE"]  # job 1 has none, job 2 has two
    lines = [f"{n}. {verdict} — ok — reason" for n, verdict in enumerate(verdicts, 1)]
    (tmp_path / "ratings.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = bench.tally(tmp_path / "sheet.md", tmp_path / "ratings.md")
    assert table.loc["all"].to_dict() == {
        "pieces": 5,
        "usable": 2,
        "jobs": 2,
        "jobs with a usable candidate": 1,
    }
    assert table.loc["blurb", "jobs with a usable candidate"] == 1
    assert table.loc["tagline", "jobs with a usable candidate"] == 0


def test_a_held_out_cold_read_draws_only_films_no_model_trained_on(bench):
    films, ratings = read_films(), pd.DataFrame({"user_id": [1, 2]})
    pool = bench.cold_read_pool(films, held_out=True)
    assert set(pool.split) == {"validation"} and 40 < len(pool) < len(films) / 5
    jobs = bench.cold_read_jobs(pool, ratings, ["tagline"], 40, seed=0)
    assert {film.split for film, _, _ in jobs} == {"validation"}
    assert len(bench.cold_read_pool(films, held_out=False)) == len(films)


def test_a_blind_sheet_of_two_writers_is_tallied_for_each(bench, tmp_path):
    shared = {"title": "Alien", "kind": "blurb", "angle": "Horror", "text": "A crew, a signal."}
    first = pd.DataFrame(
        [{"title": "Toy Story", "kind": "tagline", "angle": "Comedy", "text": "Toys, alive."},
         shared]
    )  # fmt: skip
    second = pd.DataFrame(
        [{"title": "Toy Story", "kind": "tagline", "angle": "Comedy", "text": "Toys toys toys."},
         shared]
    )  # fmt: skip
    paths = []
    for name, pieces in (("first", first), ("second", second)):
        pieces.to_json(tmp_path / f"{name}.jsonl", orient="records", lines=True)
        paths.append(f"{name}={tmp_path / f'{name}.jsonl'}")
    sheet_path = tmp_path / "blind.md"
    bench.main(["--blind", *paths, "--sheet", str(sheet_path)])
    sheet = sheet_path.read_text("utf-8")
    assert sheet.count("## ") == 3 and sheet.count("A crew, a signal.") == 1  # rated once
    key = json.loads(bench.key_path(sheet_path).read_text("utf-8"))
    number = {  # each piece's number on the sheet
        block.split("Piece: ")[1].split("\n")[0]: block.split(".")[0]
        for block in sheet.split("## ")[1:]
    }
    assert key[number["A crew, a signal."]] == ["first", "second"]
    assert key[number["Toys toys toys."]] == ["second"]
    verdicts = {"A crew, a signal.": "USABLE", "Toys, alive.": "USABLE", "Toys toys toys.": "NOT"}
    ratings = "".join(f"{number[text]}. {verdict} — ok — x\n" for text, verdict in verdicts.items())
    (tmp_path / "ratings.md").write_text(ratings, encoding="utf-8")
    table = bench.tally_by_writer(sheet_path, tmp_path / "ratings.md")
    assert table.loc["all", "first"] == 2 and table.loc["all", "second"] == 1
    assert table.loc["tagline"].to_dict() == {"first": 1, "second": 0, "all": 1}
    with pytest.raises(SystemExit, match="NAME=PIECES with an existing file"):
        bench.main(["--blind", "first=missing.jsonl", "--sheet", str(sheet_path)])
    with pytest.raises(SystemExit, match="--blind needs --sheet"):
        bench.main(["--blind", *paths])
