"""Built-in task types: Ground Truth's `type` string, the crowd element whose answer shape labelers send,
and which manifest key carries the data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TaskType(StrEnum):
    IMAGE_CLASSIFICATION = "image-classification"
    TEXT_CLASSIFICATION = "text-classification"


@dataclass(frozen=True)
class TaskTypeSpec:
    output_type: str
    element: str
    source_key: str
    needs_ref_suffix: bool
    min_labels: int
    public_prices_micros: tuple[int, ...]


_CLASSIFICATION_PRICES = tuple(
    int(round(usd * 1_000_000))
    for usd in (0.012, 0.024, 0.036, 0.048, 0.060, 0.072, 0.120, 0.240, 0.360, 0.480, 0.600, 0.720, 0.840,
                0.960, 1.080, 1.200)
)

SPECS: dict[TaskType, TaskTypeSpec] = {
    TaskType.IMAGE_CLASSIFICATION: TaskTypeSpec(
        output_type="groundtruth/image-classification",
        element="crowd-image-classifier",
        source_key="source-ref",
        needs_ref_suffix=False,
        min_labels=2,
        public_prices_micros=_CLASSIFICATION_PRICES,
    ),
    TaskType.TEXT_CLASSIFICATION: TaskTypeSpec(
        output_type="groundtruth/text-classification",
        element="crowd-classifier",
        source_key="source",
        needs_ref_suffix=False,
        min_labels=2,
        public_prices_micros=_CLASSIFICATION_PRICES,
    ),
}


def spec_for(task_type: str) -> TaskTypeSpec:
    return SPECS[TaskType(task_type)]
