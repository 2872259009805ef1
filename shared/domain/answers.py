"""What a labeler may submit, checked against the job's label categories before anything is stored."""

from __future__ import annotations

from typing import Any

from shared.domain.errors import ValidationFailed
from shared.domain.labels import LabelConfig
from shared.domain.task_types import TaskTypeSpec


def canonical_answer(answer: Any, elements: tuple[str, ...]) -> dict[str, Any]:
    """Accept `{"label": "cat"}` or a crowd element's shape `{"crowd-classifier": {"label": "cat"}}` for one of
    `elements`; return `{"label": name}` (plus `workerComment`). Whether the label is the job's is checked apart."""
    if isinstance(answer, dict):
        for element in elements:
            if isinstance(answer.get(element), dict):
                answer = answer[element]
                break
    if not isinstance(answer, dict):
        raise ValidationFailed("must be an object like {\"label\": \"<category>\"}", "answer")
    label = answer.get("label")
    if not isinstance(label, str):
        raise ValidationFailed("must be one of the job's label categories", "answer.label")
    out: dict[str, Any] = {"label": label}
    comment = answer.get("workerComment")
    if isinstance(comment, str) and comment:
        out["workerComment"] = comment[:2000]
    return out


def check_label(content: dict[str, Any], labels: LabelConfig) -> dict[str, Any]:
    label = content["label"]
    if label not in labels.labels:
        raise ValidationFailed(
            f"'{label[:80]}' is not one of the job's label categories: {', '.join(labels.labels[:20])}",
            "answer.label",
        )
    return content


def normalize_classification_answer(answer: Any, spec: TaskTypeSpec, labels: LabelConfig) -> dict[str, Any]:
    """The answer in canonical form, checked against the job's task type and label categories."""
    return check_label(canonical_answer(answer, (spec.element,)), labels)
