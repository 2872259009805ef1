"""Labeler quality for the structured consolidators (boxes, masks, spans): answers grouped per object, agreement
scores turned into a quality, a quality into a vote weight.

Why one module: the three consolidators differ in how they score an answer against the consensus (IoU to the fused
box, pixel accuracy, Jaccard of a span with the right label), not in what they do with the scores. Each keeps its
own score; the shrinkage, the weight for an unknown labeler and the one-coin log-odds weight live here, so a fix to
one reaches all three.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol, TypeVar

import numpy as np

MIN_WEIGHT = 0.05  # a labeler at or below chance still counts a little, so equal-quality ties stay symmetric
QUALITY_CLIP = (1e-3, 1 - 1e-3)

A = TypeVar("A", bound="_Answer")
V = TypeVar("V")


class _Answer(Protocol):
    @property
    def object_id(self) -> int: ...

    @property
    def worker_id(self) -> int: ...


def by_object(answers: Iterable[A], value: Callable[[A], V]) -> dict[int, dict[int, V]]:
    """object id -> worker id -> `value(answer)`, in arrival order; a second answer from one labeler on one object
    is refused (the store keeps one answer per labeler and object, so two here means a caller's bug)."""
    rows: dict[int, dict[int, V]] = {}
    for a in answers:
        item = value(a)  # validates the answer before the duplicate check, so a bad answer names its own fault
        seen = rows.setdefault(a.object_id, {})
        if a.worker_id in seen:
            raise ValueError(f"worker {a.worker_id} answered object {a.object_id} twice")
        seen[a.worker_id] = item
    return rows


def shrunk_qualities(observations: Mapping[int, Sequence[float]], prior: Mapping[int, float],
                     strength: float) -> dict[int, float]:
    """Each labeler's mean score, shrunk toward their carried-over quality (`prior`) or else the batch's pooled mean
    with `strength` pseudo-observations; a labeler with no scores in this batch (seen only on objects one labeler
    answered) keeps their prior."""
    pooled = [x for obs in observations.values() for x in obs]
    fallback = float(np.mean(pooled)) if pooled else 1.0
    quality = dict(prior)
    for w, obs in observations.items():
        quality[w] = (sum(obs) + strength * prior.get(w, fallback)) / (len(obs) + strength)
    return quality


def mean_known(quality: Mapping[int, float]) -> float | None:
    """What a labeler without an estimate counts as: the average known labeler (None when nobody is known yet)."""
    return float(np.mean(list(quality.values()))) if quality else None


def largest_shift(new: Mapping[int, float], old: Mapping[int, float]) -> float:
    """How far the qualities moved in one round (a labeler new in `new` counts as moved without bound)."""
    return max((abs(q - old.get(w, np.inf)) for w, q in new.items()), default=0.0)


def log_odds_weight(quality: float | None, n_classes: int) -> float:
    """Dawid-Skene one-coin log odds log((K - 1) q / (1 - q)), floored at MIN_WEIGHT; 1 when nothing is known."""
    if quality is None:
        return 1.0
    q = float(np.clip(quality, *QUALITY_CLIP))
    return max(float(np.log((n_classes - 1) * q / (1 - q))), MIN_WEIGHT)
