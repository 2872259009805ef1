"""What a custom worker template labels, read from the Crowd HTML element it uses.

SageMaker's CreateHumanTaskUi and a labeling job's UiTemplateS3Uri carry only a template; Groundwork validates and
consolidates answers per task type, so it reads the type from the template's labeling element
(`<crowd-bounding-box>` means boxes) and, where the template lists them literally, its categories.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from shared.domain.task_types import TaskType

# Longest names first: `crowd-classifier-multi-select` must win over `crowd-classifier`.
ELEMENT_TYPES: dict[str, TaskType] = {
    "crowd-image-classifier-multi-select": TaskType.IMAGE_MULTILABEL,
    "crowd-classifier-multi-select": TaskType.TEXT_MULTILABEL,
    "crowd-image-classifier": TaskType.IMAGE_CLASSIFICATION,
    "crowd-classifier": TaskType.TEXT_CLASSIFICATION,
    "crowd-bounding-box": TaskType.BOUNDING_BOX,
    "crowd-semantic-segmentation": TaskType.SEMANTIC_SEGMENTATION,
    "crowd-entity-annotation": TaskType.NAMED_ENTITY_RECOGNITION,
}
_TAG = re.compile(r"<(" + "|".join(re.escape(name) for name in ELEMENT_TYPES) + r")(?=[\s>/])([^>]*)>", re.I)
# The elements that list their labels in `labels`; the classifiers' attribute is `categories`.
_LABELS_ATTRIBUTE = frozenset({"crowd-entity-annotation", "crowd-bounding-box", "crowd-semantic-segmentation"})


def label_attribute(element: str) -> str:
    """The attribute of a labeling element that lists its labels."""
    return "labels" if element in _LABELS_ATTRIBUTE else "categories"


@dataclass(frozen=True)
class TemplateKind:
    task_type: TaskType
    labels: tuple[str, ...] | None  # None: the template takes them from task.input (a Liquid expression)


def _attribute(attributes: str, name: str) -> str | None:
    match = re.search(rf"\b{name}\s*=\s*(\"([^\"]*)\"|'([^']*)')", attributes, re.I)
    if match is None:
        return None
    return match.group(2) if match.group(2) is not None else match.group(3)


def _literal_labels(raw: str | None) -> tuple[str, ...] | None:
    """`['Cat', 'Dog']` or `[{label: 'person'}, ...]` (entity labels) written in the template; Liquid -> None."""
    if raw is None or "{{" in raw or "{%" in raw:
        return None
    text = raw.replace("&quot;", '"').replace("&#39;", "'").replace("'", '"')
    text = re.sub(r"([{,]\s*)([A-Za-z_]\w*)\s*:", r'\1"\2":', text)  # {label: "x"} -> {"label": "x"}
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, list) or not value:
        return None
    names = [item.get("label") if isinstance(item, dict) else item for item in value]
    if not all(isinstance(n, str) and n for n in names):
        return None
    return tuple(names)


def infer(template: str) -> TemplateKind | None:
    """The task type (and literal labels) of the first labeling element in the template; None if it has none."""
    match = _TAG.search(template or "")
    if match is None:
        return None
    element = match.group(1).lower()
    labels = _literal_labels(_attribute(match.group(2), label_attribute(element)))
    return TemplateKind(ELEMENT_TYPES[element], labels)


def answer_key(element: str, template: str | None) -> str:
    """The key a crowd-form posts the labeling element's answer under: the element's `name` in a custom template
    (e.g. `sentiment`), else the element's own name (Groundwork's built-in templates name the element after
    itself). A2I's output wraps each answer in it, so it reads as it does on AWS."""
    if template:
        tag = re.search(rf"<{re.escape(element)}(?=[\s>/])([^>]*)>", template, re.IGNORECASE)
        name = re.search(r"(?<![\w-])name\s*=\s*(?:\"([^\"{}]+)\"|'([^'{}]+)')", tag.group(1)) if tag else None
        if name is not None:
            return name.group(1) or name.group(2)
    return element
