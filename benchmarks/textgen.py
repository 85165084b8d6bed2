"""Is the kit's trailer copy usable? Quality and speed of the copywriter with its defaults.

Run by hand (not part of the tests):

    python benchmarks/textgen.py                     # 20 films x 5 kinds x 2 viewers, 1 thread
    python benchmarks/textgen.py --show 40           # ... and print 40 pieces to read cold
    python benchmarks/textgen.py --decoding          # by-hand decoding vs model.generate (tokens/s)
    python benchmarks/textgen.py --no-veto           # the model alone: real-words veto switched off
    python benchmarks/textgen.py --viewers 40        # does the copy go each viewer's way?
    python benchmarks/textgen.py --show 40 --sheet s.md   # ... and a sheet for a blind reader
    python benchmarks/textgen.py --tally s.md ratings.md  # count the reader's verdicts by kind
    python benchmarks/textgen.py --show 40 --pieces a.jsonl   # keep one writer's pieces, then
    python benchmarks/textgen.py --blind a=a.jsonl b=b.jsonl --sheet s.md   # one blind sheet of
                                   # both writers' pieces; --tally then counts each writer's
    python benchmarks/textgen.py --show 20 --candidates 12 --every-candidate --sheet s.md
                                   # every candidate on the sheet: could a better choice help?
    python benchmarks/textgen.py --model smollm2-135m-instruct --show 40   # a pulled chat model
    python benchmarks/textgen.py --model FOLDER --examples 0   # ... asked without examples

The writer is ``TrailerCopywriter("kit")`` with its default decoding settings, the real-words
veto included (``--no-veto`` measures the model without it). ``--model`` measures another
model the writer can use (a pulled registry name or a saved folder); a chat model is shown
``--examples`` hand-written pieces before its brief (the writer's default, 2). Films are drawn
with a fixed seed, half from the films the model was trained on and half from the held-out
films (``textgen.split_of``); every film gets every kind the kit's model knows, for two viewers
with opposite tastes (read from their ratings). Measured, against the targets of the course:

- non-words: share of generated words that are neither English (``wordfreq``) nor from the
  catalogue, and share of pieces with at least one (targets <= 1 % and <= 5 %);
- wrong genre hashtags: share of pieces with a genre hashtag the film does not have (<= 2 %);
- prompt or header leaks (none);
- median seconds per piece, 8 candidates and their checks included (<= 1 s on 2 cores);
- share of the chosen pieces that pass ``check_copy`` (>= 90 %), and share of gibberish it
  rejects (all): lines of the kit's first model quoted in the course's bug report, and the
  chosen pieces with the letters of every long word scrambled;
- held-out bits per character of the kit's model beside a character n-gram model's, both
  recomputed on the copy of the held-out films (clearly below).

``--viewers N`` measures personalisation instead: N held-out films of two or more genres, each
written in every kind for a fan of its first genre and a fan of its second (same seed), with
guidance off (1) and at the writer's default. The angle judge (``textgen.kit_angle_judge``,
trained on the hand-written copy of the training films) says for each pair whether each piece
leans to its own viewer's angle more than the other piece does: 50 % is chance.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from cinelab.data.embedded import read_films, read_ratings
from cinelab.textgen import (
    Audience,
    DecodingSettings,
    TrailerCopywriter,
    check_copy,
    decoding,
    format_header,
    judge_viewers,
    kit_angle_judge,
    load_language_model,
    split_of,
    taste_profile,
)
from cinelab.textgen.checks import GENRE_HASHTAGS, HASHTAG, LATIN_WORD, non_words
from cinelab.textgen.copywriter import kit_knows
from cinelab.textgen.metrics import words
from cinelab.textgen.training import KIT_SETTINGS, KitCorpus, held_out_scores

KINDS = ("tagline", "voiceover", "social", "blurb", "continuation")
GIBBERISH = [  # what the kit's first model wrote (quoted in the course's bug report)
    ("Memories of Murder", "social", ("Memories of Murder, a cillionof. #Maying and a born to a"
                                      " san is the hired Partory. #Horror")),
    ("It Happened One Night", "blurb", ("It Happened One Night is the forest is the bearders."
                                        " The summer, a touble.")),
    ("Scarface", "voiceover", "Scarface is notes. #Horror"),
    ("Mary Poppins", "social", "Mary Poppinss and the silly night. #SciFi #MovieNight"),
]  # fmt: skip


# ---------------------------------------------------------------- what is written


def opposite_viewers(ratings: pd.DataFrame, films: pd.DataFrame) -> list[int]:
    """Two users with opposite tastes: the keenest horror fan and the keenest family viewer."""
    horror = films["genres"].str.contains("Horror")
    family = films["genres"].str.contains("Children|Animation|Musical")
    rated = ratings.merge(films[["item_id"]].assign(horror=horror, family=family), on="item_id")
    centred = rated["rating"] - rated.groupby("user_id")["rating"].transform("mean")
    keen = rated.assign(horror=centred * rated.horror, family=centred * rated.family)
    taste = keen.groupby("user_id")[["horror", "family"]].sum()  # (n_users, 2)
    horror_fan = int((taste.horror - taste.family).idxmax())
    family_fan = int((taste.family - taste.horror).idxmax())
    return [horror_fan, family_fan]


def benchmark_films(films: pd.DataFrame, n_films: int, seed: int) -> pd.DataFrame:
    """Half training films, half held-out films, drawn with a fixed seed."""
    split = [split_of(title, year) for title, year in zip(films.title, films.year)]
    films = films.assign(split=split)
    halves = [
        films[films.split == name].sample(n_films // 2, random_state=seed)
        for name in ("train", "validation")
    ]
    return pd.concat(halves, ignore_index=True)


def every_combination(films, viewers, kinds) -> list[tuple]:
    """Every (film, kind, viewer): the measured set."""
    return [(film, kind, viewer) for film in films.itertuples() for kind in kinds
            for viewer in viewers]  # fmt: skip


def cold_read_pool(films: pd.DataFrame, held_out: bool) -> pd.DataFrame:
    """The films with their split; with ``held_out``, only films the models never trained on."""
    films = films.assign(split=[split_of(t, y) for t, y in zip(films.title, films.year)])
    return films[films.split == "validation"] if held_out else films


def cold_read_jobs(films, ratings, kinds, n_pieces: int, seed: int) -> list[tuple]:
    """``n_pieces`` (film, kind, viewer) drawn at random: any film, any kind, any rater."""
    rng = np.random.default_rng(seed + 1)
    users = np.sort(ratings["user_id"].unique())
    chosen = films.iloc[rng.choice(len(films), n_pieces, replace=False)]
    return [(film, kinds[rng.integers(len(kinds))], int(rng.choice(users)))
            for film in chosen.itertuples()]  # fmt: skip


def write_pieces(writer, jobs, progress: bool) -> pd.DataFrame:
    """Write every (film, kind, viewer) job; each piece with its time and checks."""
    from tqdm.auto import tqdm

    first_film, first_kind, first_viewer = jobs[0]
    writer.write(int(first_film.item_id), first_viewer, first_kind)  # warm-up, not timed
    rows = []
    for film, kind, viewer in tqdm(jobs, disable=not progress, desc="writing"):
        started = time.perf_counter()
        piece = writer.write(int(film.item_id), viewer, kind)
        seconds = time.perf_counter() - started
        rows.append(
            {
                "title": film.title,
                "split": film.split,
                "genres": film.genres,
                "viewer": viewer,
                "kind": kind,
                "angle": piece.angle,
                "text": piece.text,
                "seconds": seconds,
                "passed": piece.checks.passed,
                "candidates": [candidate.text for candidate in piece.candidates],
                "failed": "; ".join(piece.checks.reasons()),
                "failed checks": [check.name for check in piece.checks.failed],
                "leak": not piece.checks["no prompt leak"].passed,
                **word_counts(piece.text, film),
                "wrong hashtag": has_wrong_genre_hashtag(piece.text, film.genres.split("|")),
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- measures


def word_counts(text: str, film) -> dict[str, int]:
    """Words in the text (hashtags left out) and how many are not words (check_copy's rule)."""
    own = words(" ".join([film.title, film.logline or "", film.tagline or ""]))
    counted = LATIN_WORD.findall(HASHTAG.sub(" ", text))
    return {"words": len(counted), "non-words": len(non_words(text, own))}


def has_wrong_genre_hashtag(text: str, genres: list[str]) -> bool:
    """A hashtag naming a genre the film does not have (#Horror on Mary Poppins)."""
    allowed = set().union(*(GENRE_HASHTAGS[genre] for genre in genres))
    every_genre = set().union(*GENRE_HASHTAGS.values())
    tags = {re.sub(r"[^a-z0-9]", "", tag.lower()) for tag in HASHTAG.findall(text)}
    return bool((tags & every_genre) - allowed)


def scrambled(text: str, rng: np.random.Generator) -> str:
    """The text with the inner letters of every word of 5+ letters shuffled ("tonight" -> "tgoniht")."""

    def shuffle(match: re.Match) -> str:
        word = match.group(0)
        inner = list(word[1:-1])
        rng.shuffle(inner)
        return word[0] + "".join(inner) + word[-1]

    return re.sub(r"[A-Za-z]{5,}", shuffle, text)


def gibberish_rejected(pieces: pd.DataFrame, films: pd.DataFrame, seed: int) -> tuple[int, int]:
    """(rejected, total) over the quoted gibberish and the scrambled chosen pieces.

    Gibberish that passes is printed: either the scramble made real words, or a check is blind.
    """
    by_title = films.drop_duplicates("title").set_index("title", drop=False)
    cases = [(by_title.loc[title], kind, text) for title, kind, text in GIBBERISH]
    rng = np.random.default_rng(seed)
    for piece in pieces.itertuples():
        garbled = scrambled(piece.text, rng)
        if garbled != piece.text:
            cases.append((by_title.loc[piece.title], piece.kind, garbled))
    passed = [text for film, kind, text in cases if check_copy(text, film, kind).passed]
    for text in passed:
        print(f"gibberish that passes check_copy: {text!r}")
    return len(cases) - len(passed), len(cases)


def summary(pieces: pd.DataFrame) -> dict[str, float]:
    return {
        "pieces": len(pieces),
        "non-words (share of words)": pieces["non-words"].sum() / pieces["words"].sum(),
        "pieces with a non-word": (pieces["non-words"] > 0).mean(),
        "pieces with a wrong genre hashtag": pieces["wrong hashtag"].mean(),
        "pieces with a prompt leak": int(pieces["leak"].sum()),
        "median seconds per piece": statistics.median(pieces["seconds"]),
        "chosen pieces passing check_copy": pieces["passed"].mean(),
    }


# ---------------------------------------------------------------- decoding speed (--decoding)


def best_seconds(run: Callable[[], object], repeats: int) -> float:
    """Best wall time of ``repeats`` calls after one warm-up call."""
    run()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def speed_cases(model, batch, no_stop, new_tokens: int) -> dict:
    """(by hand, ``model.generate``) pairs of calls with the same settings, for one batch."""
    settings = {"temperature": 0.8, "top_k": 50, "top_p": 0.9}
    return {
        "greedy": (
            lambda: decoding.greedy(model, batch, new_tokens, eos_token_id=[]),
            lambda: model.generate(batch, generation_config=no_stop, do_sample=False,
                                   max_new_tokens=new_tokens),
        ),
        "sample (T 0.8, top-k 50, top-p 0.9)": (
            lambda: decoding.sample(model, batch, new_tokens, seed=0, eos_token_id=[], **settings),
            lambda: model.generate(batch, generation_config=no_stop, do_sample=True,
                                   max_new_tokens=new_tokens, **settings),
        ),
    }  # fmt: skip


def decoding_speed(repeats: int, new_tokens: int) -> None:
    """Tokens/s of the by-hand decoders and of ``model.generate``, exactly ``new_tokens`` each;
    then loading the model, one sampled line, and a TrailerStudio Generate click."""
    from cinelab.widgets import TrailerStudio

    load = best_seconds(load_language_model, repeats)
    lm = load_language_model()
    no_stop = copy.deepcopy(lm.model.generation_config)
    no_stop.min_new_tokens = new_tokens  # end-of-text masked in generate, switched off by hand
    prompt = lm.encode(format_header("tagline", "Horror", "Alien", 1979))  # (1, prompt_length)
    print("| strategy | sequences | by hand tokens/s | generate tokens/s | by hand / generate |")
    print("|---|---:|---:|---:|---:|")
    for n_sequences in (1, 16):
        batch = prompt.repeat(n_sequences, 1)  # (n_sequences, prompt_length)
        for name, (by_hand, reference) in speed_cases(lm.model, batch, no_stop, new_tokens).items():
            mine, theirs = best_seconds(by_hand, repeats), best_seconds(reference, repeats)
            print(
                f"| {name} | {n_sequences} | {n_sequences * new_tokens / mine:.0f}"
                f" | {n_sequences * new_tokens / theirs:.0f} | {mine / theirs:.2f} |"
            )
    guidance_cost(lm, new_tokens, repeats)
    one_line = best_seconds(
        lambda: decoding.sample(lm.model, prompt, new_tokens, seed=0, eos_token_id=[]), repeats
    )
    studio = TrailerStudio(TrailerCopywriter(lm, seed=0))
    click = best_seconds(studio.generate_button.click, repeats)
    print(f"\nload the kit's model and tokenizer: {1000 * load:.0f} ms")
    print(f"one {new_tokens}-token line (sampling): {1000 * one_line:.0f} ms")
    print(
        f"TrailerStudio Generate click (candidates, checks, next-token view): {1000 * click:.0f} ms"
    )


def guidance_cost(lm, new_tokens: int, repeats: int) -> None:
    """The writer's 8 sampled candidates with and without guidance (own and contrast rows in
    one batch), exactly ``new_tokens`` each."""
    own, contrast = (
        lm.encode(format_header("tagline", angle, "An American Werewolf in London", 1981))
        for angle in ("Horror", "Comedy")
    )
    seconds = {
        scale: best_seconds(
            lambda scale=scale: decoding.sample_candidates(
                lm.model, own, 8, new_tokens, seed=0, eos_token_id=[],
                contrast_ids=contrast if scale != 1 else None, guidance=scale,
            ),
            repeats,
        )
        for scale in (1.0, 2.0)
    }  # fmt: skip
    print(
        f"\n8 candidates of {new_tokens} tokens: {1000 * seconds[1.0]:.0f} ms unguided,"
        f" {1000 * seconds[2.0]:.0f} ms guided ({seconds[2.0] / seconds[1.0]:.2f}x)"
    )


# ---------------------------------------------------------------- the cold read (--sheet, --tally)

SHEET_ENTRY = re.compile(r"^## (\d+)\. .*\n.*\nKind: (\w+);", re.MULTILINE)
SHEET_JOB = re.compile(r"^## (\d+)\. .*\n.*\n.*\nJob: (\d+)$", re.MULTILINE)
VERDICT = re.compile(r"^(\d+)\.\s*(USABLE|NOT)\b", re.MULTILINE)


def read_sheet(pieces: pd.DataFrame, films: pd.DataFrame) -> str:
    """The pieces with each film's facts, numbered, for a reader who rates them blind.

    With a ``job`` column, each entry also says which writing job it is a candidate of.
    """
    facts = films.drop_duplicates("title").set_index("title")
    entries = []
    for number, piece in enumerate(pieces.itertuples(), 1):
        film = facts.loc[piece.title]
        job = f"Job: {piece.job}\n" if "job" in pieces else ""
        entries.append(
            f"## {number}. {piece.title} ({film.year}) — genres: {film.genres.replace('|', ', ')}\n"
            f"Logline: {film.logline}\nKind: {piece.kind}; viewer's favourite angle: {piece.angle}\n"
            f"{job}Piece: {piece.text}\n"
        )
    return "\n".join(entries)


def blind_sheet(writers: dict[str, pd.DataFrame], seed: int) -> tuple[pd.DataFrame, dict]:
    """Several writers' pieces for the same jobs as one shuffled sheet, and its key.

    A piece two writers wrote alike (same film, kind, angle and text) is rated once and counts
    for both, so the reader sees each text once and cannot tell the writers apart. The key maps
    each sheet number to the writers of its piece.
    """
    entries: dict[tuple, list[str]] = {}
    for name, pieces in writers.items():
        for piece in pieces.itertuples():
            entries.setdefault((piece.title, piece.kind, piece.angle, piece.text), []).append(name)
    rows = list(entries.items())
    order = np.random.default_rng(seed).permutation(len(rows))
    sheet = pd.DataFrame([dict(zip(("title", "kind", "angle", "text"), rows[i][0])) for i in order])
    key = {number: rows[i][1] for number, i in enumerate(order, 1)}
    return sheet, key


def key_path(sheet_path) -> Path:
    """Where a blind sheet's key is kept: beside the sheet."""
    return Path(f"{sheet_path}.key.json")


def every_candidate(pieces: pd.DataFrame, seed: int) -> pd.DataFrame:
    """One row per candidate, numbered by job, shuffled within each job (the chosen one hidden)."""
    rng = np.random.default_rng(seed)
    rows = [
        {"job": job, "title": piece.title, "kind": piece.kind, "angle": piece.angle, "text": text}
        for job, piece in enumerate(pieces.itertuples(), 1)
        for text in rng.permutation(piece.candidates)
    ]
    return pd.DataFrame(rows)


def read_verdicts(sheet_path, ratings_path) -> pd.DataFrame:
    """One row per piece of a sheet: its ``number``, ``kind`` and whether the reader found it
    ``usable``. A piece without a verdict stops the count: a tally of part of a sheet misleads."""
    kinds = {int(n): kind for n, kind in SHEET_ENTRY.findall(Path(sheet_path).read_text("utf-8"))}
    verdicts = {int(n): v for n, v in VERDICT.findall(Path(ratings_path).read_text("utf-8"))}
    missing = sorted(set(kinds) - set(verdicts))
    if missing:
        raise SystemExit(f"{ratings_path} has no verdict for piece(s) {missing[:10]}.")
    return pd.DataFrame(
        [{"number": n, "kind": kind, "usable": verdicts[n] == "USABLE"} for n, kind in kinds.items()]
    )


def tally(sheet_path: str, ratings_path: str) -> pd.DataFrame:
    """Usable pieces by kind, from a sheet and a reader's verdicts (benchmarks/cold_read.md)."""
    rated = read_verdicts(sheet_path, ratings_path)
    table = rated.groupby("kind")["usable"].agg(pieces="size", usable="sum")
    jobs = {int(n): int(job) for n, job in SHEET_JOB.findall(Path(sheet_path).read_text("utf-8"))}
    if jobs:  # a sheet of every candidate: could a better choice among them have helped?
        rated["job"] = rated["number"].map(jobs)
        best = rated.groupby(["job", "kind"])["usable"].max().groupby("kind")
        table["jobs"] = best.size()
        table["jobs with a usable candidate"] = best.sum()
    table.loc["all"] = table.sum()
    return table.astype(int)


def tally_by_writer(sheet_path, ratings_path) -> pd.DataFrame:
    """Usable pieces of each writer of a blind sheet, by kind (the sheet's key says whose)."""
    key = json.loads(key_path(sheet_path).read_text("utf-8"))  # sheet number -> its writers
    rated = read_verdicts(sheet_path, ratings_path)
    rated["writer"] = rated["number"].astype(str).map(key)  # JSON keys are strings
    return rated.explode("writer").pivot_table(
        index="kind", columns="writer", values="usable", aggfunc="sum", margins=True,
        margins_name="all",
    ).astype(int)  # fmt: skip


# ---------------------------------------------------------------- main


def viewer_films(films: pd.DataFrame, n_films: int, seed: int) -> pd.DataFrame:
    """Held-out films whose first two genres the angle judge knows, drawn with a fixed seed."""
    known = set(kit_angle_judge().angles_)
    held_out = [
        split_of(title, year) == "validation" for title, year in zip(films.title, films.year)
    ]
    two_known = ["|" in genres and set(genres.split("|")[:2]) <= known for genres in films.genres]
    return films[np.array(held_out) & np.array(two_known)].sample(n_films, random_state=seed)


def personalisation(films: pd.DataFrame, kinds, n_films: int, seed: int, veto: bool) -> None:
    """Judge two genre fans' copy of each film, without guidance and with the default."""
    from tqdm.auto import tqdm

    chosen = viewer_films(films, n_films, seed)
    judge = kit_angle_judge()
    print("| guidance | pairs | judged right | pieces passing check_copy | median seconds |")
    print("|---:|---:|---:|---:|---:|")
    for guidance in sorted({1.0, DecodingSettings().guidance}):
        writer = TrailerCopywriter("kit", films=films, guidance=guidance, real_words=veto)
        right, passed, seconds = [], [], []
        for film in tqdm(list(chosen.itertuples()), desc=f"guidance {guidance}", leave=False):
            angle_a, angle_b = film.genres.split("|")[:2]
            for kind in kinds:
                pair = []
                for angle in (angle_a, angle_b):
                    started = time.perf_counter()
                    piece = writer.write(int(film.item_id), Audience(angle, (angle,)), kind)
                    seconds.append(time.perf_counter() - started)
                    passed.append(piece.checks.passed)
                    pair.append(piece.text)
                verdict = judge_viewers(judge, [pair[0]], [pair[1]], film.title, angle_a, angle_b)
                right.append(verdict.right)
        print(f"| {guidance:g} | {len(right)} | {np.mean(right):.1%} | {np.mean(passed):.1%} |"
              f" {statistics.median(seconds):.2f} |")  # fmt: skip


def film_count(text: str) -> int:
    """``--films``: an even number of at least 2, half of them held out."""
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 2 or count % 2:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an even number of at least 2 (half the films are held out)"
        )
    return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="1: stays fast on a busy CPU")
    parser.add_argument("--films", type=film_count, default=20, help="even: half held out")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, default=0, help="write and print pieces to read")
    parser.add_argument("--no-bpc", action="store_true", help="skip the bits-per-character part")
    parser.add_argument("--decoding", action="store_true", help="only the decoding speed table")
    parser.add_argument("--no-veto", action="store_true", help="switch the real-words veto off")
    parser.add_argument("--model", default="kit", help="kit, a pulled model or a model folder")
    parser.add_argument("--examples", type=int, default=None,
                        help="shown to a chat model first (default: 2, none with an adapter)")
    parser.add_argument("--adapter", default="auto",
                        help="auto (the kit's for a pulled model), none, or an adapter folder")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--new-tokens", type=int, default=40)
    parser.add_argument("--viewers", type=int, default=0, help="only personalisation, N films")
    parser.add_argument("--sheet", help="with --show: write the pieces as a cold-read sheet")
    parser.add_argument("--held-out", action="store_true",
                        help="with --show: draw the films from held-out films only")
    parser.add_argument("--candidates", type=int, default=8, help="the writer's candidates")
    parser.add_argument("--every-candidate", action="store_true",
                        help="with --sheet: every candidate of each piece, not the chosen one")  # fmt: skip
    parser.add_argument("--tally", nargs=2, metavar=("SHEET", "RATINGS"),
                        help="count a reader's verdicts on a sheet, by kind")  # fmt: skip
    parser.add_argument("--pieces", help="with --show: keep the pieces (JSON lines) for --blind")
    parser.add_argument("--blind", nargs="+", metavar="NAME=PIECES",
                        help="with --sheet: shuffle writers' kept pieces into one blind sheet")  # fmt: skip
    args = parser.parse_args(argv)
    if args.tally:
        print(tally(*args.tally).to_string())
        if key_path(args.tally[0]).exists():
            print("\nusable, by writer:\n" + tally_by_writer(*args.tally).to_string())
        return
    if args.blind:
        write_blind_sheet(args.blind, args.sheet, args.seed)
        return
    torch.set_num_threads(args.threads)
    if args.decoding:
        decoding_speed(args.repeats, args.new_tokens)
        return
    if args.viewers:
        lm = load_language_model()
        kinds = [kind for kind in KINDS if kit_knows(lm, kind)]
        personalisation(read_films(), kinds, args.viewers, args.seed, not args.no_veto)
        return

    films, ratings = read_films(), read_ratings()
    viewers = opposite_viewers(ratings, films)
    writer = TrailerCopywriter(
        args.model,
        films=films,
        ratings=ratings,
        real_words=not args.no_veto,
        adapter=None if args.adapter == "none" else args.adapter,
        examples=args.examples,
        n_candidates=args.candidates,
    )
    chosen_films = benchmark_films(films, args.films, args.seed)
    lm = writer.language_model
    asked = (
        f"{writer.examples_shown()} examples, adapter {lm.adapter.name if lm.adapter else 'none'}"
        if writer.is_chat
        else f"veto {'off' if args.no_veto else 'on'}"
    )
    print(f"torch {torch.__version__}, {args.threads} threads; model {writer.model_name}; {asked};")
    print(f"{len(chosen_films)} films ({(chosen_films.split == 'validation').sum()} held out)"
          " x 2 viewers x every kind the model was trained on")  # fmt: skip
    for viewer in viewers:
        print(f"  {taste_profile(ratings, films, viewer).describe()}")
    kinds = [kind for kind in KINDS if kit_knows(writer.language_model, kind)]
    pieces = write_pieces(writer, every_combination(chosen_films, viewers, kinds), progress=True)

    print("\n| measure | value |\n|---|---:|")
    for name, value in summary(pieces).items():
        shown = f"{value:.1%}" if isinstance(value, float) and value <= 1 and "seconds" not in name \
            else f"{value:.2f}" if isinstance(value, float) else f"{value}"  # fmt: skip
        print(f"| {name} | {shown} |")
    rejected, total = gibberish_rejected(pieces, films, args.seed)
    print(f"| gibberish rejected by check_copy | {rejected} of {total} |")
    print("\nby kind:")
    print(pieces.groupby("kind")[["passed", "seconds"]].agg({"passed": "mean", "seconds": "median"})
          .round(2).to_string())  # fmt: skip
    failures = pieces["failed checks"].explode().dropna()
    print("\nfailed checks among the chosen pieces:", failures.value_counts().to_dict())

    if not args.no_bpc and not writer.is_chat:  # scored on the kit's own prompts
        lm = writer.language_model
        scores = held_out_scores(
            lm.model, lm.tokenizer, KitCorpus.load(), KIT_SETTINGS["ngram_order"]
        )
        print(
            f"\nheld-out copy: {scores['bits_per_character']:.3f} bits per character (kit model),"
            f" {scores['ngram_bits_per_character']:.3f} (character"
            f" {KIT_SETTINGS['ngram_order']}-gram)"
        )
        print(
            f"the viewer's angle: the right one saves {scores['angle_gain_bits_per_character']:.4f}"
            f" bits per character (standard error {scores['angle_gain_standard_error']:.4f})"
        )
    if args.show:
        print(f"\n{args.show} pieces to read cold (random {'held-out ' * args.held_out}films,"
              " kinds and raters):")
        pool = cold_read_pool(films, args.held_out)
        jobs = cold_read_jobs(pool, ratings, kinds, args.show, args.seed)
        sample = write_pieces(writer, jobs, progress=False)
        print(f"{sample.passed.mean():.0%} pass check_copy")
        for piece in sample.itertuples():
            mark = "pass" if piece.passed else f"FAIL ({piece.failed})"
            print(f"- [{piece.title} | {piece.kind} | user {piece.viewer}, {piece.angle}] {piece.text}"
                  f"  [{mark}]")  # fmt: skip
        if args.pieces:
            sample.to_json(args.pieces, orient="records", lines=True, force_ascii=False)
        if args.sheet:
            rated = every_candidate(sample, args.seed) if args.every_candidate else sample
            Path(args.sheet).write_text(read_sheet(rated, films), encoding="utf-8")
            print(f"\ncold-read sheet for a reader: {args.sheet} (rubric: benchmarks/cold_read.md)")


def write_blind_sheet(specs: list[str], sheet_path: str | None, seed: int) -> None:
    """``--blind name=pieces.jsonl ...``: the writers' kept pieces as one sheet and its key."""
    if not sheet_path:
        raise SystemExit("--blind needs --sheet: where to write the blind sheet.")
    writers = {}
    for spec in specs:
        name, _, path = spec.partition("=")
        if not name or not path or not Path(path).is_file():
            raise SystemExit(f"--blind takes NAME=PIECES with an existing file, got {spec!r}.")
        writers[name] = pd.read_json(path, orient="records", lines=True)
    sheet, key = blind_sheet(writers, seed)
    Path(sheet_path).write_text(read_sheet(sheet, read_films()), encoding="utf-8")
    key_path(sheet_path).write_text(json.dumps(key, indent=0), encoding="utf-8")
    print(f"{len(sheet)} distinct pieces of {len(writers)} writers: {sheet_path}, key beside it")


if __name__ == "__main__":
    main()
