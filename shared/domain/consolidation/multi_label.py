"""Multi-label classification: every label is its own binary problem ("did this worker tick label k?").

Each label k gets a binary consolidator fitted on all answers of the batch: a worker who answered an object and did
not tick k voted "absent". So a worker who never ticks a label that others often do is learned to be insensitive to
it, exactly as single-label Dawid-Skene learns confusions. The result per object is P(label k present).

Choice rule (documented difference from Ground Truth): Ground Truth's documentation says its output lists the labels
chosen by at least one worker. We list the labels whose posterior is >= 0.5 — a label one careless worker ticked
against four who did not is dropped — and at least one label unless half or more of the workers ticked none
("None of the above"): if none reaches 0.5, the single most probable label (ties to the smallest index).
Confidence per chosen label = its posterior, two decimals, 0.00 when only one worker answered (Ground Truth's
rule, as for single-label).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

import numpy as np

from shared.domain.consolidation.array_model import ArrayConsolidator
from shared.domain.consolidation.base import ground_truth_confidence
from shared.domain.consolidation.default import default_classifier
from shared.domain.consolidation.em import argmax_smallest
from shared.domain.consolidation.encoding import EncodedAnswers, index_ids

CHOICE_THRESHOLD = 0.5


@dataclass(frozen=True)
class MultiLabelAnswer:
    """One labeler's set of ticked class indices for one object (may be empty)."""

    object_id: Hashable
    worker_id: Hashable
    labels: frozenset[int]


@dataclass(frozen=True)
class MultiLabelConsolidated:
    labels: tuple[int, ...]
    confidence: dict[int, float] = field(default_factory=dict)
    votes: int = 0


class MultiLabelConsolidator:
    """Fitted: `object_ids_`, `proba_` ((objects, K) presence posteriors), `chosen_` ((objects, K) bool),
    `votes_` (answers per object), `models_` (the fitted binary consolidator of each label)."""

    def __init__(self, binary: Callable[[], ArrayConsolidator] = default_classifier,
                 threshold: float = CHOICE_THRESHOLD) -> None:
        self.binary = binary
        self.threshold = threshold

    def fit(self, answers: Iterable[MultiLabelAnswer], n_classes: int) -> MultiLabelConsolidator:
        rows = list(answers)
        return self.fit_arrays([a.object_id for a in rows], [a.worker_id for a in rows], [a.labels for a in rows],
                               n_classes)

    def fit_arrays(self, objects: Iterable[Hashable], workers: Iterable[Hashable],
                   label_sets: Iterable[Iterable[int]], n_classes: int) -> MultiLabelConsolidator:
        object_ids, obj = index_ids(objects)
        worker_ids, wrk = index_ids(workers)
        sets = [list(s) for s in label_sets]
        if not (len(sets) == obj.size == wrk.size):
            raise ValueError("objects, workers and label_sets differ in length")
        ticked = np.zeros((len(sets), n_classes), dtype=np.int64)
        for row, labels in enumerate(sets):
            for label in labels:
                if not 0 <= label < n_classes:
                    raise ValueError(f"label {label} outside 0..{n_classes - 1}")
                ticked[row, label] = 1
        order = np.lexsort((*ticked.T[::-1], wrk, obj)) if len(sets) else np.zeros(0, dtype=np.int64)
        obj, wrk, ticked = obj[order], wrk[order], ticked[order]
        proba = np.zeros((len(object_ids), n_classes))
        models = []
        for k in range(n_classes):
            enc = EncodedAnswers(object_ids=object_ids, worker_ids=worker_ids, objects=obj, workers=wrk,
                                 labels=ticked[:, k], n_classes=2)
            model = self.binary().fit_encoded(enc)
            proba[:, k] = model.proba_[:, 1] if model.proba_.size else 0.0
            models.append(model)
        chosen = proba >= self.threshold
        # The most-probable fallback is for objects whose workers ticked labels but split over which; where most
        # workers answered "none of these" (an empty set), the consolidated answer is empty too.
        answered = np.bincount(obj, minlength=len(object_ids))
        ticked_some = np.bincount(obj, weights=ticked.any(axis=1), minlength=len(object_ids))
        none = ~chosen.any(axis=1) & (2 * ticked_some > answered)
        if none.any() and n_classes:
            chosen[np.flatnonzero(none), argmax_smallest(proba[none])] = True
        self.object_ids_ = list(object_ids)
        self.proba_ = proba
        self.chosen_ = chosen
        self.votes_ = np.bincount(obj, minlength=len(object_ids))
        self.models_ = models
        return self

    def predict(self) -> dict[Hashable, tuple[int, ...]]:
        return {oid: tuple(np.flatnonzero(row).tolist()) for oid, row in zip(self.object_ids_, self.chosen_,
                                                                             strict=True)}

    def predict_proba(self) -> dict[Hashable, np.ndarray]:
        return dict(zip(self.object_ids_, self.proba_, strict=True))


def consolidate_multi_label(consolidator: MultiLabelConsolidator, answers: list[MultiLabelAnswer],
                            n_classes: int) -> dict[Hashable, MultiLabelConsolidated]:
    """Fit once over a batch: each object's chosen labels, a confidence per chosen label, and its answer count."""
    consolidator.fit(answers, n_classes)
    out: dict[Hashable, MultiLabelConsolidated] = {}
    for i, oid in enumerate(consolidator.object_ids_):
        votes = int(consolidator.votes_[i])
        labels = tuple(np.flatnonzero(consolidator.chosen_[i]).tolist())
        out[oid] = MultiLabelConsolidated(
            labels=labels,
            confidence={k: ground_truth_confidence(consolidator.proba_[i, k], votes) for k in labels},
            votes=votes)
    return out
