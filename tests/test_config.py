"""The one configuration module: every yes/no variable parsed the same way, data found anywhere."""

import io

import pytest

from cinelab import config, progress


@pytest.mark.parametrize("value", ["1", "true", "TRUE", " yes ", "on"])
def test_hf_offline_accepts_every_true_spelling(monkeypatch, value):
    monkeypatch.setenv("HF_HUB_OFFLINE", value)
    assert config.hf_offline() is True


@pytest.mark.parametrize("value", ["0", "false", "No", "off", ""])
def test_hf_offline_accepts_every_false_spelling(monkeypatch, value):
    monkeypatch.setenv("HF_HUB_OFFLINE", value)
    assert config.hf_offline() is False


def test_unrecognised_flag_value_is_an_error_naming_the_variable(monkeypatch):
    monkeypatch.setenv("CINELAB_PRESENTER", "maybe")
    with pytest.raises(ValueError, match="CINELAB_PRESENTER='maybe'"):
        config.presenter_mode()


def test_path_settings_expand_home_and_treat_empty_as_unset(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CINELAB_DATA_HOME", "~/movielens")
    assert config.data_home() == tmp_path / "movielens"
    monkeypatch.setenv("CINELAB_DATA_HOME", "  ")
    assert config.data_home() is None


def test_progress_file_empty_means_memory_only(monkeypatch, tmp_path):
    monkeypatch.delenv("CINELAB_PROGRESS_FILE", raising=False)
    assert config.progress_file_setting() == (False, None)
    monkeypatch.setenv("CINELAB_PROGRESS_FILE", "")
    assert config.progress_file_setting() == (True, None)
    monkeypatch.setenv("CINELAB_PROGRESS_FILE", str(tmp_path / "p.json"))
    assert config.progress_file_setting() == (True, tmp_path / "p.json")


def test_data_dir_of_a_checkout_holds_the_kit_files():
    assert (config.data_dir() / "films.csv").is_file()
    assert (config.data_dir() / "ratings.csv").is_file()


class _Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self._tty = tty

    def isatty(self):
        return self._tty


def test_progress_bars_show_in_a_terminal_and_hide_in_logs(monkeypatch):
    monkeypatch.delenv("CINELAB_PROGRESS", raising=False)
    monkeypatch.setattr(config, "_in_jupyter_kernel", lambda: False)
    monkeypatch.setattr("sys.stderr", _Stream(tty=True))
    assert config.show_progress() is True
    monkeypatch.setattr("sys.stderr", _Stream(tty=False))
    assert config.show_progress() is False
    monkeypatch.setenv("CINELAB_PROGRESS", "1")
    assert config.show_progress() is True


def test_progress_bar_writes_nothing_to_a_log(monkeypatch):
    monkeypatch.delenv("CINELAB_PROGRESS", raising=False)
    monkeypatch.setattr(config, "_in_jupyter_kernel", lambda: False)
    log = _Stream(tty=False)
    monkeypatch.setattr("sys.stderr", log)
    assert sum(progress.progress_bar(range(5), desc="work", file=log)) == 10
    assert log.getvalue() == ""
    shown = _Stream(tty=False)
    list(progress.progress_bar(range(5), desc="work", file=shown, show=True))
    assert "work" in shown.getvalue()
