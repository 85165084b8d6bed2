"""The `cinelab` command line: `cinelab doctor | data ... | train-lm | student-version`.

Each sub-command lives next to the code it drives; this module only wires them up,
importing lazily so `cinelab doctor` answers quickly even when torch is slow to import.
"""

from __future__ import annotations

import argparse
import sys


def _add_doctor(sub) -> None:
    parser = sub.add_parser("doctor", help="check that this machine can run the kit")
    parser.set_defaults(run=lambda args: __import__("cinelab.doctor").doctor.main())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cinelab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    _add_doctor(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
