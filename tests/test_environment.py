"""The conda route and the pip route must install the same things."""

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"pytorch": "torch"}
NOT_RUNTIME = {"python", "pip"}


def _pip_name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].lower()


def _environment():
    return yaml.safe_load((REPO / "environment.yml").read_text())


def test_environment_yml_names_the_same_packages_as_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pip_names = {_pip_name(r) for r in project["dependencies"]}
    conda_specs = [d for d in _environment()["dependencies"] if isinstance(d, str)]
    conda_names = {CONDA_TO_PIP.get(s.split("=")[0], s.split("=")[0]) for s in conda_specs}
    assert conda_names - NOT_RUNTIME == pip_names


def test_environment_yml_pins_major_minor_from_conda_forge_only():
    env = _environment()
    assert env["channels"] == ["conda-forge"]
    for spec in (d for d in env["dependencies"] if isinstance(d, str)):
        assert re.fullmatch(r"[a-z0-9_-]+=\d+(\.\d+)?", spec), spec


def test_environment_yml_installs_the_kit_with_pip():
    pip_section = next(d["pip"] for d in _environment()["dependencies"] if isinstance(d, dict))
    assert "--editable ." in pip_section


def test_torch_is_pinned_exactly():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert "torch==2.13.0" in project["dependencies"]
