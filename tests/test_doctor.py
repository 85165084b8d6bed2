import os

import pytest

from cinelab import doctor
from cinelab.cli import main


def test_doctor_reports_a_status_for_every_check():
    results = doctor.run_checks()
    names = [what for _, what, _ in results]
    assert {"Python", "numpy", "torch", "widgets", "kernel", "embedded data", "data cache"} <= set(
        names
    )
    assert all(status in {"OK", "WARN", "FAIL"} for status, _, _ in results)
    assert all(
        status == "OK" for status, what, _ in results if what in {"Python", "numpy", "widgets"}
    )


def test_a_crashing_check_becomes_a_fail_line(monkeypatch):
    def broken():
        raise RuntimeError("disk on fire")
        yield  # pragma: no cover

    monkeypatch.setattr(doctor, "CHECKS", (broken,))
    assert doctor.run_checks() == [("FAIL", "broken", "RuntimeError: disk on fire")]


def test_doctor_command_exits_zero_when_all_is_well(capsys, monkeypatch):
    monkeypatch.setattr(doctor, "CHECKS", (doctor.check_python, doctor.check_packages))
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "[  OK] Python" in out and "All good" in out


def test_doctor_command_exits_one_on_failure(capsys, monkeypatch):
    monkeypatch.setattr(doctor, "REQUIRED_PACKAGES", ("numpy", "no-such-package-xyz"))
    monkeypatch.setattr(doctor, "CHECKS", (doctor.check_packages,))
    assert main(["doctor"]) == 1
    assert "[FAIL] no-such-package-xyz  not installed" in capsys.readouterr().out


def _line(check, name):
    return next(line for line in check() if line[1] == name)


def test_a_cache_path_that_is_a_regular_file_is_a_fail(tmp_path, monkeypatch):
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CINELAB_DATA_HOME", str(blocker))
    status, _, detail = _line(doctor.check_cache, "data cache")
    assert status == "FAIL" and "is a file, not a folder" in detail


def test_an_unwritable_cache_is_a_fail(tmp_path, monkeypatch):
    monkeypatch.setenv("CINELAB_DATA_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(doctor.os, "access", lambda path, mode: False)
    status, _, detail = _line(doctor.check_cache, "data cache")
    assert status == "FAIL" and "not writable" in detail


def test_a_cache_folder_is_ok(tmp_path, monkeypatch):
    monkeypatch.setenv("CINELAB_DATA_HOME", str(tmp_path))
    assert _line(doctor.check_cache, "data cache")[0] == "OK"


@pytest.mark.parametrize(
    ("value", "on"), [("true", True), ("TRUE", True), ("1", True), ("yes", True), ("0", False)]
)
def test_hf_hub_offline_is_read_the_way_the_rest_of_the_kit_reads_it(monkeypatch, value, on):
    monkeypatch.setenv("HF_HUB_OFFLINE", value)
    status, _, detail = _line(doctor.check_offline, "offline mode")
    assert status == "OK" and (" is on" in detail) == on


def test_an_unreadable_hf_hub_offline_value_is_a_fail_naming_the_words(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "maybe")
    status, _, detail = _line(doctor.check_offline, "offline mode")
    assert status == "FAIL" and "HF_HUB_OFFLINE='maybe'" in detail and "'true'" in detail


@pytest.mark.parametrize("hardware, says", [(True, "uses it"), (False, "trains in float32")])
def test_the_cpu_line_says_how_train_lm_will_train_here(monkeypatch, hardware, says):
    from cinelab.textgen import training

    monkeypatch.setattr(training, "fast_bfloat16", lambda: hardware)
    [(status, what, detail)] = list(doctor.check_cpu())
    assert (status, what) == ("OK", "CPU") and says in detail
    assert f"{os.cpu_count()} cores" in detail
