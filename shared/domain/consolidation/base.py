"""The consolidator interface later algorithms (Dawid-Skene, box merging, ...) plug into."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Answer:
    """One labeler's class index for one object."""

    object_id: int
    worker_id: int
    label: int


@dataclass(frozen=True)
class Consolidated:
    label: int
    confidence: float
    votes: int


class Consolidator(Protocol):
    """sklearn-style: `fit` returns self; fitted attributes end in `_`."""

    def fit(self, answers: Iterable[Answer], n_classes: int) -> Consolidator: ...

    def predict(self) -> Mapping[int, int]: ...

    def predict_proba(self) -> Mapping[int, np.ndarray]: ...


def ground_truth_confidence(probability: float, n_answers: int) -> float:
    """Ground Truth's rule: two decimals, and 0.00 when only one labeler answered."""
    return 0.0 if n_answers <= 1 else round(float(probability), 2)


def consolidate_objects(
    consolidator: Consolidator, answers: list[Answer], n_classes: int
) -> dict[int, Consolidated]:
    """Fit once over a batch and return each object's label, confidence and number of answers."""
    consolidator.fit(answers, n_classes)
    labels, proba = consolidator.predict(), consolidator.predict_proba()
    counts: dict[int, int] = {}
    for a in answers:
        counts[a.object_id] = counts.get(a.object_id, 0) + 1
    return {
        oid: Consolidated(label=label, confidence=ground_truth_confidence(proba[oid][label], counts[oid]),
                          votes=counts[oid])
        for oid, label in labels.items()
    }
