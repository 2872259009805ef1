"""Audit sizes, the uniform sample, and the verdict against the target."""

from __future__ import annotations

import json

import numpy as np
import pytest

from shared.domain.automated_labeling import audit_count, audit_report, clopper_pearson_interval, pick_audit


@pytest.mark.parametrize(("n", "rate", "expected"), [
    (0, 0.02, 0), (100, 0.0, 0), (1, 0.02, 1), (100, 0.02, 2), (101, 0.02, 3), (3, 0.5, 2), (10, 1.0, 10),
    (100, 0.07, 7),  # 100 * 0.07 is 7.000000000000001 in floating point; the audit is still 7
    (1_000_000, 0.001, 1000),
])
def test_audit_count(n: int, rate: float, expected: int) -> None:
    assert audit_count(n, rate) == expected


@pytest.mark.parametrize(("n", "rate"), [(-1, 0.1), (10, -0.1), (10, 1.5), (10, float("nan")), (1.5, 0.1)])
def test_bad_audit_arguments(n: int, rate: float) -> None:
    with pytest.raises(ValueError):
        audit_count(n, rate)


def test_pick_audit_is_sorted_distinct_and_reproducible() -> None:
    picked = pick_audit(1000, 0.02, np.random.default_rng(5))
    assert len(picked) == 20
    assert picked.tolist() == sorted(set(picked.tolist()))
    assert picked.min() >= 0 and picked.max() < 1000
    assert picked.tolist() == pick_audit(1000, 0.02, np.random.default_rng(5)).tolist()
    assert pick_audit(0, 0.02, np.random.default_rng(5)).tolist() == []


def test_pick_audit_is_uniform() -> None:
    rng = np.random.default_rng(0)
    counts = np.zeros(10)
    for _ in range(5_000):
        counts[pick_audit(10, 0.3, rng)] += 1
    # each index is picked with probability 3/10; sd of a share over 5000 draws ~ 0.0065
    np.testing.assert_allclose(counts / 5_000, 0.3, atol=0.03)


def test_no_audit_yet() -> None:
    report = audit_report(0, 0, 0.95, 0.95)
    assert (report.items, report.accuracy, report.lower, report.upper, report.verdict) == (0, None, None, None,
                                                                                           "no audit yet")


def test_meets_target() -> None:
    # two-sided at 0.90 leaves 0.05 below: 59/59 -> lower = 0.05 ** (1/59) = 0.9505 >= 0.95
    report = audit_report(59, 59, 0.90, 0.95)
    assert report.lower == pytest.approx(0.05 ** (1 / 59))
    assert (report.accuracy, report.upper, report.verdict) == (1.0, 1.0, "meets target")
    # the same 59/59 at a two-sided 0.95 leaves only 0.025 below: 0.025 ** (1/59) = 0.9394 < 0.95
    assert audit_report(59, 59, 0.95, 0.95).verdict == "inconclusive"


def test_below_target_and_inconclusive() -> None:
    below = audit_report(50, 100, 0.95, 0.95)
    assert below.verdict == "below target" and below.upper < 0.95
    unclear = audit_report(95, 100, 0.95, 0.95)
    assert unclear.verdict == "inconclusive" and unclear.lower < 0.95 <= unclear.upper
    assert (unclear.lower, unclear.upper) == clopper_pearson_interval(95, 100, 0.95)
    assert unclear.accuracy == 0.95


def test_as_dict_is_json() -> None:
    summary = audit_report(99, 100, 0.95, 0.9).as_dict()  # lower bound 0.9455 >= 0.9
    assert json.loads(json.dumps(summary)) == summary
    assert summary["verdict"] == "meets target" and summary["items"] == 100 and summary["agreed"] == 99


@pytest.mark.parametrize(("agreed", "items", "level", "target"), [
    (5, 4, 0.95, 0.95), (-1, 4, 0.95, 0.95), (1, 4, 1.0, 0.95), (1, 4, 0.95, 0.0),
])
def test_bad_report_arguments(agreed: int, items: int, level: float, target: float) -> None:
    with pytest.raises(ValueError):
        audit_report(agreed, items, level, target)
