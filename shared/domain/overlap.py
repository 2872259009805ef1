"""Dynamic overlap's stopping rule: is one more answer worth buying for this object?

Posterior over classes from the answers so far and each labeler's confusion matrix (Dawid–Skene's likelihood with
a uniform class prior): p(c) ∝ Π_j C_j[c, l_j]. Stop when the leading class's posterior reaches the target and at
least `min_workers` answered, or when `max_workers` answered. A labeler nobody knows yet counts with `default_accuracy`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class StopRule:
    n_classes: int
    min_workers: int
    max_workers: int
    target_confidence: float
    default_accuracy: float = 0.7

    def _matrix(self, accuracy: float) -> np.ndarray:
        k = self.n_classes
        matrix = np.full((k, k), (1 - accuracy) / max(k - 1, 1))
        np.fill_diagonal(matrix, accuracy)
        return matrix

    def posterior(self, answers: Sequence[tuple[int, int]], confusions: Mapping[int, np.ndarray]) -> np.ndarray:
        """`answers`: (labeler id, class index); returns p(class | answers)."""
        log_p = np.zeros(self.n_classes)
        default = self._matrix(self.default_accuracy)
        for labeler, label in answers:
            matrix = confusions.get(labeler, default)
            log_p += np.log(np.clip(matrix[:, label], 1e-6, 1.0))
        p = np.exp(log_p - log_p.max())
        return p / p.sum()

    def should_stop(self, answers: Sequence[tuple[int, int]], confusions: Mapping[int, np.ndarray]) -> bool:
        if len(answers) >= self.max_workers:
            return True
        if len(answers) < self.min_workers:
            return False
        return float(self.posterior(answers, confusions).max()) >= self.target_confidence
