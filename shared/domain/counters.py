"""LabelCounters as Ground Truth reports them, derived from object states (never stored separately)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class LabelCounters:
    TotalLabeled: int
    HumanLabeled: int
    MachineLabeled: int
    FailedNonRetryableError: int
    Unlabeled: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def dataset_objects(states: Mapping[str, int]) -> int:
    """The dataset's objects among objects counted by ObjectState: gold items are not dataset objects."""
    return sum(n for state, n in states.items() if state != "gold")


def label_counters(states: Mapping[str, int], machine_labeled: int = 0) -> LabelCounters:
    """`states` counts objects by ObjectState; every object not labeled or failed is still Unlabeled."""
    labeled = states.get("labeled", 0)
    failed = states.get("failed", 0)
    total = dataset_objects(states)
    human = labeled - machine_labeled
    return LabelCounters(
        TotalLabeled=labeled,
        HumanLabeled=human,
        MachineLabeled=machine_labeled,
        FailedNonRetryableError=failed,
        Unlabeled=total - labeled - failed,
    )
