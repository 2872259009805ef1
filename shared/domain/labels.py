"""Label categories: inline lists or Ground Truth's label-category configuration file (doc §2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.domain.errors import ValidationFailed

MAX_LABEL_LENGTH = 256


@dataclass(frozen=True)
class LabelConfig:
    """Ordered label names (the order fixes the class indices written to the output) and instructions.

    The fields after the instructions come from richer label files and default to "absent", so a config built
    from an inline list compares equal to one parsed from a file that only lists labels.
    `short_display_names` / `full_display_names` are parallel to `labels` when the file gave any (NER), else ().
    """

    labels: tuple[str, ...]
    short_instruction: str = ""
    full_instruction: str = ""
    short_display_names: tuple[str | None, ...] = ()
    full_display_names: tuple[str | None, ...] = ()
    # Verification/adjustment (and video) files may name the attribute of the job whose labels they review.
    audit_label_attribute_name: str = ""

    def index_of(self, label: str) -> int:
        return self.labels.index(label)

    def short_display_name(self, index: int) -> str | None:
        return self.short_display_names[index] if self.short_display_names else None

    def label_entries(self) -> list[dict[str, str]]:
        """The `labels` list a NER output echoes: `{"label"}` plus `shortDisplayName` only where the file had one
        (real output has none when the job's file set none)."""
        entries: list[dict[str, str]] = []
        for i, label in enumerate(self.labels):
            entry = {"label": label}
            short = self.short_display_name(i)
            if short:
                entry["shortDisplayName"] = short
            entries.append(entry)
        return entries


def check_labels(labels: list[str], min_labels: int, field: str = "labels",
                 max_labels: int | None = None) -> tuple[str, ...]:
    if len(labels) < min_labels:
        raise ValidationFailed(f"needs at least {min_labels} label categories", field)
    if max_labels is not None and len(labels) > max_labels:
        raise ValidationFailed(f"this task type allows at most {max_labels} label categories", field)
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


def _optional_str(entry: dict[str, Any], key: str, field: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed(f"'{key}' must be a string", f"{field}.{key}")
    return value or None


def parse_label_category_file(doc: Any, min_labels: int, field: str = "label_category_config", *,
                              max_labels: int | None = None, require_instructions: bool = False) -> LabelConfig:
    """Read `{"document-version": ..., "labels": [{"label": ...}], "instructions": {...}}`.

    `document-version` may be absent or any of the versions Ground Truth accepted in real jobs. Per label,
    `shortDisplayName`/`fullDisplayName` (NER) are kept; other per-label keys (video `attributes`) are ignored.
    `require_instructions` is for NER, whose fixed UI takes its instructions from this file only.
    """
    if not isinstance(doc, dict) or not isinstance(doc.get("labels"), list):
        raise ValidationFailed("a label category file is a JSON object with a 'labels' list", field)
    names: list[str] = []
    shorts: list[str | None] = []
    fulls: list[str | None] = []
    for i, entry in enumerate(doc["labels"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("label"), str):
            raise ValidationFailed("each entry needs a string 'label'", f"{field}.labels[{i}]")
        names.append(entry["label"])
        shorts.append(_optional_str(entry, "shortDisplayName", f"{field}.labels[{i}]"))
        fulls.append(_optional_str(entry, "fullDisplayName", f"{field}.labels[{i}]"))
    raw_instructions = doc.get("instructions")
    if raw_instructions is not None and not isinstance(raw_instructions, dict):
        raise ValidationFailed("'instructions' must be an object", f"{field}.instructions")
    instructions = raw_instructions or {}
    for key in ("shortInstruction", "fullInstruction"):
        if key in instructions and not isinstance(instructions[key], str):
            raise ValidationFailed("must be a string", f"{field}.instructions.{key}")
    if require_instructions and not (instructions.get("shortInstruction") or instructions.get("fullInstruction")):
        raise ValidationFailed("this task type takes its worker instructions from the label category file: add "
                               "'instructions': {'shortInstruction': ..., 'fullInstruction': ...}",
                               f"{field}.instructions")
    audit = doc.get("auditLabelAttributeName", "")
    if not isinstance(audit, str):
        raise ValidationFailed("must be a string", f"{field}.auditLabelAttributeName")
    return LabelConfig(
        labels=check_labels(names, min_labels, f"{field}.labels", max_labels),
        short_instruction=str(instructions.get("shortInstruction", "")),
        full_instruction=str(instructions.get("fullInstruction", "")),
        short_display_names=tuple(shorts) if any(shorts) else (),
        full_display_names=tuple(fulls) if any(fulls) else (),
        audit_label_attribute_name=audit,
    )
