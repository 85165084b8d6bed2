"""The one command line: `cinelab bench`, `python -m cinelab`, and `cinelab data check|checksums`
(the model's and the corpus's SHA-256 against data/checksums.csv)."""

import subprocess
import sys

import pytest

from cinelab import cli
from cinelab.config import data_dir
from cinelab.data.checksums import MANIFEST, check_manifest, manifest_of, write_manifest


def test_python_dash_m_cinelab_is_the_cinelab_command():
    result = subprocess.run(
        [sys.executable, "-m", "cinelab", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0
    for command in ("doctor", "data", "models", "train-lm", "bench", "student-version"):
        assert command in result.stdout


def test_bench_is_a_cinelab_subcommand(monkeypatch):
    seen = []
    monkeypatch.setattr("cinelab.bench.run_cf", lambda args: seen.append(args) or 0)
    assert cli.main(["bench", "cf", "--data", "cinelab", "--folds", "3"]) == 0
    assert (seen[0].data, seen[0].folds) == ("cinelab", 3)
    with pytest.raises(SystemExit):
        cli.main(["bench", "cf"])  # --data is required


def test_the_shipped_model_and_corpus_match_their_checksums():
    problems = check_manifest(data_dir())
    assert not problems, "run `cinelab data checksums` after retraining:\n" + "\n".join(problems)
    listed = set(manifest_of(data_dir())["path"])
    assert "models/trailer-gpt/model.safetensors" in listed
    assert "corpus/trailer_copy.tsv" in listed


@pytest.fixture
def kit_folder(tmp_path):
    (tmp_path / "models" / "tiny").mkdir(parents=True)
    (tmp_path / "corpus").mkdir()
    (tmp_path / "models" / "tiny" / "weights.bin").write_bytes(b"\x00\x01\x02")
    (tmp_path / "corpus" / "copy.tsv").write_text("title\tline\n", encoding="utf-8")
    (tmp_path / "films.csv").write_text("not covered\n", encoding="utf-8")
    write_manifest(tmp_path)
    return tmp_path


def test_a_fresh_manifest_lists_every_covered_file_with_its_sha256(kit_folder):
    manifest = manifest_of(kit_folder)
    assert list(manifest["path"]) == ["corpus/copy.tsv", "models/tiny/weights.bin"]
    # sha256 of b"\x00\x01\x02", computed independently with `sha256sum`
    expected = "ae4b3280e56e2faf83f414a6e3dabe9d5fbe18976544c05fed121accb85b53fc"
    assert manifest.set_index("path").at["models/tiny/weights.bin", "sha256"] == expected
    assert check_manifest(kit_folder) == []


def test_changed_missing_and_new_files_are_each_named(kit_folder):
    (kit_folder / "models" / "tiny" / "weights.bin").write_bytes(b"\x00\x01\x03")
    (kit_folder / "corpus" / "copy.tsv").unlink()
    (kit_folder / "models" / "tiny" / "extra.json").write_text("{}", encoding="utf-8")
    problems = check_manifest(kit_folder)
    assert len(problems) == 3
    assert any(p.startswith("corpus/copy.tsv: listed") and "missing" in p for p in problems)
    assert any(p.startswith("models/tiny/extra.json: not listed") for p in problems)
    assert any(p.startswith("models/tiny/weights.bin: SHA-256") for p in problems)


def test_a_missing_manifest_says_how_to_write_it(tmp_path):
    (tmp_path / "models").mkdir()
    assert check_manifest(tmp_path) == [
        f"{tmp_path / MANIFEST} is missing: run `cinelab data checksums` to write it."
    ]


def test_data_check_reports_checksum_problems_and_fails(kit_folder, monkeypatch, capsys):
    monkeypatch.setattr("cinelab.data.embedded.EMBEDDED_DIR", kit_folder)
    monkeypatch.setattr("cinelab.data.embedded.read_films", lambda: None)
    monkeypatch.setattr("cinelab.data.synth.write_or_check", lambda path, films, check: 0)
    assert cli.main(["data", "check"]) == 0
    assert "every SHA-256 matches" in capsys.readouterr().out
    (kit_folder / "corpus" / "copy.tsv").write_text("edited\n", encoding="utf-8")
    assert cli.main(["data", "check"]) == 1
    assert "corpus/copy.tsv: SHA-256" in capsys.readouterr().out
    assert cli.main(["data", "checksums"]) == 0
    assert cli.main(["data", "check"]) == 0
