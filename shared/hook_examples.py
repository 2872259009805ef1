"""Example hooks, written as a Ground Truth user writes PRE/ACS Lambdas, to copy from and to test against.

Enable with `GW_HOOK_MODULES=shared.hook_examples` and name them on a custom job as
`python:shared.hook_examples:pre_passthrough` and `python:shared.hook_examples:consolidate_majority`. Each takes
the Lambda event (and an unused `context`, so the same function body also runs on Lambda).

`consolidate_majority` ports the logic of the AWS sample consolidation Lambda (aws-samples
aws-sagemaker-ground-truth-recipe): read the payload file named in the event, decode each worker's
`annotationData.content` JSON string, consolidate, return `[{datasetObjectId, consolidatedAnnotation: {content:
{<labelAttributeName>: ...}}}]` — here a majority vote over `crowd-classifier` answers instead of the sample's
pass-through.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any


def pre_passthrough(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """PRE-PassThrough-style: the whole manifest line as `task.input`, plus `taskObject` (the `source-ref` URI or
    the `source` text) as built-in PRE functions emit it; every object goes to humans."""
    line = event["dataObject"]
    task_input = dict(line)
    task_input["taskObject"] = line.get("source-ref", line.get("source"))
    return {"taskInput": task_input, "isHumanAnnotationRequired": True}


def _read_uri(uri: str) -> bytes:
    """Where a Lambda would call S3 with the event's role: Groundwork's own blob store, from its settings, so the
    payload is read under the same `file://` confinement and S3 endpoint as everything else."""
    from shared.config import from_env
    from shared.storage import open_blob_store

    settings = from_env()
    return open_blob_store(settings.allowed_file_roots, settings.s3_endpoint_url, settings.s3_region).read_bytes(uri)


def classifier_label(answer: Any) -> str | None:
    """The label of a `crowd-classifier`-style answer: `{"<element name>": {"label": "cat"}}` (the name is the
    template's choice, so any key will do). None when the answer holds no such element."""
    if not isinstance(answer, dict):
        return None
    for element in answer.values():
        if isinstance(element, dict) and isinstance(element.get("label"), str):
            return element["label"]
    return None


def majority_vote(payload: list[dict[str, Any]], label_attribute: str,
                  read_uri: Any = _read_uri) -> list[dict[str, Any]]:
    """The response for one payload: for each object, the label most workers chose (`{"label", "votes"}`) and
    `<attr>-metadata.confidence` = share of its votes. Ties go to the label answered first. Objects with no
    classifier answer are left out, which the caller treats as not consolidated."""
    response = []
    for item in payload:
        votes: Counter[str] = Counter()
        for annotation in item.get("annotations", []):
            data = annotation.get("annotationData", {})
            # Large answers come by reference; the AWS sample spells the key `s3uri`, the docs `s3Uri`.
            raw = data.get("content")
            if raw is None:
                raw = read_uri(data.get("s3Uri") or data["s3uri"])
            label = classifier_label(json.loads(raw))
            if label is not None:
                votes[label] += 1
        if not votes:
            continue
        label, count = votes.most_common(1)[0]
        response.append({
            "datasetObjectId": item["datasetObjectId"],
            "consolidatedAnnotation": {"content": {
                label_attribute: {"label": label, "votes": count},
                f"{label_attribute}-metadata": {"confidence": round(count / sum(votes.values()), 2)},
            }},
        })
    return response


def consolidate_majority(event: dict[str, Any], context: Any = None) -> list[dict[str, Any]]:
    """ACS hook: majority vote over `crowd-classifier` answers for every object in the event's payload file."""
    payload = json.loads(_read_uri(event["payload"]["s3Uri"]))
    return majority_vote(payload, event["labelAttributeName"])
