"""Custom pre-annotation and consolidation hooks with Ground Truth's Lambda event shapes (doc §5.2, §5.3).

A Ground Truth user's PRE/ACS Lambda code should port over unchanged, so the events we send and the responses we
accept are Ground Truth's, byte for byte where the doc shows them. Groundwork cannot invoke Lambda, so a hook is
named either as `python:<module.path>:<function>` (operator-installed code) or as an `http(s)://` URL that
receives the event as a JSON POST. Ground Truth's own built-in `PRE-*`/`ACS-*` ARNs are recognised separately
(`builtin_for_lambda_arn`) so real requests can be dispatched to internal implementations.

Pure: stdlib only. The adapter that actually calls hooks lives in shared/services/hooks.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from shared.domain.errors import ValidationFailed
from shared.domain.output import JobLayout, gt_file_stamp

EVENT_VERSION = "2018-10-16"
# botocore caps PreHumanTaskLambdaArn / AnnotationConsolidationLambdaArn at 2048 characters.
MAX_HOOK_REF_LENGTH = 2048

_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_PYTHON_REF = re.compile(rf"python:(?P<module>{_IDENTIFIER}(?:\.{_IDENTIFIER})*):(?P<function>{_IDENTIFIER})")


class HookError(ValueError):
    """A hook could not be called, or answered something Ground Truth would reject. The message says which."""


# -- hook references -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HookRef:
    """A parsed hook: `python` (module + function) or `http` (url). `ref` is the text it was parsed from."""

    kind: Literal["python", "http"]
    ref: str
    module: str = ""
    function: str = ""
    url: str = ""

    def __str__(self) -> str:
        return self.ref


def parse_hook_ref(ref: str, field: str = "hook") -> HookRef:
    """`python:<module.path>:<function>` or an `http://`/`https://` URL with a host; anything else is refused
    up front (at job creation) so a typo does not surface only when the first object reaches the hook."""
    if not isinstance(ref, str) or not ref.strip():
        raise ValidationFailed("must be python:<module>:<function> or an http(s):// URL", field)
    if len(ref) > MAX_HOOK_REF_LENGTH:
        raise ValidationFailed(f"must be at most {MAX_HOOK_REF_LENGTH} characters", field)
    if ref.startswith("python:"):
        match = _PYTHON_REF.fullmatch(ref)
        if match is None:
            raise ValidationFailed("a python hook is python:<dotted.module>:<function>", field)
        return HookRef("python", ref, module=match["module"], function=match["function"])
    scheme = ref.split(":", 1)[0].lower()
    if scheme in ("http", "https"):
        if any(c.isspace() for c in ref):
            raise ValidationFailed("a hook URL must not contain whitespace", field)
        try:
            parts = urlsplit(ref)
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            raise ValidationFailed("not a valid http(s) URL", field) from None
        if not parts.hostname:
            raise ValidationFailed("a hook URL needs a host", field)
        if parts.username is not None or parts.password is not None:
            # Credentials in the URL would be stored with the job and shown back by DescribeLabelingJob.
            raise ValidationFailed("a hook URL must not carry credentials", field)
        return HookRef("http", ref, url=ref)
    raise ValidationFailed("must be python:<module>:<function> or an http(s):// URL", field)


# -- ARNs ---------------------------------------------------------------------------------------------------------

def labeling_job_arn(region: str, account: str, job_name: str) -> str:
    """`arn:aws:sagemaker:<region>:<account>:labeling-job/<name>`; Ground Truth lower-cases the name in ARNs."""
    return f"arn:aws:sagemaker:{region}:{account}:labeling-job/{job_name.lower()}"


# Doc §3.11: the AWS-owned accounts that host the built-in PRE-/ACS- functions, per region.
BUILTIN_LAMBDA_ACCOUNTS: Mapping[str, str] = {
    "us-east-1": "432418664414",
    "us-east-2": "266458841044",
    "us-west-2": "081040173940",
    "ca-central-1": "918755190332",
    "eu-west-1": "568282634449",
    "eu-west-2": "487402164563",
    "eu-central-1": "203001061592",
    "ap-northeast-1": "477331159723",
    "ap-northeast-2": "845288260483",
    "ap-south-1": "565803892007",
    "ap-southeast-1": "377565633583",
    "ap-southeast-2": "454466003867",
}

BUILTIN_LAMBDA_SUFFIXES: frozenset[str] = frozenset({
    "BoundingBox", "ImageMultiClass", "ImageMultiClassMultiLabel", "SemanticSegmentation", "TextMultiClass",
    "TextMultiClassMultiLabel", "NamedEntityRecognition", "VideoMultiClass", "VideoObjectDetection",
    "VideoObjectTracking", "3DPointCloudObjectDetection", "3DPointCloudObjectTracking",
    "3DPointCloudSemanticSegmentation", "VerificationBoundingBox", "VerificationSemanticSegmentation",
    "AdjustmentBoundingBox", "AdjustmentSemanticSegmentation", "AdjustmentVideoObjectDetection",
    "AdjustmentVideoObjectTracking", "Adjustment3DPointCloudObjectDetection",
    "Adjustment3DPointCloudObjectTracking", "Adjustment3DPointCloudSemanticSegmentation", "PassThrough",
})

_BUILTIN_ARN = re.compile(
    r"arn:aws:lambda:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d):(?P<account>\d{12}):function:(?:PRE|ACS)-(?P<suffix>\w+)"
)


def builtin_for_lambda_arn(arn: str) -> str | None:
    """The built-in's suffix ("BoundingBox", "PassThrough", ...) for a Ground Truth PRE-/ACS- Lambda ARN, else None.

    In a region the doc lists, the account must be the AWS-owned one: a requester's own function that happens to
    be called `PRE-Foo` is not a built-in. Ground Truth runs in more regions than the doc lists; there any account
    is accepted, but only with a known suffix."""
    match = _BUILTIN_ARN.fullmatch(arn) if isinstance(arn, str) else None
    if match is None:
        return None
    owner = BUILTIN_LAMBDA_ACCOUNTS.get(match["region"])
    if owner is not None:
        return match["suffix"] if match["account"] == owner else None
    return match["suffix"] if match["suffix"] in BUILTIN_LAMBDA_SUFFIXES else None


# -- pre-annotation (§5.3) -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PreAnnotation:
    """What a pre-annotation hook decided for one object: the template's `task.input`, and whether humans see it."""

    task_input: dict[str, Any]
    human_required: bool


def pre_annotation_event(job_arn: str, data_object: Mapping[str, Any]) -> dict[str, Any]:
    """The per-object request: `dataObject` is the whole manifest line, unchanged."""
    return {"version": EVENT_VERSION, "labelingJobArn": job_arn, "dataObject": dict(data_object)}


def _flag(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise HookError(f"pre-annotation response: '{key}' must be true or false (a boolean or the string), "
                    f"got {_excerpt(value)}")


def parse_pre_annotation_response(resp: Any) -> PreAnnotation:
    """`{"taskInput": {...}, "isHumanAnnotationRequired": true}`. The flag is optional (default true), may be a
    boolean or "true"/"false", and may be spelled `humanAnnotationRequired` as in the doc's sample."""
    if not isinstance(resp, dict):
        raise HookError(f"pre-annotation response must be a JSON object, got {_type_name(resp)}")
    if "taskInput" not in resp:
        raise HookError("pre-annotation response has no 'taskInput'")
    task_input = resp["taskInput"]
    if not isinstance(task_input, dict):
        raise HookError(f"pre-annotation response: 'taskInput' must be a JSON object, got {_type_name(task_input)}")
    flags = {key: _flag(resp[key], key) for key in ("isHumanAnnotationRequired", "humanAnnotationRequired")
             if resp.get(key) is not None}
    if len(set(flags.values())) > 1:
        raise HookError("pre-annotation response: 'isHumanAnnotationRequired' and 'humanAnnotationRequired' "
                        "disagree")
    human = next(iter(flags.values()), True)
    return PreAnnotation(task_input=task_input, human_required=human)


# -- consolidation (§5.2) ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConsolidatedContent:
    """One object's consolidated label: `content[<attr>]`, and `content[<attr>-metadata]` when the hook gave one
    (Ground Truth adds its own metadata keys on top; built-in ACS functions return some themselves)."""

    value: Any
    metadata: dict[str, Any] | None


Annotation = tuple[str, str]  # (workerId, the worker's answer as a JSON string)
PayloadObject = tuple[str, Mapping[str, Any], Sequence[Annotation]]  # (datasetObjectId, manifest line, answers)


def consolidation_event(job_arn: str, label_categories: Sequence[str] | None, label_attribute: str,
                        role_arn: str, payload_uri: str) -> dict[str, Any]:
    """The batch request; the objects themselves are in the payload file at `payload_uri`. `labelCategories` is
    left out when the job has no label category file (the AWS sample Lambdas test for the key)."""
    event: dict[str, Any] = {"version": EVENT_VERSION, "labelingJobArn": job_arn}
    if label_categories is not None:
        event["labelCategories"] = list(label_categories)
    event.update({"labelAttributeName": label_attribute, "roleArn": role_arn, "payload": {"s3Uri": payload_uri}})
    return event


def payload_data_object(data_object: Mapping[str, Any]) -> dict[str, str]:
    """`{"content": <text>}` for a `source` line, `{"s3Uri": <uri>}` for a `source-ref` line. An object already in
    payload form (`content`/`s3Uri`) passes through, so callers may hand over either shape."""
    for key, out in (("source", "content"), ("source-ref", "s3Uri"), ("content", "content"), ("s3Uri", "s3Uri")):
        value = data_object.get(key)
        if isinstance(value, str):
            return {out: value}
    raise HookError("a data object needs 'source' (text) or 'source-ref' (a URI) to be sent to a consolidation "
                    "hook")


def consolidation_payload(objects: Iterable[PayloadObject]) -> list[dict[str, Any]]:
    """The payload file: one entry per object, `annotations[].annotationData.content` kept as a JSON *string*
    exactly as Ground Truth sends it (hooks call `json.loads` on it)."""
    payload = []
    seen: set[str] = set()
    for index, (dataset_object_id, data_object, answers) in enumerate(objects):
        object_id = str(dataset_object_id)
        if object_id in seen:
            raise HookError(f"consolidation payload entry {index}: datasetObjectId '{object_id}' appears twice")
        seen.add(object_id)
        entries = []
        for worker_id, content in answers:
            if not isinstance(content, str):
                raise HookError(f"consolidation payload entry {index}: annotation content must be a JSON string")
            entries.append({"workerId": worker_id, "annotationData": {"content": content}})
        payload.append({"datasetObjectId": object_id, "dataObject": payload_data_object(data_object),
                        "annotations": entries})
    return payload


def parse_consolidation_response(resp: Any, label_attribute: str,
                                 expected_ids: set[str]) -> dict[str, ConsolidatedContent]:
    """`[{"datasetObjectId", "consolidatedAnnotation": {"content": {<attr>: value, <attr>-metadata?: {...}}}}]`.

    An id outside the batch, a repeated id or a missing attribute is an error naming the entry's index: a hook that
    mixes up objects must not write labels onto the wrong lines. Ids of the batch the hook left out are simply
    absent from the result; the caller decides what an unconsolidated object becomes."""
    if not isinstance(resp, list):
        raise HookError(f"consolidation response must be a JSON list, got {_type_name(resp)}")
    meta_key = f"{label_attribute}-metadata"
    results: dict[str, ConsolidatedContent] = {}
    for index, entry in enumerate(resp):
        where = f"consolidation response entry {index}"
        if not isinstance(entry, dict):
            raise HookError(f"{where}: must be a JSON object, got {_type_name(entry)}")
        raw_id = entry.get("datasetObjectId")
        if isinstance(raw_id, bool) or not isinstance(raw_id, str | int):
            raise HookError(f"{where}: 'datasetObjectId' must be a string, got {_excerpt(raw_id)}")
        object_id = str(raw_id)
        if object_id not in expected_ids:
            raise HookError(f"{where}: datasetObjectId '{_clip(object_id)}' was not in this batch")
        if object_id in results:
            raise HookError(f"{where}: datasetObjectId '{object_id}' appears more than once")
        annotation = entry.get("consolidatedAnnotation")
        if not isinstance(annotation, dict):
            raise HookError(f"{where}: 'consolidatedAnnotation' must be a JSON object")
        content = annotation.get("content")
        if not isinstance(content, dict):
            raise HookError(f"{where}: 'consolidatedAnnotation.content' must be a JSON object")
        if label_attribute not in content:
            raise HookError(f"{where}: 'consolidatedAnnotation.content' has no '{label_attribute}'")
        metadata = content.get(meta_key)
        if metadata is not None and not isinstance(metadata, dict):
            raise HookError(f"{where}: '{meta_key}' must be a JSON object")
        results[object_id] = ConsolidatedContent(value=content[label_attribute], metadata=metadata)
    return results


# -- S3 layout (§1.10) ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HookLayout(JobLayout):
    """The job's output layout plus the consolidation hook's request/response files, under the same root."""

    def _file(self, kind: str, moment: datetime, iteration: int, suffix: str) -> str:
        return (f"{self.root}/annotations/consolidated-annotation/{kind}/iteration-{iteration}/"
                f"{gt_file_stamp(moment)}{suffix}.json")

    def consolidation_request(self, moment: datetime, iteration: int = 1, suffix: str = "") -> str:
        """`.../consolidation-request/iteration-<n>/<YYYY-MM-DD_HH:MM:SS><suffix>.json`; `suffix` tells apart two
        batches consolidated within the same second (Ground Truth's names have one-second resolution)."""
        return self._file("consolidation-request", moment, iteration, suffix)

    def consolidation_response(self, moment: datetime, iteration: int = 1, suffix: str = "") -> str:
        return self._file("consolidation-response", moment, iteration, suffix)


# -- messages ------------------------------------------------------------------------------------------------------

def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _excerpt(value: Any) -> str:
    try:
        return _clip(json.dumps(value, ensure_ascii=False))
    except (TypeError, ValueError):
        return _type_name(value)


def _type_name(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)
