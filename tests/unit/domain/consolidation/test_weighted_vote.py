"""Worker-weighted vote, computed by hand on three objects."""

from __future__ import annotations

import numpy as np
import pytest

from shared.domain.consolidation import WeightedVote

# o1: a0 b0 c1 | o2: a1 b1 c0 | o3: a0 c1 (a tie for plain majority vote, so round 0 says 0)
OBJECTS = ["o1", "o1", "o1", "o2", "o2", "o2", "o3", "o3"]
WORKERS = ["a", "b", "c", "a", "b", "c", "a", "c"]
LABELS = [0, 0, 1, 1, 1, 0, 0, 1]


def test_agreement_weights_by_hand() -> None:
    wv = WeightedVote().fit_arrays(OBJECTS, WORKERS, LABELS, 2)
    # consensus 0, 1, 0: a agrees 3/3 -> 4/5, b 2/2 -> 3/4, c 0/3 -> 1/5; the next round changes nothing.
    assert wv.weights_ == pytest.approx({"a": 0.8, "b": 0.75, "c": 0.2})
    assert wv.n_rounds_ == 1
    assert wv.predict() == {"o1": 0, "o2": 1, "o3": 0}
    np.testing.assert_allclose(wv.predict_proba()["o1"], [1.55 / 1.75, 0.2 / 1.75])
    np.testing.assert_allclose(wv.predict_proba()["o3"], [0.8, 0.2])
    np.testing.assert_allclose(wv.confusions_["c"], [[0.2, 0.8], [0.8, 0.2]])  # one-coin matrix of the agreement
    np.testing.assert_allclose(wv.class_prior_, np.mean([wv.predict_proba()[o] for o in ("o1", "o2", "o3")], axis=0))


def test_log_odds_weights_by_hand() -> None:
    wv = WeightedVote(weighting="log_odds").fit_arrays(OBJECTS, WORKERS, LABELS, 2)
    assert wv.weights_["a"] == pytest.approx(np.log(4)) and wv.weights_["c"] == pytest.approx(np.log(0.25))
    p = 1 / (1 + np.exp(-2 * np.log(4)))  # o3: +log 4 for class 0 from a, -log 4 for class 1 from c
    np.testing.assert_allclose(wv.predict_proba()["o3"], [p, 1 - p])


def test_zero_rounds_is_plain_majority_vote_with_ties_to_the_smallest_class() -> None:
    wv = WeightedVote(n_rounds=0).fit_arrays(["x", "x", "y", "y", "y"], ["a", "b", "a", "b", "c"], [2, 1, 2, 2, 0], 3)
    assert wv.predict() == {"x": 1, "y": 2}
    np.testing.assert_allclose(wv.predict_proba()["y"], [1 / 3, 0, 2 / 3])


def test_equal_weights_tie_to_the_smallest_class() -> None:
    assert WeightedVote().fit_arrays(["x", "x"], ["a", "b"], [1, 0], 2).predict() == {"x": 0}


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        WeightedVote(n_rounds=-1)
    with pytest.raises(ValueError):
        WeightedVote(weighting="nope")  # type: ignore[arg-type]
