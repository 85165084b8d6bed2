"""The make targets a student and an instructor type do what the README says (dry runs)."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry_run(*arguments: str) -> str:
    # -o treats the install stamp as up to date as fresh so the dry run prints only the target's own command
    result = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", *arguments],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return result.stdout


def test_lab_opens_the_repository_so_exercises_are_reachable():
    command = dry_run("lab")
    assert "--notebook-dir=." in command
    assert (ROOT / "exercises").is_dir() and (ROOT / "notebooks").is_dir()


@pytest.mark.parametrize(
    ("arguments", "port"),
    [((), "8866"), (("DEMO_PORT=9001",), "9001"), (("ARGS=--port=9002",), "9002")],
)
def test_demo_passes_exactly_one_port(arguments, port):
    command = dry_run("demo", *arguments)
    assert command.count("--port") == 1
    assert f"--port={port}" in command


def test_ci_installs_the_browser_before_the_tests_and_requires_it():
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.index("make browser") < ci.index("make test")
    assert "CINELAB_REQUIRE_BROWSER=1" in ci
    conftest = (ROOT / "tests" / "browser" / "conftest.py").read_text()
    assert "apt-get install -y" not in conftest
