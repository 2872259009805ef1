"""Ground Truth's output formats: output manifest lines, worker-response files and the artefact layout."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def _utc(moment: datetime) -> datetime:
    """Naive datetimes are UTC throughout Groundwork; `astimezone` alone would read them as local time."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def gt_creation_date(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS.ffffff` in UTC with no zone suffix, as Ground Truth writes `creation-date`."""
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%f")


def gt_worker_time(moment: datetime) -> str:
    """Worker-response timestamps: `YYYY-MM-DDTHH:MM:SS.mmmZ`."""
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def gt_file_stamp(moment: datetime) -> str:
    """File names under annotations/worker-response: `YYYY-MM-DD_HH:MM:SS`."""
    return _utc(moment).strftime("%Y-%m-%d_%H:%M:%S")


def gt_job_name(job_name: str) -> str:
    return f"labeling-job/{job_name.lower()}"


@dataclass(frozen=True)
class JobLayout:
    """Paths under `<output>/<job-name>/`, as Ground Truth lays them out."""

    root: str

    @classmethod
    def for_job(cls, output_uri: str, job_name: str) -> JobLayout:
        return cls(root=f"{output_uri.rstrip('/')}/{job_name}")

    @property
    def output_manifest(self) -> str:
        return f"{self.root}/manifests/output/output.manifest"

    @property
    def failures(self) -> str:
        return f"{self.root}/manifests/output/failures.jsonl"

    def worker_response(self, dataset_object_id: int, moment: datetime, iteration: int = 1) -> str:
        return (
            f"{self.root}/annotations/worker-response/iteration-{iteration}/"
            f"{dataset_object_id}/{gt_file_stamp(moment)}.json"
        )


def classification_line(
    record: dict[str, Any],
    attribute: str,
    class_index: int,
    class_name: str,
    confidence: float,
    output_type: str,
    job_name: str,
    human: bool,
    created: datetime,
) -> dict[str, Any]:
    """The input line plus `<attr>` (class index) and `<attr>-metadata`; an existing key is overwritten."""
    out = dict(record)
    out.pop(attribute, None)
    out.pop(f"{attribute}-metadata", None)
    out[attribute] = class_index
    out[f"{attribute}-metadata"] = {
        "class-name": class_name,
        "job-name": gt_job_name(job_name),
        "confidence": confidence,
        "type": output_type,
        "human-annotated": "yes" if human else "no",
        "creation-date": gt_creation_date(created),
    }
    return out


def worker_response_document(answers: list[dict[str, Any]]) -> str:
    """`{"answers": [{acceptanceTime, submissionTime, timeSpentInSeconds, workerId, answerContent, ...}]}`."""
    return json.dumps({"answers": answers}, ensure_ascii=False)


def dump_line(record: dict[str, Any]) -> str:
    """Compact JSON, non-ASCII kept raw as Ground Truth writes it."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))
