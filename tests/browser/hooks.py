"""A pre-annotation hook for the browser tests, written as Ground Truth's samples write their PRE Lambda for the
entity-review template: `task.input.text`, and `labels` and `initialValue` as JSON strings the template puts
straight into the element's attributes."""

from __future__ import annotations

import json
from typing import Any


def ner_review(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    line = event["dataObject"]
    task_input = {
        "text": line["source"],
        "labels": json.dumps([{"label": name} for name in line["entity-labels"]]),
        "initialValue": json.dumps(line["draft-entities"]),
    }
    return {"taskInput": task_input, "isHumanAnnotationRequired": True}
