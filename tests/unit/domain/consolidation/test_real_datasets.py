"""The consolidators on real crowd answers with gold (REFERENCE_DIR/datasets; see its README for the Crowd-Kit
numbers quoted here). Kept to the small datasets; the bench (bench/consolidation.py) runs all eight."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from shared.domain.consolidation import (
    GLAD,
    CollapseGuard,
    DawidSkene,
    OverlapPolicy,
    WorkerSkills,
    decide,
    default_classifier,
)
from tests.unit.domain.consolidation.crowd_data import DATASETS, read


@pytest.mark.parametrize(("name", "crowd_kit_best"), [
    ("bluebirds", 96 / 108),  # Crowd-Kit DawidSkene 0.889
    ("rte", 0.9275),  # Crowd-Kit DawidSkene
    ("dog", 680 / 807),  # Crowd-Kit DawidSkene 0.843
    ("sentiment", 0.960),  # Crowd-Kit DawidSkene
])
def test_the_default_is_at_least_as_accurate_as_crowd_kits_best(name: str, crowd_kit_best: float) -> None:
    data = read(name)
    model = default_classifier().fit_arrays(data.tasks, data.workers, data.labels, data.n_classes)
    assert data.accuracy(model.predict()) >= crowd_kit_best - 1e-9
    assert not model.collapsed_


def test_the_default_beats_ground_truths_own_consolidation_on_its_own_job() -> None:
    data = read("birds_gt")
    model = default_classifier().fit_arrays(data.tasks, data.workers, data.labels, data.n_classes)
    assert data.accuracy(model.predict()) > 272 / 302  # Ground Truth's output: 0.901


def test_our_ground_truth_replica_reproduces_ground_truths_labels() -> None:
    data = read("birds_gt")
    model = DawidSkene().fit_arrays(data.tasks, data.workers, data.labels, data.n_classes)
    with (DATASETS / "birds_gt" / "groundtruth_consolidated.csv").open(newline="", encoding="utf-8") as fh:
        theirs = {row["task"]: int(row["label"]) for row in csv.DictReader(fh)}
    ours = model.predict()
    assert sum(ours[t] == label for t, label in theirs.items()) >= 300  # 301 of 302 agree
    assert data.accuracy(ours) == pytest.approx(273 / 302)


def test_the_guard_catches_collapses_on_relevance() -> None:
    data = read("relevance")  # first answer of each (task, worker) pair
    plain = DawidSkene().fit_arrays(data.tasks, data.workers, data.labels, data.n_classes)
    guarded = CollapseGuard(DawidSkene()).fit_arrays(data.tasks, data.workers, data.labels, data.n_classes)
    assert data.accuracy(plain.predict()) < 0.3
    assert guarded.collapsed_ and guarded.disagreement_ > 0.5
    assert data.accuracy(guarded.predict()) > 0.53  # the plain vote
    glad = CollapseGuard(GLAD(class_prior="learned")).fit_arrays(data.tasks, data.workers, data.labels, 4)
    assert glad.collapsed_ and 0.35 < glad.disagreement_ < 0.5  # the milder collapse that set the threshold


def test_shuffling_a_real_dataset_changes_nothing() -> None:
    data = read("rte")
    order = np.random.default_rng(11).permutation(data.labels.size)
    a = default_classifier().fit_arrays(data.tasks, data.workers, data.labels, data.n_classes)
    b = default_classifier().fit_arrays(data.tasks[order], data.workers[order], data.labels[order], data.n_classes)
    np.testing.assert_array_equal(a.proba_, b.proba_)


def test_dynamic_overlap_on_a_real_job_saves_answers() -> None:
    # birds_gt in file order, skills learned once from the first 500 answers (a smoke test of the rule; the bench
    # replays all five dense datasets with periodic re-fits).
    data = read("birds_gt")
    first = slice(0, 500)
    model = default_classifier().fit_arrays(data.tasks[first], data.workers[first], data.labels[first], 10)
    skills = WorkerSkills.from_confusions(model.confusions_, model.class_prior_)
    policy = OverlapPolicy(min_workers=3, max_workers=5, target_confidence=0.99)
    bought: dict[str, list] = {}
    stopped: set[str] = set()
    for t, w, lab in zip(data.tasks, data.workers, data.labels, strict=True):
        if t in stopped:
            continue
        bought.setdefault(t, []).append((w, int(lab)))
        if decide(bought[t], skills, policy).stop:
            stopped.add(t)
    n_bought = sum(len(v) for v in bought.values())
    assert n_bought < 0.8 * data.labels.size
    labels = {t: decide(v, skills, policy).label for t, v in bought.items()}
    assert data.accuracy(labels) > 0.88
