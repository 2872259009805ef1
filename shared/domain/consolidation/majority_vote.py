"""Majority vote with an order-independent tie rule.

Tie rule: among the classes with the most votes, the one listed first in the job's label categories wins
(the smallest class index). Crowd-Kit breaks ties by the order answers arrive, which makes its result depend on
row order; this rule gives the same label for any order of the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from shared.domain.consolidation.base import Answer


class MajorityVote:
    """Plurality of votes per object; probability = each class's share of that object's votes."""

    def fit(self, answers: Iterable[Answer], n_classes: int) -> MajorityVote:
        votes: dict[int, np.ndarray] = {}
        for a in answers:
            if not 0 <= a.label < n_classes:
                raise ValueError(f"label {a.label} outside 0..{n_classes - 1}")
            row = votes.get(a.object_id)
            if row is None:
                row = votes[a.object_id] = np.zeros(n_classes, dtype=np.int64)
            row[a.label] += 1
        self.votes_ = votes
        self.n_classes_ = n_classes
        return self

    def predict(self) -> dict[int, int]:
        # np.argmax returns the first maximum: the smallest class index among tied classes.
        return {oid: int(np.argmax(row)) for oid, row in self.votes_.items()}

    def predict_proba(self) -> dict[int, np.ndarray]:
        return {oid: row / row.sum() for oid, row in self.votes_.items()}
