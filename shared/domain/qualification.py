"""A public workforce's qualification: a short test of gold items a self-signed-up labeler must pass before any
paid task. Pure rules: what a qualification may hold, a labeler's status, and how an attempt is graded.

Items are checked like gold items (the data key as a manifest line would hold it, the answer as a labeler would
submit it) so the known answers are stored in canonical form and scored with the gold rules: an item counts as
correct when its score reaches gold's match threshold (0.5; 1/0 for single labels), and the attempt passes when
the share of correct items reaches `pass_ratio`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from shared.domain import gold
from shared.domain.errors import ValidationFailed
from shared.domain.known_answers import check_known_item
from shared.domain.labels import LabelConfig, check_labels
from shared.domain.pricing import WorkforceKind
from shared.domain.task_types import TaskTypeSpec, spec_for

MIN_ITEMS = 1
MAX_ITEMS = 50
DEFAULT_PASS_RATIO = 0.8
DEFAULT_MAX_ATTEMPTS = 3
CORRECT_AT = gold.MATCH_THRESHOLD

NONE, REQUIRED, PASSED, FAILED = "none", "required", "passed", "failed"


@dataclass(frozen=True)
class Item:
    source: str | None
    source_ref: str | None
    known: dict[str, Any]  # the answer in canonical form (`normalize_answer`)


@dataclass(frozen=True)
class Qualification:
    task_type: str
    labels: tuple[str, ...]
    items: tuple[Item, ...]
    pass_ratio: float
    max_attempts: int

    @property
    def spec(self) -> TaskTypeSpec:
        return spec_for(self.task_type)

    @property
    def label_config(self) -> LabelConfig:
        return LabelConfig(self.labels)

    def to_json(self) -> str:
        return json.dumps({
            "task_type": self.task_type, "labels": list(self.labels), "pass_ratio": self.pass_ratio,
            "max_attempts": self.max_attempts,
            "items": [{"source": i.source, "source_ref": i.source_ref, "answer": i.known} for i in self.items],
        }, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Qualification:
        doc = json.loads(text)
        return cls(doc["task_type"], tuple(doc["labels"]),
                   tuple(Item(i.get("source"), i.get("source_ref"), i["answer"]) for i in doc["items"]),
                   float(doc["pass_ratio"]), int(doc["max_attempts"]))


def build(task_type: str, labels: list[str], items: list[Any], pass_ratio: float = DEFAULT_PASS_RATIO,
          max_attempts: int = DEFAULT_MAX_ATTEMPTS,
          check_known: Callable[[dict[str, Any], LabelConfig], Any] | None = None) -> Qualification:
    """Check a qualification as the requester sent it; every error names the member at fault (`labels[1]`,
    `items[3].answer.label`). `check_known` is an extra check of a canonical answer (the service decodes masks)."""
    spec = spec_for(task_type)
    if spec.needs_prior:
        raise ValidationFailed("a qualification cannot be a verification or adjustment task (no prior label)",
                               "task_type")
    names = check_labels(labels, spec.min_labels, "labels", spec.max_labels)
    if not MIN_ITEMS <= len(items) <= MAX_ITEMS:
        raise ValidationFailed(f"a qualification has {MIN_ITEMS} to {MAX_ITEMS} items", "items")
    if not 0 < pass_ratio <= 1:
        raise ValidationFailed("must be more than 0 and at most 1", "pass_ratio")
    if max_attempts < 1:
        raise ValidationFailed("must be at least 1", "max_attempts")
    config = LabelConfig(names)
    checked = []
    for i, item in enumerate(items):
        known = check_known_item(item, f"items[{i}]", spec, config, "an item", check_known)
        checked.append(Item(known.source, known.source_ref, known.known))
    return Qualification(task_type, names, tuple(checked), float(pass_ratio), int(max_attempts))


def status(qualification: Qualification | None, workforce_kind: str, qualified: bool, attempts: int) -> str:
    """Only a public workforce's qualification gates anyone; a labeler the requester added is recorded as
    qualified at creation."""
    if qualification is None or workforce_kind != WorkforceKind.PUBLIC:
        return NONE
    if qualified:
        return PASSED
    return FAILED if attempts >= qualification.max_attempts else REQUIRED


def attempts_left(qualification: Qualification | None, attempts: int) -> int:
    return 0 if qualification is None else max(qualification.max_attempts - attempts, 0)


def answer_error(exc: ValidationFailed, index: int) -> ValidationFailed:
    """A labeler's answer error renamed to the item it concerns: `answer.label` → `answers[2].label`."""
    rest = (exc.field or "answer").removeprefix("answer")
    return ValidationFailed(exc.message, f"answers[{index}]{rest}")


@dataclass(frozen=True)
class Grade:
    correct: int
    total: int
    score: float  # the mean item score, as gold accuracy is
    passed: bool


def grade(scores: Sequence[float], pass_ratio: float) -> Grade:
    total = len(scores)
    correct = sum(1 for s in scores if s >= CORRECT_AT)
    mean = sum(scores) / total if total else 0.0
    return Grade(correct, total, round(mean, 4), bool(total) and correct / total >= pass_ratio)
