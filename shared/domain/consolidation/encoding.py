"""Answers as dense integer arrays: every algorithm's numerics run on these, never on Python objects.

Object and worker ids may be any hashable values (ints, strings such as AMT worker ids, tuples); they are numbered in
sorted order and the answers are sorted by (object, worker, label). The sort is what makes every consolidator
independent of the order answers arrive in: floating-point sums then always run in the same order, so two runs over a
shuffled batch give bit-identical posteriors, and a tie decided by "smallest class index" stays decided that way.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from shared.domain.consolidation.base import Answer


@dataclass(frozen=True, eq=False)
class EncodedAnswers:
    """n answers: `objects[a]`, `workers[a]`, `labels[a]` are dense indices; `object_ids[i]` is object i's id."""

    object_ids: Sequence[Hashable]
    worker_ids: Sequence[Hashable]
    objects: np.ndarray
    workers: np.ndarray
    labels: np.ndarray
    n_classes: int

    @property
    def n_objects(self) -> int:
        return len(self.object_ids)

    @property
    def n_workers(self) -> int:
        return len(self.worker_ids)

    @property
    def n_answers(self) -> int:
        return int(self.objects.shape[0])

    def votes(self) -> np.ndarray:
        """(objects, classes) count of answers per class."""
        k = self.n_classes
        return np.bincount(self.objects * k + self.labels, minlength=self.n_objects * k).reshape(-1, k).astype(float)

    def answers_per_object(self) -> np.ndarray:
        return np.bincount(self.objects, minlength=self.n_objects)

    def answers_per_worker(self) -> np.ndarray:
        return np.bincount(self.workers, minlength=self.n_workers)


def _sort_key(value: Hashable) -> tuple[str, str]:
    return type(value).__name__, repr(value)


def index_ids(ids: Iterable[Hashable]) -> tuple[list[Hashable], np.ndarray]:
    """Distinct ids in sorted order and each input's position in that list.

    Ids of mixed, mutually unorderable types (say 3 and "3") are ordered by (type name, repr) instead.
    """
    if isinstance(ids, np.ndarray) and ids.ndim == 1 and ids.dtype.kind in "biuUS":
        uniq, inverse = np.unique(ids, return_inverse=True)
        return uniq.tolist(), inverse.astype(np.int64).ravel()
    values = list(ids)
    distinct = set(values)
    try:
        order = sorted(distinct)  # type: ignore[type-var]
    except TypeError:
        order = sorted(distinct, key=_sort_key)
    position = {v: i for i, v in enumerate(order)}
    return order, np.fromiter((position[v] for v in values), dtype=np.int64, count=len(values))


def encode_arrays(objects: Iterable[Hashable], workers: Iterable[Hashable], labels: Iterable[int] | np.ndarray,
                  n_classes: int) -> EncodedAnswers:
    """Number objects and workers, check labels are in 0..n_classes-1 and sort the answers canonically."""
    if n_classes < 1:
        raise ValueError(f"n_classes must be at least 1, got {n_classes}")
    object_ids, obj = index_ids(objects)
    worker_ids, wrk = index_ids(workers)
    lab = np.asarray(labels if isinstance(labels, np.ndarray) else list(labels))
    if lab.size and lab.dtype.kind not in "iub" and not np.all(np.equal(np.mod(lab, 1), 0)):
        raise ValueError("labels must be integer class indices")
    lab = lab.astype(np.int64).ravel()
    if not (obj.shape == wrk.shape == lab.shape):
        raise ValueError(f"objects, workers and labels differ in length: {obj.size}, {wrk.size}, {lab.size}")
    bad = (lab < 0) | (lab >= n_classes)
    if bad.any():
        raise ValueError(f"label {int(lab[bad][0])} outside 0..{n_classes - 1}")
    order = np.lexsort((lab, wrk, obj))
    return EncodedAnswers(object_ids=object_ids, worker_ids=worker_ids, objects=obj[order], workers=wrk[order],
                          labels=lab[order], n_classes=n_classes)


def encode_answers(answers: Iterable[Answer], n_classes: int) -> EncodedAnswers:
    """The `Answer` dataclass path the service uses; same result as `encode_arrays` on its three columns."""
    rows = list(answers)
    return encode_arrays([a.object_id for a in rows], [a.worker_id for a in rows],
                         np.fromiter((a.label for a in rows), dtype=np.int64, count=len(rows)), n_classes)
