"""Label categories: inline lists or Ground Truth's label-category configuration file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.domain.errors import ValidationFailed

MAX_LABEL_LENGTH = 256


@dataclass(frozen=True)
class LabelConfig:
    """Ordered label names (the order fixes the class indices written to the output) and instructions."""

    labels: tuple[str, ...]
    short_instruction: str = ""
    full_instruction: str = ""

    def index_of(self, label: str) -> int:
        return self.labels.index(label)


def check_labels(labels: list[str], min_labels: int, field: str = "labels") -> tuple[str, ...]:
    if len(labels) < min_labels:
        raise ValidationFailed(f"needs at least {min_labels} label categories", field)
    seen: set[str] = set()
    for i, label in enumerate(labels):
        if not isinstance(label, str) or not label.strip():
            raise ValidationFailed("each label must be a non-empty string", f"{field}[{i}]")
        if len(label) > MAX_LABEL_LENGTH:
            raise ValidationFailed(f"a label is at most {MAX_LABEL_LENGTH} characters", f"{field}[{i}]")
        if label in seen:
            raise ValidationFailed(f"label '{label}' appears twice", f"{field}[{i}]")
        seen.add(label)
    return tuple(labels)


def parse_label_category_file(doc: Any, min_labels: int, field: str = "label_category_config") -> LabelConfig:
    """Read `{"document-version": ..., "labels": [{"label": ...}], "instructions": {...}}`.

    `document-version` may be absent or any of the versions Ground Truth accepted in real jobs.
    """
    if not isinstance(doc, dict) or not isinstance(doc.get("labels"), list):
        raise ValidationFailed("a label category file is a JSON object with a 'labels' list", field)
    names: list[str] = []
    for i, entry in enumerate(doc["labels"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("label"), str):
            raise ValidationFailed("each entry needs a string 'label'", f"{field}.labels[{i}]")
        names.append(entry["label"])
    instructions = doc.get("instructions") if isinstance(doc.get("instructions"), dict) else {}
    return LabelConfig(
        labels=check_labels(names, min_labels, f"{field}.labels"),
        short_instruction=str(instructions.get("shortInstruction", "")),
        full_instruction=str(instructions.get("fullInstruction", "")),
    )
