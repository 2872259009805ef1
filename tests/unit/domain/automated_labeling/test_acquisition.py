"""Uncertainty measures by hand, and the order items go to people in."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shared.domain.automated_labeling import STRATEGIES, select_uncertain, uncertainty

# Row 0 is a coin flip between two classes, row 1 is spread over three: the strategies disagree on which is worse.
ROWS = np.array([[0.5, 0.5, 0.0], [0.4, 0.3, 0.3], [0.9, 0.05, 0.05], [1.0, 0.0, 0.0]])


def test_least_confidence() -> None:
    np.testing.assert_allclose(uncertainty(ROWS, "least-confidence"), [0.5, 0.6, 0.1, 0.0])
    assert select_uncertain(ROWS, 4, "least-confidence").tolist() == [1, 0, 2, 3]


def test_margin() -> None:
    # 1 - (p1 - p2): 1 - 0, 1 - 0.1, 1 - 0.85, 1 - 1
    np.testing.assert_allclose(uncertainty(ROWS, "margin"), [1.0, 0.9, 0.15, 0.0])
    assert select_uncertain(ROWS, 4, "margin").tolist() == [0, 1, 2, 3]


def test_entropy() -> None:
    expected = [math.log(2), -(0.4 * math.log(0.4) + 0.6 * math.log(0.3)),
                -(0.9 * math.log(0.9) + 0.1 * math.log(0.05)), 0.0]
    np.testing.assert_allclose(uncertainty(ROWS, "entropy"), expected)  # zeros count as 0 log 0 = 0, no warning
    assert select_uncertain(ROWS, 4, "entropy").tolist() == [1, 0, 2, 3]
    np.testing.assert_allclose(uncertainty(np.full((1, 5), 0.2), "entropy"), [math.log(5)])


def test_a_single_class_is_never_uncertain() -> None:
    for strategy in STRATEGIES:
        np.testing.assert_array_equal(uncertainty(np.ones((3, 1)), strategy), np.zeros(3))


def test_ties_go_by_lower_index_and_count_limits() -> None:
    probabilities = np.array([[0.9, 0.1], [0.6, 0.4], [0.9, 0.1], [0.6, 0.4], [0.5, 0.5]])
    for strategy in STRATEGIES:
        assert select_uncertain(probabilities, 10, strategy).tolist() == [4, 1, 3, 0, 2]
        assert select_uncertain(probabilities, 2, strategy).tolist() == [4, 1]
        assert select_uncertain(probabilities, 0, strategy).tolist() == []


def test_no_items() -> None:
    assert select_uncertain(np.zeros((0, 3)), 5, "entropy").tolist() == []


def test_unknown_strategy_names_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match="least-confidence, margin, entropy"):
        uncertainty(ROWS, "random")
    with pytest.raises(ValueError, match="least-confidence"):
        select_uncertain(ROWS, 1, "max-entropy")


@pytest.mark.parametrize("probabilities", [
    np.array([0.5, 0.5]), np.array([[0.5, 0.6]]), np.array([[1.2, -0.2]]), np.array([[np.nan, 1.0]]), np.zeros((2, 0)),
])
def test_bad_probabilities(probabilities: np.ndarray) -> None:
    with pytest.raises(ValueError):
        uncertainty(probabilities, "margin")


def test_bad_count() -> None:
    with pytest.raises(ValueError):
        select_uncertain(ROWS, -1, "margin")
