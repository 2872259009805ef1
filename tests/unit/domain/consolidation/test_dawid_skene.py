"""Ground Truth's modified Dawid-Skene: one epoch by hand, the published defaults, seeding, tie rule, order."""

from __future__ import annotations

import random

import numpy as np
import pytest

from shared.domain.consolidation import Answer, DawidSkene, consolidate_objects

# Objects A and B, workers u and v: A gets 0 from both, B gets 0 from u and 1 from v.
OBJECTS = ["A", "B", "A", "B"]
WORKERS = ["u", "u", "v", "v"]
LABELS = [0, 0, 0, 1]


def test_one_epoch_by_hand() -> None:
    # Epoch 0 E-step with M(0.7) and a uniform prior:
    #   A: 0.7*0.7 = 0.49 vs 0.3*0.3 = 0.09 -> (0.49/0.58, 0.09/0.58); B: 0.7*0.3 vs 0.3*0.7 -> (1/2, 1/2).
    p_a = np.array([0.49, 0.09]) / 0.58
    p_b = np.array([0.5, 0.5])
    prior = (p_a + p_b) / 2  # the class marginal replaces the uniform prior
    # M-step soft counts [true, given]: u answered 0 on A and B; v answered 0 on A and 1 on B.
    c_u = np.array([[p_a[0] + p_b[0], 0.0], [p_a[1] + p_b[1], 0.0]])
    c_v = np.array([[p_a[0], p_b[0]], [p_a[1], p_b[1]]])
    acc = np.trace(c_u) / 2  # = trace(c_v) / 2 = 0.672414
    assert acc == pytest.approx(np.trace(c_v) / 2) and acc == pytest.approx(0.672414, abs=1e-6)
    m_acc = np.array([[acc, 1 - acc], [1 - acc, acc]])
    m_glob = np.array([[0.7, 0.3], [0.3, 0.7]])
    pseudo = 2 * m_acc + 1 * m_glob  # n_j * M(acc_j) + (n_j / 2) * M(0.7), n_j = 2
    conf_u = (c_u + pseudo) / (c_u + pseudo).sum(axis=1, keepdims=True)
    conf_v = (c_v + pseudo) / (c_v + pseudo).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(conf_u, [[0.780159, 0.219841], [0.440566, 0.559434]], atol=1e-6)
    np.testing.assert_allclose(conf_v, [[0.665079, 0.334921], [0.303774, 0.696226]], atol=1e-6)
    # Epoch 1 E-step with the new prior and matrices.
    a = prior * conf_u[:, 0] * conf_v[:, 0]
    b = prior * conf_u[:, 0] * conf_v[:, 1]

    ds = DawidSkene(max_epochs=1).fit_arrays(OBJECTS, WORKERS, LABELS, 2)
    np.testing.assert_allclose(ds.confusions_["u"], conf_u, atol=1e-12)
    np.testing.assert_allclose(ds.confusions_["v"], conf_v, atol=1e-12)
    np.testing.assert_allclose(ds.class_prior_, prior, atol=1e-12)
    np.testing.assert_allclose(ds.predict_proba()["A"], a / a.sum(), atol=1e-12)
    np.testing.assert_allclose(ds.predict_proba()["B"], b / b.sum(), atol=1e-12)
    assert ds.predict() == {"A": 0, "B": int(np.argmax(b))}
    assert ds.n_iter_ == 1


def test_the_defaults_are_ground_truths_published_ones() -> None:
    ds = DawidSkene()
    assert (ds.initial_accuracy, ds.max_epochs, ds.tol) == (0.7, 20, 1e-8)
    assert (ds.pseudo_counts, ds.init) == ("ground_truth", "one_coin")


def test_it_runs_at_most_twenty_epochs() -> None:
    rng = np.random.default_rng(3)
    objects = np.repeat(np.arange(200), 5)
    workers = rng.integers(0, 30, objects.size)
    labels = rng.integers(0, 3, objects.size)
    ds = DawidSkene().fit_arrays(objects, workers, labels, 3)
    assert 1 <= ds.n_iter_ <= 20
    assert set(ds.confusions_) == set(workers.tolist())
    for matrix in ds.confusions_.values():
        np.testing.assert_allclose(matrix.sum(axis=1), 1.0)


def test_an_exact_tie_goes_to_the_smallest_class() -> None:
    for labels in ([0, 1], [1, 0]):
        ds = DawidSkene().fit_arrays(["x", "x"], ["u", "v"], labels, 2)
        np.testing.assert_allclose(ds.predict_proba()["x"], [0.5, 0.5])
        assert ds.predict() == {"x": 0}


def test_the_result_does_not_depend_on_answer_order() -> None:
    rng = np.random.default_rng(7)
    answers = [Answer(int(o), int(w), int(lab)) for o, w, lab in
               zip(np.repeat(np.arange(40), 3), rng.integers(0, 8, 120), rng.integers(0, 3, 120), strict=True)]
    expected = DawidSkene().fit(answers, 3)
    shuffled = answers[:]
    random.Random(1).shuffle(shuffled)
    again = DawidSkene().fit(shuffled, 3)
    np.testing.assert_array_equal(expected.proba_, again.proba_)
    assert consolidate_objects(DawidSkene(), answers, 3) == consolidate_objects(DawidSkene(), shuffled, 3)


def test_a_seeded_confusion_matrix_is_carried_into_the_next_batch() -> None:
    # Worker "flip" is known from earlier jobs to answer the opposite class; with enough weight the seed wins.
    flip = np.array([[0.05, 0.95], [0.95, 0.05]])
    objects, workers, labels = ["o", "o", "o"], ["flip", "a", "b"], [1, 0, 1]
    unseeded = DawidSkene().fit_arrays(objects, workers, labels, 2)
    seeded = DawidSkene(prior_confusions={"flip": flip}, prior_weight=1000.0).fit_arrays(objects, workers, labels, 2)
    assert unseeded.predict() == {"o": 1}
    assert seeded.predict() == {"o": 0}
    assert seeded.confusions_["flip"][0, 1] > 0.5 > unseeded.confusions_["flip"][0, 1]


def test_seeds_for_workers_not_in_the_batch_are_ignored_and_shapes_are_checked() -> None:
    ds = DawidSkene(prior_confusions={"nobody": np.eye(2)}).fit_arrays(["o"], ["u"], [1], 2)
    assert set(ds.confusions_) == {"u"}
    with pytest.raises(ValueError, match="shape"):
        DawidSkene(prior_confusions={"u": np.eye(3)}).fit_arrays(["o"], ["u"], [1], 2)


def test_classic_maximum_likelihood_mode_learns_asymmetric_workers() -> None:
    # Worker "yes" answers 1 to everything; the three others are right. ML-DS learns "yes" is uninformative.
    truth = [0, 1] * 10
    objects, workers, labels = [], [], []
    for i, t in enumerate(truth):
        for w in ("a", "b", "c"):
            objects.append(i), workers.append(w), labels.append(t)
        objects.append(i), workers.append("yes"), labels.append(1)
    ds = DawidSkene(pseudo_counts="none", init="majority_vote").fit_arrays(objects, workers, labels, 2)
    assert [ds.predict()[i] for i in range(20)] == truth
    assert ds.confusions_["yes"][0, 1] == pytest.approx(1.0, abs=1e-6)


def test_a_single_class_job_is_trivial() -> None:
    ds = DawidSkene().fit_arrays(["o", "p"], ["u", "u"], [0, 0], 1)
    assert ds.predict() == {"o": 0, "p": 0}


@pytest.mark.parametrize("kwargs", [{"initial_accuracy": 1.0}, {"pseudo_counts": "x"}, {"init": "x"}])
def test_bad_settings_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        DawidSkene(**kwargs)
