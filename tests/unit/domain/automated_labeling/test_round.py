"""One round's decisions on hand-made probabilities: which objects the machine labels, which it audits, which
validation objects retire and which objects go to people next."""

from __future__ import annotations

import numpy as np
import pytest

from shared.domain.automated_labeling.plan import STOP_MAX_HUMAN, AutoLabelingSettings
from shared.domain.automated_labeling.round import JobProgress, decide_round, first_round, round_level

# target 0.8 at 0.8; round 1 tests at 1 - 0.2 * 0.8 = 0.84, where n/n passes from n = 9
# (0.16 ** (1/9) = 0.816; 0.16 ** (1/8) = 0.795)
LOOSE = AutoLabelingSettings(target_accuracy=0.8, confidence=0.8, audit_rate=0.0, validation_share=0.5,
                             batch_size=2, per_class_min_items=1000)
PROGRESS = JobProgress(dataset_size=30, human_labeled=10, labeled_total=10, max_concurrent=100)


def _rows(*pairs: tuple[int, float]) -> np.ndarray:
    """(count, p of class 0) -> rows of [p, 1 - p]."""
    return np.array([[p, 1 - p] for count, p in pairs for _ in range(count)])


def _round(settings: AutoLabelingSettings = LOOSE, progress: JobProgress = PROGRESS, seed: int = 0,  # noqa: ANN202
           round_no: int = 1):
    """Validation: 10 objects at 0.9 for class 0, all right; 2 at 0.6 for class 0, both wrong (truly class 1).
    Thresholds: 0.9 covers 10/10 (bound 0.833, passes); 0.6 covers 10/12 (bound about 0.64, fails) -> 0.9.
    Pool: objects 100..104 at 0.95 (above), 105..107 at 0.55 (below)."""
    validation_ids = np.arange(10, 22)
    validation = _rows((10, 0.9), (2, 0.6))
    truth = np.array([0] * 10 + [1] * 2)
    pool_ids = np.arange(100, 108)
    pool = _rows((5, 0.95), (3, 0.55))
    return decide_round(settings, progress, pool_ids, pool, validation_ids, validation, truth,
                        np.random.default_rng(seed), round_no)


def test_machine_labels_above_the_threshold_and_the_next_batch_from_the_rest() -> None:
    decision = _round()
    assert decision.plan is not None and decision.plan.overall.threshold == 0.9
    assert (decision.plan.overall.covered, decision.plan.overall.correct) == (10, 10)
    assert decision.level == pytest.approx(0.84)
    assert [(oid, cls) for oid, cls, _ in decision.machine] == [(100, 0), (101, 0), (102, 0), (103, 0), (104, 0)]
    assert all(conf == 0.95 for _, _, conf in decision.machine)
    assert decision.audits == []
    assert decision.retired == list(range(10, 20))  # the ten the rule covers; the two below it stay
    # batch of 2, half validation: the least certain (ties -> lowest index: 105) and one drawn from the others
    assert decision.to_humans[0] == (105, "train")
    assert decision.to_humans[1][1] == "validation" and decision.to_humans[1][0] in (106, 107)
    assert decision.stop_reason is None


def test_an_audit_sample_of_the_machine_labels_goes_to_people() -> None:
    audited = AutoLabelingSettings(**{**LOOSE.__dict__, "audit_rate": 0.4})  # ceil(5 * 0.4) = 2
    decision = _round(audited)
    assert len(decision.audits) == 2 and len(decision.machine) == 3
    assert {oid for oid, _, _ in decision.audits + decision.machine} == set(range(100, 105))


def test_no_bound_met_means_no_machine_labels() -> None:
    strict = AutoLabelingSettings(**{**LOOSE.__dict__, "target_accuracy": 0.95})  # 10/10 bounds only 0.833
    decision = _round(strict)
    assert decision.machine == [] and decision.retired == []
    assert decision.plan is not None and decision.plan.overall.threshold is None
    assert len(decision.to_humans) == 2


def test_a_spent_human_budget_stops_the_job_when_objects_are_left() -> None:
    capped = AutoLabelingSettings(**{**LOOSE.__dict__, "max_human_labeled": 10})
    decision = _round(capped)
    assert len(decision.machine) == 5 and decision.to_humans == []
    assert decision.stop_reason == STOP_MAX_HUMAN


def test_the_first_round_is_a_random_batch_with_its_validation_share() -> None:
    settings = AutoLabelingSettings(batch_size=50, initial_batch_size=4, validation_share=0.5)
    decision = first_round(np.arange(10), settings, JobProgress(10, 0, 0, 100), np.random.default_rng(3))
    assert len(decision.to_humans) == 4
    assert sorted(split for _, split in decision.to_humans) == ["train", "train", "validation", "validation"]
    assert len({oid for oid, _ in decision.to_humans}) == 4 and decision.machine == []
    again = first_round(np.arange(10), settings, JobProgress(10, 0, 0, 100), np.random.default_rng(3))
    assert again.to_humans == decision.to_humans  # seeded: the same batch


def test_rounds_split_the_error_budget_so_later_rounds_test_stricter() -> None:
    """Round 1 gets 80% of 1 - confidence; round r >= 2 gets 20% * 6 / (pi^2 (r-1)^2); the shares add up."""
    assert round_level(0.95, 1) == pytest.approx(1 - 0.05 * 0.8)
    assert round_level(0.95, 2) == pytest.approx(1 - 0.05 * 0.2 * 0.6079271, abs=1e-8)
    assert round_level(0.95, 3) == pytest.approx(1 - 0.05 * 0.2 * 0.1519818, abs=1e-8)
    assert sum(1 - round_level(0.95, r) for r in range(1, 100_000)) == pytest.approx(0.05, abs=1e-6)
    with pytest.raises(ValueError):
        round_level(0.95, 0)
    # The validation set that certifies 0.9 in round 1 certifies nothing in round 2 (level 0.9757 needs 17).
    assert _round(round_no=2).machine == []


def test_an_audit_below_target_pauses_machine_labels_and_says_why() -> None:
    pool_ids, validation_ids = np.arange(100, 108), np.arange(10, 22)
    decision = decide_round(LOOSE, PROGRESS, pool_ids, _rows((5, 0.95), (3, 0.55)), validation_ids,
                            _rows((10, 0.9), (2, 0.6)), np.array([0] * 10 + [1] * 2), np.random.default_rng(0), 1,
                            audit_below_target=True)
    assert decision.plan is not None and decision.plan.overall.threshold == 0.9  # the bound alone would pass
    assert decision.machine == [] and decision.audits == [] and decision.retired == []
    assert decision.paused and "audit" in decision.paused
    assert len(decision.to_humans) == 2  # people go on labeling
