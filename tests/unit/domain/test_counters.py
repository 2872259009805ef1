"""LabelCounters derived from object states, as Ground Truth reports them."""

from __future__ import annotations

import pytest

from shared.domain.counters import LabelCounters, label_counters


@pytest.mark.parametrize(("states", "machine", "expected"), [
    ({}, 0, LabelCounters(0, 0, 0, 0, 0)),
    ({"labeled": 10, "failed": 1}, 0, LabelCounters(10, 10, 0, 1, 0)),
    ({"queued": 3, "open": 2, "answered": 1}, 0, LabelCounters(0, 0, 0, 0, 6)),
    ({"labeled": 5, "failed": 2, "open": 4, "unlabeled": 3}, 0, LabelCounters(5, 5, 0, 2, 7)),
    ({"labeled": 8, "open": 2}, 3, LabelCounters(8, 5, 3, 0, 2)),
])
def test_counters_follow_the_object_states(states: dict[str, int], machine: int, expected: LabelCounters) -> None:
    assert label_counters(states, machine) == expected


def test_every_object_is_counted_exactly_once() -> None:
    states = {"queued": 4, "open": 3, "answered": 2, "labeled": 7, "failed": 1, "unlabeled": 5}
    c = label_counters(states, 2)
    assert c.TotalLabeled + c.FailedNonRetryableError + c.Unlabeled == sum(states.values())
    assert c.HumanLabeled + c.MachineLabeled == c.TotalLabeled


def test_the_counters_serialize_with_ground_truths_keys_in_its_order() -> None:
    assert list(label_counters({"labeled": 1}).as_dict()) == [
        "TotalLabeled", "HumanLabeled", "MachineLabeled", "FailedNonRetryableError", "Unlabeled"]
    assert label_counters({"labeled": 2, "open": 1}).as_dict() == {
        "TotalLabeled": 2, "HumanLabeled": 2, "MachineLabeled": 0, "FailedNonRetryableError": 0, "Unlabeled": 1}
