"""The sklearn-like shell around every array-backed consolidator: `fit` (the service's `Answer` path),
`fit_arrays` (any hashable ids, numpy columns), `predict` / `predict_proba` keyed by object id.

Subclasses implement `_fit_encoded(enc) -> posterior` and may set further fitted attributes; this class keeps the
fitted arrays (`object_ids_`, `proba_`, `labels_`) that the bench and dynamic-overlap code read without dict overhead.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable

import numpy as np

from shared.domain.consolidation.base import Answer
from shared.domain.consolidation.em import argmax_smallest
from shared.domain.consolidation.encoding import EncodedAnswers, encode_answers, encode_arrays


class ArrayConsolidator(ABC):
    """Base class: one fit over a batch, posteriors per object, labels by argmax with ties to the smallest index."""

    def fit(self, answers: Iterable[Answer], n_classes: int) -> ArrayConsolidator:
        return self.fit_encoded(encode_answers(answers, n_classes))

    def fit_arrays(self, objects: Iterable[Hashable], workers: Iterable[Hashable],
                   labels: Iterable[int] | np.ndarray, n_classes: int) -> ArrayConsolidator:
        """Fast entry point: three equal-length columns (numpy arrays of ints or strings are fastest)."""
        return self.fit_encoded(encode_arrays(objects, workers, labels, n_classes))

    def fit_encoded(self, enc: EncodedAnswers) -> ArrayConsolidator:
        posterior = self._fit_encoded(enc) if enc.n_answers else np.zeros((0, enc.n_classes))
        self.encoded_ = enc
        self.object_ids_ = list(enc.object_ids)
        self.worker_ids_ = list(enc.worker_ids)
        self.n_classes_ = enc.n_classes
        self.proba_ = posterior
        self.labels_ = argmax_smallest(posterior)
        return self

    @abstractmethod
    def _fit_encoded(self, enc: EncodedAnswers) -> np.ndarray:
        """The posterior, (objects, classes); every concrete consolidator defines its own model here."""

    def predict(self) -> dict[Hashable, int]:
        return dict(zip(self.object_ids_, self.labels_.tolist(), strict=True))

    def predict_proba(self) -> dict[Hashable, np.ndarray]:
        return dict(zip(self.object_ids_, self.proba_, strict=True))

    def fit_predict_arrays(self, objects: Iterable[Hashable], workers: Iterable[Hashable],
                           labels: Iterable[int] | np.ndarray, n_classes: int) -> dict[Hashable, int]:
        return self.fit_arrays(objects, workers, labels, n_classes).predict()
