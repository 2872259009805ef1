"""Writing a finished job's output in Ground Truth's layout: the output manifest, failures.jsonl beside it,
and every labeler's raw answers under annotations/worker-response.

Claimed through `job.export_state`, streamed object by object to a spool file, then uploaded in one put:
a crash mid-export leaves the previous file (or none), and the re-driven export writes the same bytes.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from shared.bootstrap import Deps
from shared.domain.output import (
    JobLayout,
    classification_line,
    dump_line,
    label_line,
    worker_answer,
    worker_response_document,
)
from shared.domain.states import ObjectState
from shared.domain.task_types import spec_for
from shared.faults import crash_point
from shared.persistence.tables import AnswerRow, ConsolidatedLabel, DataObject, Job
from shared.services import audit

PAGE = 2000


def claim_export(deps: Deps, job_id: int) -> bool:
    now = deps.clock.now()
    stale = now - timedelta(seconds=deps.settings.redrive_seconds)
    with deps.sessions.begin() as session:
        return bool(session.execute(
            update(Job).where(Job.id == job_id, or_(
                Job.export_state == "pending",
                (Job.export_state == "running") & (Job.export_claimed_at < stale)))
            .values(export_state="running", export_claimed_at=now)
        ).rowcount)


def _objects(session: Session, job_id: int) -> Iterator[tuple[DataObject, ConsolidatedLabel | None]]:
    """Keyset pages by line number, so memory stays flat for a 100,000-line job."""
    after = -1
    while True:
        page = session.execute(
            select(DataObject, ConsolidatedLabel)
            .outerjoin(ConsolidatedLabel, ConsolidatedLabel.object_id == DataObject.id)
            .where(DataObject.job_id == job_id, DataObject.line_no > after)
            .order_by(DataObject.line_no).limit(PAGE)
        ).all()
        if not page:
            return
        yield from ((obj, label) for obj, label in page)
        after = page[-1][0].line_no
        session.expunge_all()


def _worker_responses(session: Session, job: Job, object_ids: list[int]) -> dict[int, list[AnswerRow]]:
    out: dict[int, list[AnswerRow]] = {}
    for answer in session.scalars(select(AnswerRow).where(AnswerRow.object_id.in_(object_ids)).order_by(AnswerRow.id)):
        out.setdefault(answer.object_id, []).append(answer)
    return out


def _answer_document(answer: AnswerRow, element: str) -> dict[str, Any]:
    return worker_answer({element: json.loads(answer.content)}, answer.accepted_at, answer.submitted_at,
                         answer.labeler_id)


def _output_record(job: Job, obj: DataObject, label: ConsolidatedLabel | None) -> dict[str, Any] | None:
    try:
        record = json.loads(obj.raw)
    except ValueError:
        return None  # a line that is not JSON cannot be a manifest line; it is listed in failures.jsonl
    if not isinstance(record, dict):
        return None
    if label is None:
        return record
    if label.value_json is None:  # consolidated before task types had their own values: a class index
        return classification_line(record, job.label_attribute, label.class_index or 0, label.class_name or "",
                                   label.confidence, spec_for(job.task_type).output_type, job.name, label.human,
                                   label.created_at)
    return label_line(record, job.label_attribute, json.loads(label.value_json), json.loads(label.meta_json or "{}"),
                      spec_for(job.task_type).output_type, job.name, label.human, label.created_at)


def write_export(deps: Deps, job_id: int) -> str:
    """Write the job's artefacts and return the output manifest's URI."""
    with deps.sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None
        layout = JobLayout.for_job(job.output_uri, job.name)
        with tempfile.TemporaryDirectory(prefix="gw-export-") as tmp:
            manifest, failures = Path(tmp) / "output.manifest", Path(tmp) / "failures.jsonl"
            with manifest.open("w", encoding="utf-8") as out, failures.open("w", encoding="utf-8") as bad:
                answered: list[DataObject] = []
                for obj, label in _objects(session, job_id):
                    record = _output_record(job, obj, label)
                    if record is not None:
                        out.write(dump_line(record) + "\n")
                    if obj.state == ObjectState.FAILED:
                        bad.write(dump_line({"datasetObjectId": str(obj.line_no), "line": obj.line_no + 1,
                                             "reason": obj.failure_reason}) + "\n")
                    if obj.answers_count:
                        answered.append(obj)
                    if len(answered) >= PAGE:
                        _write_worker_responses(deps, session, job, layout, answered)
                        answered = []
                _write_worker_responses(deps, session, job, layout, answered)
                crash_point("export.mid_write")  # worker responses written, spool not flushed, nothing uploaded
            deps.blobs.upload_file(layout.failures, failures, "application/jsonlines")
            deps.blobs.upload_file(layout.output_manifest, manifest, "application/jsonlines")
        return layout.output_manifest


def _write_worker_responses(deps: Deps, session: Session, job: Job, layout: JobLayout,
                            objects: list[DataObject]) -> None:
    if not objects:
        return
    responses = _worker_responses(session, job, [o.id for o in objects])
    element = spec_for(job.task_type).element
    for obj in objects:
        answers = responses.get(obj.id)
        if answers:
            # Named by the first submission, so a re-run export overwrites the same file.
            stamp = min(a.submitted_at for a in answers)
            document = worker_response_document([_answer_document(a, element) for a in answers])
            deps.blobs.write_bytes(layout.worker_response(obj.line_no, stamp), document.encode(), "application/json")


def export_job(deps: Deps, job_id: int) -> str | None:
    if not claim_export(deps, job_id):
        return None
    uri = write_export(deps, job_id)
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        session.execute(update(Job).where(Job.id == job_id).values(export_state="done", exported_at=now))
        audit.record(session, now, "exported", "export", job_id=job_id, detail={"output": uri})
    return uri
