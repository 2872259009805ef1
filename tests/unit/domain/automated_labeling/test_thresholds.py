"""Threshold choice on small hand-made validation sets (target 0.95 at 0.95 -> at least 59 covered items)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from shared.domain.automated_labeling import (
    ThresholdChoice,
    ThresholdPlan,
    choose_threshold,
    choose_thresholds,
    clopper_pearson_lower,
)


def blocks(*parts: tuple[int, float, bool]) -> tuple[np.ndarray, np.ndarray]:
    """(count, confidence, correct) blocks -> confidence and correct arrays, in the order given."""
    confidence = np.concatenate([np.full(count, conf) for count, conf, _ in parts])
    correct = np.concatenate([np.full(count, ok) for count, _, ok in parts])
    return confidence, correct


def test_59_of_59_is_just_enough() -> None:
    confidence, correct = blocks((59, 0.99, True))
    choice = choose_threshold(confidence, correct, 0.95, 0.95)
    assert choice == ThresholdChoice(0.99, 59, 59, pytest.approx(0.05 ** (1 / 59)), "bound met")


def test_too_few_items() -> None:
    confidence, correct = blocks((58, 0.99, True))
    assert choose_threshold(confidence, correct, 0.95, 0.95) == ThresholdChoice(None, 0, 0, 0.0,
                                                                                "too few validation items")
    assert choose_threshold(np.zeros(0), np.zeros(0, dtype=bool), 0.95, 0.95).reason == "too few validation items"


def test_bound_not_met() -> None:
    confidence, correct = blocks((100, 0.99, False))
    assert choose_threshold(confidence, correct, 0.95, 0.95) == ThresholdChoice(None, 0, 0, 0.0, "bound not met")


def test_walks_down_to_the_lowest_passing_candidate_before_the_first_failure() -> None:
    # 0.99: 60/60 pass; 0.9: 1060/1060 pass; 0.5: 1060/1260 = 0.84 fail -> 0.9
    confidence, correct = blocks((60, 0.99, True), (1000, 0.9, True), (200, 0.5, False))
    choice = choose_threshold(confidence, correct, 0.95, 0.95)
    assert (choice.threshold, choice.covered, choice.correct) == (0.9, 1060, 1060)
    assert choice.lower_bound == pytest.approx(0.05 ** (1 / 1060))
    assert choice.reason == "bound met"


def test_stops_at_the_first_failure_even_if_a_lower_candidate_would_pass() -> None:
    # 0.99: 60/60 pass; 0.9: 60/70 = 0.857 fail -> stop; 0.8 (1060/1070) would pass but is never reached
    confidence, correct = blocks((60, 0.99, True), (10, 0.9, False), (1000, 0.8, True))
    assert clopper_pearson_lower(1060, 1070, 0.95) >= 0.95  # the "lowest passing anywhere" rule would say 0.8
    choice = choose_threshold(confidence, correct, 0.95, 0.95)
    assert (choice.threshold, choice.covered, choice.correct) == (0.99, 60, 60)
    assert choice.lower_bound == pytest.approx(0.05 ** (1 / 60))


def test_a_first_failure_means_nothing_is_auto_labeled() -> None:
    # 0.99: 60/70 fail at the first test -> None, although 0.8 would pass on its own
    confidence, correct = blocks((60, 0.99, True), (10, 0.99, False), (2000, 0.8, True))
    assert clopper_pearson_lower(2060, 2070, 0.95) >= 0.95
    assert choose_threshold(confidence, correct, 0.95, 0.95).threshold is None


def test_candidates_with_too_few_items_are_not_tests() -> None:
    # 0.999 covers 5 items (4 right): skipped, not a failure; 0.99 covers 205 with 204 right
    confidence, correct = blocks((4, 0.999, True), (1, 0.999, False), (200, 0.99, True))
    choice = choose_threshold(confidence, correct, 0.95, 0.95)
    assert (choice.threshold, choice.covered, choice.correct) == (0.99, 205, 204)
    # one failure in 205: p**205 + 205 p**204 (1 - p) = 0.05 at the bound
    p = choice.lower_bound
    assert p**205 + 205 * p**204 * (1 - p) == pytest.approx(0.05, rel=1e-6)
    assert p >= 0.95


def test_tied_confidences_are_covered_together() -> None:
    # 60 items at 0.97, 59 right: the threshold can't take the 59 right ones without the wrong one (59/60 fails)
    confidence, correct = blocks((59, 0.97, True), (1, 0.97, False))
    assert clopper_pearson_lower(59, 59, 0.95) >= 0.95 > clopper_pearson_lower(59, 60, 0.95)
    assert choose_threshold(confidence, correct, 0.95, 0.95).threshold is None


def test_order_of_the_items_does_not_matter() -> None:
    confidence, correct = blocks((60, 0.99, True), (1000, 0.9, True), (200, 0.5, False))
    order = np.random.default_rng(3).permutation(confidence.size)
    assert choose_threshold(confidence[order], correct[order], 0.95, 0.95) == choose_threshold(
        confidence, correct, 0.95, 0.95)


def test_distinct_confidences_and_integer_correctness() -> None:
    # 80 distinct confidences, all right but the lowest 10: the walk stops at the first candidate that fails
    confidence = np.linspace(0.99, 0.6, 80)
    correct = np.r_[np.ones(70, dtype=int), np.zeros(10, dtype=int)]
    choice = choose_threshold(confidence, correct, 0.95, 0.95)
    # all-right prefixes of 59..70 items pass; 70 right of 71 has lower bound < 0.95 -> fails -> 70 items
    assert clopper_pearson_lower(70, 71, 0.95) < 0.95
    assert (choice.covered, choice.correct) == (70, 70)
    assert choice.threshold == confidence[69]


@pytest.mark.parametrize(("confidence", "correct", "target", "level"), [
    (np.ones(3), np.ones(2, dtype=bool), 0.95, 0.95),
    (np.array([0.5, np.nan]), np.ones(2, dtype=bool), 0.95, 0.95),
    (np.ones(2), np.array([0, 2]), 0.95, 0.95),
    (np.ones(2), np.ones(2, dtype=bool), 1.0, 0.95),
    (np.ones(2), np.ones(2, dtype=bool), 0.95, 0.0),
])
def test_bad_inputs(confidence: np.ndarray, correct: np.ndarray, target: float, level: float) -> None:
    with pytest.raises(ValueError):
        choose_threshold(confidence, correct, target, level)


def plan_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """class 0: 100 right at 0.9; class 1: 100 right at 0.99 + 60 wrong at 0.95; class 2: 90 right at 0.97;
    class 3: 100 wrong at 0.5."""
    parts = [(0, 100, 0.9, True), (1, 100, 0.99, True), (1, 60, 0.95, False), (2, 90, 0.97, True),
             (3, 100, 0.5, False)]
    predicted = np.concatenate([np.full(count, cls) for cls, count, _, _ in parts])
    confidence = np.concatenate([np.full(count, conf) for _, count, conf, _ in parts])
    correct = np.concatenate([np.full(count, ok) for _, count, _, ok in parts])
    return confidence, predicted, correct


def test_per_class_thresholds_and_fallback() -> None:
    """min 100 items: classes 0, 1 and 3 alone, class 2 (90 items) pooled with any other -> 4 groups, each tested
    at 1 - 0.05/4 = 0.9875, where n/n passes from n = 86 on (0.0125 ** (1/86) = 0.9503).
    class 0: 0.9 covers 100/100 -> 0.9; class 1: 0.99 covers 100/100 passes, 0.95 covers 100/160 fails -> 0.99;
    class 3: 0.5 covers 0/100 -> None; pooled: 0.97 covers 90/90 -> 0.97."""
    confidence, predicted, correct = plan_data()
    plan = choose_thresholds(confidence, predicted, correct, 0.95, 0.95, per_class_min_items=100)
    pooled = predicted == 2
    assert plan.overall == choose_threshold(confidence[pooled], correct[pooled], 0.95, 1 - 0.05 / 4)
    assert (plan.overall.threshold, plan.overall.covered, plan.overall.correct) == (0.97, 90, 90)
    assert set(plan.per_class) == {0, 1, 3}
    assert plan.per_class[0].threshold == 0.9 and plan.per_class[0].covered == 100
    assert plan.per_class[1].threshold == 0.99 and plan.per_class[1].covered == 100
    assert plan.per_class[3] == ThresholdChoice(None, 0, 0, 0.0, "bound not met")
    assert [plan.threshold_for(c) for c in (0, 1, 2, 3, 9)] == [0.9, 0.99, 0.97, None, 0.97]


def test_the_pooled_group_is_calibrated_on_its_own_classes_only() -> None:
    """min 101: class 1 (160 items) alone; classes 0, 2, 3 pooled; 2 groups at 0.975 (n/n passes from n = 72).
    Pooled: 0.97 covers 90/90 passes, 0.9 covers 190/190 passes, 0.5 covers 190/290 fails -> 0.9."""
    confidence, predicted, correct = plan_data()
    plan = choose_thresholds(confidence, predicted, correct, 0.95, 0.95, per_class_min_items=101)
    assert set(plan.per_class) == {1}
    assert (plan.overall.threshold, plan.overall.covered) == (0.9, 190)
    assert plan.threshold_for(0) == 0.9 and plan.threshold_for(1) == 0.99


def test_with_no_big_class_every_item_is_one_group_at_the_level_asked() -> None:
    confidence, predicted, correct = plan_data()
    plan = choose_thresholds(confidence, predicted, correct, 0.95, 0.95, per_class_min_items=1000)
    assert plan.per_class == {}
    assert plan.overall == choose_threshold(confidence, correct, 0.95, 0.95)


def test_accepts() -> None:
    confidence, predicted, correct = plan_data()
    plan = choose_thresholds(confidence, predicted, correct, 0.95, 0.95)
    mask = plan.accepts(np.array([0, 0, 1, 1, 2, 2, 3, 9, 9]),
                        np.array([0.9, 0.89, 0.99, 0.98, 0.97, 0.96, 0.999, 0.975, np.inf]))
    assert mask.dtype == bool
    assert mask.tolist() == [True, False, True, False, True, False, False, True, False]


def test_a_plan_that_labels_nothing() -> None:
    plan = ThresholdPlan(ThresholdChoice(None, 0, 0, 0.0, "too few validation items"), {})
    assert plan.threshold_for(0) is None
    assert not plan.accepts(np.array([0, 1]), np.array([1.0, 0.5])).any()


def test_as_dict_is_json() -> None:
    confidence, predicted, correct = plan_data()
    summary = choose_thresholds(confidence, predicted, correct, 0.95, 0.95).as_dict()
    assert json.loads(json.dumps(summary)) == summary
    assert summary["overall"]["threshold"] == 0.97
    assert summary["per_class"]["3"] == {"threshold": None, "covered": 0, "correct": 0, "lower_bound": 0.0,
                                         "reason": "bound not met"}


def test_bad_plan_inputs() -> None:
    confidence, predicted, correct = plan_data()
    with pytest.raises(ValueError):
        choose_thresholds(confidence, predicted[:-1], correct, 0.95, 0.95)
    with pytest.raises(ValueError):
        choose_thresholds(confidence, predicted, correct, 0.95, 0.95, per_class_min_items=0)
