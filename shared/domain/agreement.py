"""Agreement of one labeler's answer with the object's consolidated label, in [0, 1], for the console's
per-labeler table: the consolidated label (as the output manifest writes it) is turned back into an answer and
scored with the gold rules (equal labels 1 else 0; several labels: Jaccard; boxes and spans: matched overlap).
Masks return None: comparing them means decoding two PNGs per answer, too slow for a report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from shared.domain import gold
from shared.domain.task_types import AnswerKind


def _name(labels: Sequence[str], index: Any) -> str | None:
    try:
        i = int(index)
    except (TypeError, ValueError):
        return None
    return labels[i] if 0 <= i < len(labels) else None


def consolidated_answer(kind: AnswerKind, value: Any, class_name: str | None,
                        labels: Sequence[str]) -> dict[str, Any] | None:
    """The consolidated label in the shape of a canonical answer, or None when it cannot be compared."""
    if kind in (AnswerKind.CLASS, AnswerKind.VERDICT):
        name = class_name if class_name is not None else _name(labels, value)
        return None if name is None else {"label": name}
    if kind == AnswerKind.MULTI and isinstance(value, list):
        return {"labels": [n for n in (_name(labels, i) for i in value) if n is not None]}
    if kind == AnswerKind.BOXES and isinstance(value, dict):
        return {"boundingBoxes": [
            {"label": _name(labels, a.get("class_id")), "left": a["left"], "top": a["top"], "width": a["width"],
             "height": a["height"]} for a in value.get("annotations", [])]}
    if kind == AnswerKind.SPANS and isinstance(value, dict):
        return {"entities": list((value.get("annotations") or {}).get("entities", []))}
    return None


def agreement(kind: AnswerKind, answer: dict[str, Any], consolidated: dict[str, Any] | None) -> float | None:
    if consolidated is None or kind == AnswerKind.MASK:
        return None
    return gold.score(kind, answer, consolidated)


def mean(values: Iterable[float]) -> float | None:
    total, n = 0.0, 0
    for v in values:
        total += v
        n += 1
    return round(total / n, 4) if n else None
