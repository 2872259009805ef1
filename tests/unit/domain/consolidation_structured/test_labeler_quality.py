"""The labeler-quality rules the box, mask and span consolidators share, on hand-computed cases."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from shared.domain.consolidation.labeler_quality import (
    MIN_WEIGHT,
    by_object,
    largest_shift,
    log_odds_weight,
    mean_known,
    shrunk_qualities,
)


@dataclass(frozen=True)
class _Answer:
    object_id: int
    worker_id: int
    value: str


def test_by_object_groups_per_object_and_worker() -> None:
    rows = by_object([_Answer(1, 7, "a"), _Answer(2, 7, "b"), _Answer(1, 8, "c")], lambda a: a.value)
    assert rows == {1: {7: "a", 8: "c"}, 2: {7: "b"}}


def test_by_object_refuses_a_second_answer_from_one_labeler() -> None:
    with pytest.raises(ValueError, match="worker 7 answered object 1 twice"):
        by_object([_Answer(1, 7, "a"), _Answer(1, 7, "b")], lambda a: a.value)


def test_by_object_reports_a_bad_answer_before_a_duplicate() -> None:
    def value(a: _Answer) -> str:
        if a.value == "bad":
            raise ValueError(f"bad answer from worker {a.worker_id}")
        return a.value

    with pytest.raises(ValueError, match="bad answer from worker 7"):
        by_object([_Answer(1, 7, "a"), _Answer(1, 7, "bad")], value)


def test_shrinkage_toward_the_prior_or_the_pooled_mean() -> None:
    # worker 1: scores 1.0 and 0.5, prior 0.9, strength 2 -> (1.5 + 1.8) / 4 = 0.825
    # worker 2: score 0.2, no prior -> pooled mean (1.0 + 0.5 + 0.2) / 3 = 0.5667 -> (0.2 + 2 * 0.5667) / 3
    # worker 3: no scores this batch -> keeps the prior 0.6
    quality = shrunk_qualities({1: [1.0, 0.5], 2: [0.2]}, {1: 0.9, 3: 0.6}, strength=2.0)
    assert quality[1] == pytest.approx(0.825)
    assert quality[2] == pytest.approx((0.2 + 2 * (1.7 / 3)) / 3)
    assert quality[3] == 0.6


def test_no_shrinkage_at_strength_zero_and_full_agreement_without_scores() -> None:
    assert shrunk_qualities({1: [0.4, 0.6]}, {}, strength=0.0) == {1: pytest.approx(0.5)}
    assert shrunk_qualities({}, {}, strength=5.0) == {}


def test_unknown_labelers_count_as_the_average_known_one() -> None:
    assert mean_known({1: 0.8, 2: 0.6}) == pytest.approx(0.7)
    assert mean_known({}) is None


def test_largest_shift() -> None:
    assert largest_shift({1: 0.8, 2: 0.5}, {1: 0.7, 2: 0.45}) == pytest.approx(0.1)
    assert largest_shift({1: 0.8}, {}) == math.inf  # a labeler first estimated this round has moved
    assert largest_shift({}, {1: 0.8}) == 0.0


def test_log_odds_weight() -> None:
    assert log_odds_weight(None, 3) == 1.0
    assert log_odds_weight(0.8, 3) == pytest.approx(math.log(2 * 0.8 / 0.2))
    assert log_odds_weight(0.5, 2) == MIN_WEIGHT  # chance on two classes: log 1 = 0, floored
    assert log_odds_weight(1.0, 2) == pytest.approx(math.log(0.999 / 0.001))  # clipped, never infinite
