"""The pooled Dirichlet prior by hand, and what averaging over strengths means."""

from __future__ import annotations

import numpy as np
import pytest

from shared.domain.consolidation import HierarchicalDawidSkene
from shared.domain.consolidation.hierarchical_dawid_skene import crowd_error_pattern, prior_mean
from tests.unit.domain.consolidation.synthetic import crowd


def test_the_crowd_error_pattern_counts_each_worker_once_per_row() -> None:
    # Worker 0: 10 answers on true class 0, all correct; worker 1: 1 answer on true class 0, wrong (said 1).
    counts = np.zeros((2, 2, 2))
    counts[0, 0, 0] = 10.0
    counts[1, 0, 1] = 1.0
    pooled = crowd_error_pattern(counts, smoothing=0.5)
    # rows smoothed by (n + 0.25) / (N + 0.5): worker 0 -> (10.25/10.5, 0.25/10.5); worker 1 -> (0.25/1.5, 1.25/1.5)
    row0 = (np.array([10.25, 0.25]) / 10.5 + np.array([0.25, 1.25]) / 1.5) / 2
    np.testing.assert_allclose(pooled[0], row0)
    np.testing.assert_allclose(pooled[1], [0.5, 0.5])  # nobody was seen on true class 1


def test_the_prior_mean_by_hand() -> None:
    # One worker, three classes: 4 answers on true class 0 (3 right, 1 said 2), nothing on classes 1 and 2.
    counts = np.zeros((1, 3, 3))
    counts[0, 0, 0], counts[0, 0, 2] = 3.0, 1.0
    pooled = crowd_error_pattern(counts)
    g = np.diag(pooled).mean()
    overall = (3 + 2 * g) / (4 + 2)  # gamma = 2
    a = np.array([(3 + 1 * overall) / (4 + 1), overall, overall])  # beta = 1
    mean = prior_mean(counts, beta=1.0, gamma=2.0)[0]
    np.testing.assert_allclose(np.diag(mean), a)
    errors = pooled.copy()
    np.fill_diagonal(errors, 0)
    errors /= errors.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(mean[0, 1:], (1 - a[0]) * errors[0, 1:])
    np.testing.assert_allclose(mean.sum(axis=1), 1.0)


def test_the_posterior_is_the_mean_of_the_single_strength_fits() -> None:
    objects, workers, labels, _ = crowd(60)
    both = HierarchicalDawidSkene(strengths=(1.0, 4.0)).fit_arrays(objects, workers, labels, 3)
    one = HierarchicalDawidSkene(strengths=(1.0,)).fit_arrays(objects, workers, labels, 3)
    four = HierarchicalDawidSkene(strengths=(4.0,)).fit_arrays(objects, workers, labels, 3)
    np.testing.assert_allclose(both.proba_, (one.proba_ + four.proba_) / 2)
    np.testing.assert_allclose(both.confusion_, (one.confusion_ + four.confusion_) / 2)


def test_it_learns_the_spammers_on_a_synthetic_crowd() -> None:
    objects, workers, labels, truth = crowd()
    model = HierarchicalDawidSkene().fit_arrays(objects, workers, labels, 3)
    pred = model.predict()
    assert np.mean([pred[i] == t for i, t in enumerate(truth)]) >= 0.9
    assert model.confusions_["always0"][1, 0] > 0.8  # says 0 when the truth is 1
    assert model.confusions_["good1"][1, 1] > 0.7


def test_a_tie_goes_to_the_smallest_class_and_bad_strengths_are_refused() -> None:
    assert HierarchicalDawidSkene().fit_arrays(["x", "x"], ["a", "b"], [1, 0], 2).predict() == {"x": 0}
    with pytest.raises(ValueError):
        HierarchicalDawidSkene(strengths=())
    with pytest.raises(ValueError):
        HierarchicalDawidSkene(strengths=(0.0, 1.0))
