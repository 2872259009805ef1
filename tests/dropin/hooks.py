"""Hooks a requester registers under Lambda function names (operator-allowed via GW_HOOK_MODULES)."""

from __future__ import annotations

from typing import Any


def pre_annotation(event: dict[str, Any]) -> dict[str, Any]:
    """Ground Truth's pre-annotation contract: task.input is the data object, unchanged."""
    return {"taskInput": event["dataObject"], "isHumanAnnotationRequired": "true"}
