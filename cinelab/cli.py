"""The `cinelab` command line: `cinelab doctor | data | train-lm | models | bench | student-version`.

Also `python -m cinelab ...` (see `cinelab.__main__`).

Each sub-command lives next to the code it drives; this module only wires them up,
importing lazily so `cinelab doctor` answers quickly even when torch is slow to import.
"""

from __future__ import annotations

import argparse
import sys


def _add_doctor(sub) -> None:
    parser = sub.add_parser("doctor", help="check that this machine can run the kit")
    parser.set_defaults(run=lambda args: __import__("cinelab.doctor").doctor.main())


def _add_train_lm(sub) -> None:
    parser = sub.add_parser(
        "train-lm",
        help="retrain the trailer-copy tokenizer and GPT (2-3 hours on 2 cores)",
        description="Retrain the kit's trailer-copy model from the corpus. Without --output it"
        " writes to ~/.cache/cinelab/trailer-gpt and never touches the shipped model;"
        " `--output data/models/trailer-gpt` reproduces the shipped one. It trains in bfloat16"
        " where the CPU has it in hardware (`cinelab doctor` says), otherwise in float32."
        " With --adapter NAME it instead teaches a pulled chat model the kit's grounded copy"
        " (a LoRA adapter on its top blocks, about an hour on 2 cores for"
        " smollm2-135m-instruct);"
        " `--output data/models/copy-adapter-NAME` runs the shipped adapter's recipe (the shipped"
        " one learned the grounded copy's first set, the only one then).",
    )
    parser.add_argument("--epochs", type=int, default=None, help="passes over the corpus")
    parser.add_argument(
        "--adapter", metavar="NAME", default=None,
        help="train a copy adapter for this pulled chat model (or model folder) instead",
    )  # fmt: skip
    parser.add_argument("--steps", type=int, default=None, help="adapter training steps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for PyTorch")
    parser.add_argument(
        "--output", default=None, help="folder (default: ~/.cache/cinelab/trailer-gpt)"
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue from OUTPUT/checkpoint.pt after a stop"
    )

    def run(args):
        from cinelab.textgen.training import check_train_lm_options, run_train_lm

        check_train_lm_options(args)
        if args.adapter:
            from cinelab.textgen.copy_tuning import run_train_adapter

            return run_train_adapter(args)
        return run_train_lm(args)

    parser.set_defaults(run=run)


def _add_student_version(sub) -> None:
    parser = sub.add_parser(
        "student-version", help="write the student release of the exercise notebooks"
    )
    parser.add_argument("--source", default="exercises", help="folder of the source notebooks")
    parser.add_argument("--out", default=None, help="release folder (default: SOURCE/student)")
    parser.add_argument(
        "--check", action="store_true", help="only report whether the release is up to date"
    )

    def run(args):
        from cinelab.exercises.student import run as write_release

        return write_release(args)

    parser.set_defaults(run=run)


def _add_data(sub) -> None:
    parser = sub.add_parser(
        "data",
        help="regenerate or check the embedded ratings, and the model's and corpus's checksums",
    )
    parser.add_argument(
        "action",
        choices=["generate", "check", "checksums"],
        help="generate: rewrite ratings.csv; check: ratings and checksums are as shipped;"
        " checksums: rewrite checksums.csv after retraining the model or editing the corpus",
    )

    def run(args) -> int:
        from cinelab.data.checksums import check_manifest, write_manifest
        from cinelab.data.embedded import EMBEDDED_DIR, read_films
        from cinelab.data.synth import write_or_check

        if args.action == "checksums":
            print(f"wrote {write_manifest(EMBEDDED_DIR)}")
            return 0
        check = args.action == "check"
        status = write_or_check(EMBEDDED_DIR / "ratings.csv", read_films(), check=check)
        if not check:
            return status
        problems = check_manifest(EMBEDDED_DIR)
        for problem in problems:
            print(problem)
        if not problems:
            print("model and corpus: every SHA-256 matches checksums.csv")
        return status or int(bool(problems))

    parser.set_defaults(run=run)


def _add_bench(sub) -> None:
    parser = sub.add_parser("bench", help="benchmarks: recommenders vs Surprise on MovieLens")
    benchmarks = parser.add_subparsers(dest="benchmark", required=True)
    cf = benchmarks.add_parser("cf", help="collaborative filtering vs Surprise (k-fold)")
    cf.add_argument("--data", required=True, help="a MovieLens folder or zip, or 'cinelab'")
    cf.add_argument("--folds", type=int, default=5, help="number of folds")

    def run(args) -> int:
        from cinelab.bench import run_cf

        return run_cf(args)

    cf.set_defaults(run=run)


def _add_models(sub) -> None:
    parser = sub.add_parser("models", help="pretrained models: list what is cached, pull one")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="the registry's models and whether each is cached")
    pull = actions.add_parser("pull", help="download a model, check every file's SHA-256")
    pull.add_argument("name", help="a name from `cinelab models list`")
    pull.add_argument("--endpoint", default=None, help="a mirror (default: the Hugging Face Hub)")

    def run(args) -> int:
        from cinelab.textgen.pretrained import run_models_command

        return run_models_command(args)

    parser.set_defaults(run=run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cinelab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    _add_doctor(sub)
    _add_data(sub)
    _add_train_lm(sub)
    _add_models(sub)
    _add_bench(sub)
    _add_student_version(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
