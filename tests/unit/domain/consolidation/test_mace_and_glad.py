"""MACE and GLAD on a synthetic crowd with a constant-answer spammer and a random clicker."""

from __future__ import annotations

import numpy as np
import pytest

from shared.domain.consolidation import GLAD, MACE, WeightedVote
from tests.unit.domain.consolidation.synthetic import crowd


def accuracy(model, truth: np.ndarray) -> float:  # noqa: ANN001
    pred = model.predict()
    return float(np.mean([pred[i] == t for i, t in enumerate(truth)]))


def test_mace_finds_the_spammers_and_beats_the_vote() -> None:
    objects, workers, labels, truth = crowd()
    mace = MACE().fit_arrays(objects, workers, labels, 3)
    assert mace.competence_["good1"] > 0.6 > mace.competence_["random"]
    assert mace.competence_["always0"] < 0.5
    assert mace.spam_distribution_["always0"][0] > 0.9
    assert accuracy(mace, truth) >= accuracy(WeightedVote(n_rounds=0).fit_arrays(objects, workers, labels, 3), truth)
    np.testing.assert_allclose(mace.confusion_.sum(axis=2), 1.0)


def test_mace_confusion_is_competence_plus_spam() -> None:
    theta, xi = np.array([0.8]), np.array([[0.5, 0.3, 0.2]])
    np.testing.assert_allclose(MACE.confusion(theta, xi)[0], [[0.9, 0.06, 0.04], [0.1, 0.86, 0.04],
                                                                [0.1, 0.06, 0.84]])


def test_glad_ranks_workers_by_ability() -> None:
    objects, workers, labels, truth = crowd()
    glad = GLAD().fit_arrays(objects, workers, labels, 3)
    assert glad.ability_["good1"] > glad.ability_["random"]
    assert glad.ability_["good1"] > glad.ability_["always0"]
    assert accuracy(glad, truth) >= 0.85
    assert all(d > 0 for d in glad.difficulty_.values())


@pytest.mark.parametrize("model", [MACE(), GLAD()])
def test_a_tie_goes_to_the_smallest_class(model) -> None:  # noqa: ANN001
    assert model.fit_arrays(["x", "x"], ["a", "b"], [1, 0], 2).predict() == {"x": 0}
