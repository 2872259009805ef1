"""The collapse guard: triggers when EM overturns more than 35% of the clear majorities, not otherwise."""

from __future__ import annotations

import numpy as np

from shared.domain.consolidation import (
    ArrayConsolidator,
    CollapseGuard,
    DawidSkene,
    WorkerSkills,
    majority_disagreement,
)
from shared.domain.consolidation.encoding import EncodedAnswers, encode_arrays


class SwapEvery(ArrayConsolidator):
    """A stand-in for a collapsed EM: the majority label, but shifted by one class on every `step`-th object."""

    def __init__(self, step: int) -> None:
        self.step = step

    def _fit_encoded(self, enc: EncodedAnswers) -> np.ndarray:
        votes = enc.votes()
        labels = np.argmax(votes, axis=1)
        swap = np.arange(enc.n_objects) % self.step == 0
        labels[swap] = (labels[swap] + 1) % enc.n_classes
        self.confusions_ = {"marker": np.eye(enc.n_classes)}
        return np.eye(enc.n_classes)[labels]


def clear_batch(n: int = 20) -> tuple[list, list, list]:
    """n objects, each with three answers: two for class i % 2, one for the other class (a clear 2/3 majority)."""
    objects, workers, labels = [], [], []
    for i in range(n):
        for w, lab in (("a", i % 2), ("b", i % 2), ("c", 1 - i % 2)):
            objects.append(i), workers.append(w), labels.append(lab)
    return objects, workers, labels


def test_disagreement_counts_only_clear_majorities() -> None:
    # x: 2 of 3 say 1 (clear); y: 1 vs 1 (not clear); z: 2 answers only (too few).
    enc = encode_arrays(["x", "x", "x", "y", "y", "z", "z"], list("abcabab"), [1, 1, 0, 0, 1, 1, 1], 2)
    assert majority_disagreement(enc, np.array([0, 0, 0])) == (1.0, 1)
    assert majority_disagreement(enc, np.array([1, 1, 0])) == (0.0, 1)


def test_a_model_that_overturns_every_clear_majority_is_replaced_by_the_vote() -> None:
    objects, workers, labels = clear_batch()
    guard = CollapseGuard(SwapEvery(1)).fit_arrays(objects, workers, labels, 2)
    assert guard.collapsed_ and guard.disagreement_ == 1.0 and guard.n_clear_ == 20
    assert guard.predict() == {i: i % 2 for i in range(20)}
    np.testing.assert_allclose(guard.predict_proba()[0], [2 / 3, 1 / 3])
    # the fallback still offers worker matrices, so dynamic overlap can use whatever the guard kept
    skills = WorkerSkills.from_confusions(guard.confusions_, guard.class_prior_)
    assert set(skills.confusions) == {"a", "b", "c"}


def test_the_threshold_itself_is_not_a_collapse_but_more_is() -> None:
    objects, workers, labels = clear_batch()
    at = CollapseGuard(SwapEvery(2), max_disagreement=0.5).fit_arrays(objects, workers, labels, 2)
    assert not at.collapsed_ and at.disagreement_ == 0.5
    assert "marker" in at.confusions_  # fitted attributes fall through to the kept model
    above = CollapseGuard(SwapEvery(2)).fit_arrays(objects, workers, labels, 2)  # default 0.35
    assert above.collapsed_
    below = CollapseGuard(SwapEvery(4)).fit_arrays(objects, workers, labels, 2)  # 5 of 20 = 0.25
    assert not below.collapsed_ and below.disagreement_ == 0.25


def test_too_few_clear_objects_keeps_the_model() -> None:
    objects, workers, labels = clear_batch(5)
    guard = CollapseGuard(SwapEvery(1)).fit_arrays(objects, workers, labels, 2)
    assert not guard.collapsed_ and guard.n_clear_ == 5


def test_a_healthy_dawid_skene_passes() -> None:
    objects, workers, labels = clear_batch()
    guard = CollapseGuard(DawidSkene()).fit_arrays(objects, workers, labels, 2)
    assert not guard.collapsed_ and guard.disagreement_ == 0.0
    assert set(guard.confusions_) == {"a", "b", "c"}
