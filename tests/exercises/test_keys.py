"""Hashed keys: robust to rounding and float noise, salted per exercise, never the answer."""

import json
import re
import runpy

import numpy as np
import pytest

from cinelab.exercises import keys


def test_float_noise_does_not_change_the_hash():
    expected = np.array([1 / 3, 2 / 3, 0.123456789])
    accepted = keys.accepted_hashes("09.1", expected, decimals=3)
    assert keys.rounded_hash("09.1", expected + 1e-9, 3) in accepted
    assert keys.rounded_hash("09.1", expected.astype(np.float32), 3) in accepted


def test_values_near_a_rounding_boundary_accept_both_roundings():
    accepted = keys.accepted_hashes("09.1", 0.12349, decimals=3)  # 123.49: next to 123.5
    assert keys.rounded_hash("09.1", 0.123, 3) in accepted
    assert keys.rounded_hash("09.1", 0.124, 3) in accepted
    assert keys.rounded_hash("09.1", 0.125, 3) not in accepted


def test_a_value_far_from_a_boundary_has_a_single_rounding():
    accepted = keys.accepted_hashes("09.1", 0.1232, decimals=3)
    assert accepted == [keys.rounded_hash("09.1", 0.123, 3)]
    assert keys.rounded_hash("09.1", 0.124, 3) not in accepted


def test_hand_typed_four_decimals_pass_for_a_scalar():
    accepted = keys.accepted_hashes("09.1", 0.43326342, decimals=3)
    assert keys.rounded_hash("09.1", 0.4333, 3) in accepted
    assert keys.rounded_hash("09.1", 0.433, 3) in accepted


def test_the_same_answer_hashes_differently_in_each_exercise():
    assert keys.digest("01.1", "[3]:1,2,3") != keys.digest("01.2", "[3]:1,2,3")
    assert len(keys.digest("01.1", "x")) == keys.HASH_CHARS


def test_shape_is_part_of_the_hash():
    flat = keys.rounded_hash("09.1", np.array([1.0, 2.0, 3.0, 4.0]), 3)
    square = keys.rounded_hash("09.1", np.array([[1.0, 2.0], [3.0, 4.0]]), 3)
    assert flat != square


def test_value_key_stores_variants_but_not_the_answer():
    key = keys.value_key("09.1", np.array([[0.4333, 0.9], [0.1, 0.25]]), decimals=3)
    assert "." not in json.dumps(key)  # no number of the answer, only hashes and the shape
    assert set(key["variants"]) == {"times_two", "half", "percent", "negated", "transposed"}
    assert (
        keys.rounded_hash("09.1", np.array([[0.8666, 1.8], [0.2, 0.5]]), 3)
        in (key["variants"]["times_two"])
    )


def test_a_variant_equal_to_the_answer_is_dropped():
    key = keys.value_key("09.1", np.zeros(3), decimals=3)  # -0 == 0 == 2 * 0
    assert key["variants"] == {}
    symmetric = keys.value_key("09.1", np.array([[1.0, 0.5], [0.5, 1.0]]), decimals=3)
    assert "transposed" not in symmetric["variants"]


def test_too_many_boundary_values_are_refused():
    on_boundaries = np.full(12, 0.1235)  # every value sits on a rounding boundary
    with pytest.raises(ValueError, match="rounding boundaries"):
        keys.accepted_hashes("09.1", on_boundaries, decimals=3)


def test_non_finite_expected_answers_are_refused():
    with pytest.raises(ValueError, match="finite"):
        keys.value_key("09.1", np.array([1.0, np.nan]), decimals=3)


def test_shipped_keys_hold_hashes_and_shapes_only():
    hexes = re.compile(f"^[0-9a-f]{{{keys.HASH_CHARS}}}$")

    def strings_and_numbers(node, path=()):
        if isinstance(node, dict):
            for name, child in node.items():
                yield from strings_and_numbers(child, (*path, name))
        elif isinstance(node, list):
            for child in node:
                yield from strings_and_numbers(child, path)
        else:
            yield path, node

    shipped = keys.load_keys()
    assert shipped, "no keys recorded"
    for path, value in strings_and_numbers(shipped):
        if path[-1] in ("shape", "decimals"):
            assert isinstance(value, int)
        elif path[-1] == "kind":
            assert value in ("value", "choice")
        else:
            assert isinstance(value, str) and hexes.match(value), (path, value)


def test_keys_module_round_trips(tmp_path):
    some_keys = {
        "09.1": keys.value_key("09.1", [0.5, 0.25], 3),
        "09.2": keys.choice_key("09.2", "b"),
    }
    target = tmp_path / "_keys.py"
    keys.write_keys_module(some_keys, target)
    assert runpy.run_path(str(target))["KEYS"] == some_keys
    assert max(len(line) for line in target.read_text().splitlines()) <= 100


def test_record_mode_merges_a_key_with_earlier_mistakes(tmp_path):
    path = tmp_path / "keys.json"
    keys.record(path, "09.1", mistake=("forgot_sqrt", ["aaaa"]))
    keys.record(path, "09.1", key=keys.value_key("09.1", 0.5, 3))
    stored = json.loads(path.read_text())["09.1"]
    assert stored["variants"]["forgot_sqrt"] == ["aaaa"]
    assert stored["accept"] == keys.accepted_hashes("09.1", 0.5, 3)
