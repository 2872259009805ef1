"""Gold items: how well one answer matches a known answer, and when a labeler's record takes them off a job.

A score is in [0, 1] so every task type's gold can share one accuracy bar:
- one label (classification, verification): 1 when the label is the known one, else 0;
- several labels: the Jaccard index of the two label sets;
- boxes and entity spans: matched pairs (same class, IoU / character Jaccard >= 0.5, greedily best first) add their
  overlap, divided by the larger of the two counts, so a missed or an invented object costs as much as a wrong
  one; two empty answers score 1;
- masks: the share of pixels with the known class (the service decodes both masks first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from shared.domain.task_types import AnswerKind

MATCH_THRESHOLD = 0.5


@dataclass(frozen=True)
class GoldRecord:
    """A labeler's gold record on one job."""

    answers: int
    accuracy: float


def _iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Boxes as (left, top, width, height)."""
    ax2, ay2, bx2, by2 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    w = max(0.0, min(ax2, bx2) - max(a[0], b[0]))
    h = max(0.0, min(ay2, by2) - max(a[1], b[1]))
    inter = w * h
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def _span_jaccard(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def _matched_overlap(answer: list[tuple[str, Any]], known: list[tuple[str, Any]], overlap: Any) -> float:
    """Greedy one-to-one matching of same-label items, best overlap first; the sum of matched overlaps over the
    larger count."""
    if not answer and not known:
        return 1.0
    pairs = sorted(((overlap(a[1], k[1]), i, j) for i, a in enumerate(answer) for j, k in enumerate(known)
                    if a[0] == k[0]), reverse=True)
    used_a: set[int] = set()
    used_k: set[int] = set()
    total = 0.0
    for value, i, j in pairs:
        if value < MATCH_THRESHOLD or i in used_a or j in used_k:
            continue
        used_a.add(i)
        used_k.add(j)
        total += value
    return total / max(len(answer), len(known))


def score(kind: AnswerKind, answer: dict[str, Any], known: dict[str, Any]) -> float:
    """How well a canonical answer matches the gold answer (both as `answers.normalize_answer` returns them)."""
    if kind in (AnswerKind.CLASS, AnswerKind.VERDICT):
        return 1.0 if answer.get("label") == known.get("label") else 0.0
    if kind == AnswerKind.MULTI:
        a, k = set(answer.get("labels", [])), set(known.get("labels", []))
        return len(a & k) / len(a | k) if a | k else 1.0
    if kind == AnswerKind.BOXES:
        def boxes(content: dict[str, Any]) -> list[tuple[str, Any]]:
            return [(b["label"], (float(b["left"]), float(b["top"]), float(b["width"]), float(b["height"])))
                    for b in content.get("boundingBoxes", [])]
        return _matched_overlap(boxes(answer), boxes(known), _iou)
    if kind == AnswerKind.SPANS:
        def spans(content: dict[str, Any]) -> list[tuple[str, Any]]:
            return [(e["label"], (int(e["startOffset"]), int(e["endOffset"]))) for e in content.get("entities", [])]
        return _matched_overlap(spans(answer), spans(known), _span_jaccard)
    raise ValueError(f"masks are scored with mask_score, not score ({kind})")


def mask_score(answer: np.ndarray, known: np.ndarray) -> float:
    if answer.shape != known.shape:
        return 0.0
    return float(np.mean(answer == known)) if known.size else 1.0


def removal_reason(record: GoldRecord, min_answers: int, min_accuracy: float | None) -> str | None:
    """Why this labeler should stop receiving the job's tasks, or None. Nobody is judged on fewer than
    `min_answers` gold answers: one unlucky answer says little."""
    if min_accuracy is None or record.answers < max(1, min_answers):
        return None
    if record.accuracy >= min_accuracy:
        return None
    return (f"gold accuracy {record.accuracy:.2f} over {record.answers} gold answers is below the job's bar of "
            f"{min_accuracy:.2f}")
