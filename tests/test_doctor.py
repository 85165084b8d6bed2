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
