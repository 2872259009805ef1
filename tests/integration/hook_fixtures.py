"""Hooks the hook tests name as `python:tests.integration.hook_fixtures:<function>` (allowed in those tests)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse


def pre(event: dict[str, Any]) -> dict[str, Any]:
    """Show a hint; lines whose text says "skip" need no human."""
    line = event["dataObject"]
    return {"taskInput": {"taskObject": line.get("source"), "hint": f"about {len(line.get('source', ''))} chars"},
            "isHumanAnnotationRequired": "skip" not in line.get("source", "")}


def consolidate(event: dict[str, Any]) -> list[dict[str, Any]]:
    """Majority vote, answered in Ground Truth's response shape (file:// payloads only, as in these tests)."""
    payload = json.loads(Path(unquote(urlparse(event["payload"]["s3Uri"]).path)).read_text())
    attribute = event["labelAttributeName"]
    out = []
    for item in payload:
        votes = Counter(next(iter(json.loads(a["annotationData"]["content"]).values()))["label"]
                        for a in item["annotations"])
        label, count = votes.most_common(1)[0]
        out.append({"datasetObjectId": item["datasetObjectId"], "consolidatedAnnotation": {"content": {
            attribute: {"label": label, "votes": count},
            f"{attribute}-metadata": {"confidence": round(count / len(item["annotations"]), 2), "hooked": True}}}})
    return out
