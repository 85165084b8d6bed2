"""FeedbackLoopSimulator: it shows exactly what the simulation measured, run after run."""

import pandas as pd
import pytest

from cinelab import recsys
from cinelab.data import Dataset
from cinelab.recsys.simulation import simulate_feedback_loop
from cinelab.widgets.feedback_loop import FeedbackLoopSimulator, render_summary
from tests.widgets.tiny_data import tiny_dataset

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def dataset():
    return tiny_dataset()


@pytest.fixture
def simulator(dataset):
    return FeedbackLoopSimulator(dataset, algorithm="Popularity", rounds=2, n_users=20, seed=3)


def test_empty_plot_before_any_run(simulator):
    assert bytes(simulator.plot.value).startswith(PNG_SIGNATURE)
    assert simulator.results.empty and simulator.summary.value == ""


def test_a_run_shows_exactly_the_simulations_rounds(simulator, dataset):
    before = simulator.plot.value
    simulator.run()
    expected = simulate_feedback_loop(
        dataset.ratings, dataset.truth, recsys.Popularity, rounds=2, n_users=20, seed=3,
        progress=False,
    )  # fmt: skip
    shown = simulator.results.drop(columns="run")
    pd.testing.assert_frame_equal(shown, expected, check_dtype=False)
    assert set(simulator.results["run"]) == {"Popularity, ε=0.00"}
    assert simulator.plot.value != before and bytes(simulator.plot.value).startswith(PNG_SIGNATURE)
    assert simulator.progress.value == simulator.progress.max == 2
    assert "Popularity, ε=0.00" in simulator.summary.value
    assert "2 rounds in" in simulator.status.value


def test_runs_accumulate_for_comparison_and_clear_forgets_them(simulator):
    simulator.run()
    simulator.exploration.value = 0.5
    simulator.algorithm.value = "Item-KNN"
    simulator.run_button.click()
    assert list(simulator.results["run"].unique()) == ["Popularity, ε=0.00", "Item-KNN, ε=0.50"]
    assert simulator.summary.value.count("cinelab-feedback-row") == 2
    simulator.clear_button.click()
    assert simulator.results.empty and simulator.summary.value == ""


def test_repeating_a_run_gets_its_own_line(simulator):
    simulator.run()
    simulator.run()
    assert list(simulator.results["run"].unique()) == [
        "Popularity, ε=0.00",
        "Popularity, ε=0.00 (run 2)",
    ]
    assert list(simulator.results["round"]) == [1, 2, 1, 2]


def test_summary_shows_first_and_last_round():
    results = pd.DataFrame(
        {"run": ["A", "A"], "round": [1, 2], "rmse": [1.0, 0.5], "coverage": [0.1, 0.2],
         "gini": [0.9, 0.8], "head_share": [0.7, 0.75]}
    )  # fmt: skip
    summary = render_summary(results)
    assert "1.000 → 0.500" in summary and "0.700 → 0.750" in summary


def test_dataset_without_true_tastes_is_refused(dataset):
    no_truth = Dataset("real", dataset.ratings, dataset.items)
    with pytest.raises(ValueError, match="needs simulated people with known tastes"):
        FeedbackLoopSimulator(no_truth)


def test_unknown_algorithm_is_refused(dataset):
    with pytest.raises(ValueError, match="unknown algorithm 'Magic'"):
        FeedbackLoopSimulator(dataset, algorithm="Magic")
