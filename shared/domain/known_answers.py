"""Data objects sent with their known answer (gold items, qualification tests).

Why one check: a known answer is a manifest line and a labeler's answer at once, so it is checked as both, and every
error names the item and the member at fault (`gold.items[3].answer.label`, `items[0]`), whichever feature it came
through.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.domain.answers import normalize_answer
from shared.domain.errors import ValidationFailed
from shared.domain.labels import LabelConfig
from shared.domain.manifest import BadLine, check_record
from shared.domain.task_types import TaskTypeSpec


@dataclass(frozen=True)
class KnownItem:
    """One checked item: its line without the answer (as JSON, what a manifest line would hold), the data it points
    to, and the answer in canonical form."""

    text: str
    source: str | None
    source_ref: str | None
    known: Any


def check_known_item(item: Any, where: str, spec: TaskTypeSpec, labels: LabelConfig, noun: str,
                     check_known: Callable[[Any, LabelConfig], Any] | None = None) -> KnownItem:
    """`item` is `{"source" or "source-ref": ..., "answer": <what a labeler would submit>}`; any other keys pass
    through like a manifest line's. `check_known` is an extra check of the canonical answer (the service decodes
    masks)."""
    if not isinstance(item, dict) or "answer" not in item:
        raise ValidationFailed(f"{noun} is an object with the data key and an 'answer'", where)
    line = {k: v for k, v in item.items() if k != "answer"}
    text = json.dumps(line, ensure_ascii=False)
    try:
        parsed = check_record(line, text, spec.source_key)
    except BadLine as exc:
        raise ValidationFailed(str(exc), where) from None
    try:
        known = normalize_answer(spec, item["answer"], labels, text=parsed.source)
        if check_known is not None:
            check_known(known, labels)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, f"{where}.{exc.field or 'answer'}") from None
    return KnownItem(text, parsed.source, parsed.source_ref, known)
