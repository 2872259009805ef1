"""What a labeler may submit, checked against the job's label categories before anything is stored."""

from __future__ import annotations

from typing import Any

from shared.domain.errors import ValidationFailed
from shared.domain.labels import LabelConfig
from shared.domain.task_types import TaskTypeSpec


def normalize_classification_answer(answer: Any, spec: TaskTypeSpec, labels: LabelConfig) -> dict[str, Any]:
    """Accept `{"label": "cat"}` or the crowd element's shape `{"crowd-classifier": {"label": "cat"}}`.

    Returns the canonical `{"label": name}` (plus `workerComment` when given).
    """
    if isinstance(answer, dict) and spec.element in answer and isinstance(answer[spec.element], dict):
        answer = answer[spec.element]
    if not isinstance(answer, dict):
        raise ValidationFailed("must be an object like {\"label\": \"<category>\"}", "answer")
    label = answer.get("label")
    if not isinstance(label, str):
        raise ValidationFailed("must be one of the job's label categories", "answer.label")
    if label not in labels.labels:
        raise ValidationFailed(
            f"'{label[:80]}' is not one of the job's label categories: {', '.join(labels.labels[:20])}",
            "answer.label",
        )
    out: dict[str, Any] = {"label": label}
    comment = answer.get("workerComment")
    if isinstance(comment, str) and comment:
        out["workerComment"] = comment[:2000]
    return out
