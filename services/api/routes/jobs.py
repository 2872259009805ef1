"""Requester endpoints for labeling jobs."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, g, request, stream_with_context
from pydantic import ValidationError

from services.api.auth import deps, requester_required
from services.api.errors import error_response, pydantic_error
from services.api.registry import registry
from services.api.schemas import JobCreate, ObjectsQuery, Page
from services.api.web import task_ui
from shared.domain.errors import Conflict, ValidationFailed
from shared.domain.money import usd_to_micros
from shared.domain.output import JobLayout
from shared.services import gold, jobs, queries
from shared.storage import BlobNotFound

bp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs")


def _spec(body: JobCreate) -> jobs.JobSpec:
    task_ui.check_template(body.ui_template, "ui_template")  # a syntax error is a 400 naming the line
    return jobs.JobSpec(
        name=body.name, task_type=body.task_type.value, label_attribute_name=body.label_attribute_name,
        labels=body.labels, label_category_config_uri=body.label_category_config_uri,
        label_category_config=body.label_category_config,
        manifest_uri=body.manifest_uri, output_uri=body.output_uri, workteam_id=body.workteam_id,
        workers_per_object=body.workers_per_object,
        price_per_task_micros=None if body.price_per_task_usd is None else usd_to_micros(body.price_per_task_usd),
        task_time_limit_seconds=body.task_time_limit_seconds,
        task_availability_lifetime_seconds=body.task_availability_lifetime_seconds,
        max_concurrent_task_count=body.max_concurrent_task_count, title=body.title,
        short_instruction=body.instructions.short, full_instruction=body.instructions.full,
        prior_label_attribute_name=body.prior_label_attribute_name, consolidator=body.consolidator,
        gold_items=body.gold.items if body.gold else None,
        gold_manifest_uri=body.gold.manifest_uri if body.gold else None,
        gold_rate=body.gold.rate if body.gold else 0.0,
        gold_min_accuracy=body.gold.min_accuracy if body.gold else None,
        gold_min_answers=body.gold.min_answers if body.gold else 3,
        min_workers=body.dynamic_overlap.min_workers if body.dynamic_overlap else None,
        target_confidence=body.dynamic_overlap.target_confidence if body.dynamic_overlap else None,
        pre_hook=body.pre_annotation_hook, post_hook=body.consolidation_hook,
        auto_labeling=_auto_labeling(body),
        ui_template=body.ui_template,
        examples=[example.model_dump(exclude_none=True) for example in body.instructions.examples] or None,
    )


def _auto_labeling(body: JobCreate) -> dict[str, Any] | None:
    """The API's names (Ground Truth's stopping-condition names) onto the domain's settings fields."""
    if body.automated_labeling is None:
        return None
    given = body.automated_labeling.model_dump()
    given["max_human_labeled"] = given.pop("max_human_labeled_object_count")
    given["max_percent_labeled"] = given.pop("max_percentage_of_input_dataset_labeled")
    return given


def _multipart_body() -> tuple[JobCreate, bytes]:
    upload = request.files.get("manifest")
    if upload is None:
        raise ValidationFailed("upload the manifest as the 'manifest' file part", "manifest")
    try:
        payload = json.loads(request.form.get("job", ""))
    except ValueError:
        raise ValidationFailed("the 'job' form field must hold the job as JSON", "job") from None
    return JobCreate.model_validate(payload), upload.read()


@registry.route(bp, "", "POST", "Create a labeling job from a manifest URI or an uploaded manifest",
                auth="requester", body=JobCreate, multipart=True,
                responses={201: "Created; ingest starts in the background", 409: "Name taken"})
@requester_required
def create_job(body: JobCreate | None = None) -> Any:
    uploaded = None
    if request.mimetype == "multipart/form-data":
        try:
            body, uploaded = _multipart_body()
        except ValidationError as exc:
            return pydantic_error(exc, "job")
    assert body is not None
    spec = _spec(body)
    d = deps()
    with d.sessions.begin() as session:
        job = jobs.create_job(d, session, g.requester_id, spec, uploaded)
        job_id = job.id
    jobs.announce_job(d, job_id)
    with d.sessions() as session:
        return queries.job_view(session, jobs.get_job(session, g.requester_id, str(job_id)), d.clock.now()), 201


@registry.route(bp, "", "GET", "List your jobs (cursor pagination)", auth="requester", query=Page)
@requester_required
def list_jobs(query: Page) -> Any:
    d = deps()
    with d.sessions() as session:
        rows = queries.list_jobs(session, g.requester_id, int(query.cursor or 0), query.limit)
        items = [queries.job_view(session, job, d.clock.now()) for job in rows]
    cursor = str(rows[-1].id) if len(rows) == query.limit else None
    return {"items": items, "next_cursor": cursor}


@registry.route(bp, "/<job_ref>", "GET", "A job: status, LabelCounters, cost, queue depth and ETA",
                auth="requester", responses={200: "OK", 404: "No such job"})
@requester_required
def get_job(job_ref: str) -> Any:
    d = deps()
    with d.sessions() as session:
        return queries.job_view(session, jobs.get_job(session, g.requester_id, job_ref), d.clock.now())


@registry.route(bp, "/<job_ref>/stop", "POST", "Stop a job: in-flight tasks drain, then the output is written",
                auth="requester", responses={200: "Stopping", 404: "No such job", 409: "Already ended"})
@requester_required
def stop_job(job_ref: str) -> Any:
    d = deps()
    with d.sessions.begin() as session:
        job = jobs.get_job(session, g.requester_id, job_ref)
        jobs.stop_job(d, session, job, f"requester:{g.requester_id}")
    with d.sessions() as session:
        return queries.job_view(session, jobs.get_job(session, g.requester_id, job_ref), d.clock.now())


@registry.route(bp, "/<job_ref>/objects", "GET", "A job's data objects with state, answers, label and failure reason",
                auth="requester", query=ObjectsQuery, responses={200: "OK", 404: "No such job"})
@requester_required
def list_objects(job_ref: str, query: ObjectsQuery) -> Any:
    d = deps()
    with d.sessions() as session:
        job = jobs.get_job(session, g.requester_id, job_ref)
        after = int(query.cursor) if query.cursor is not None else -1
        items = queries.list_objects(session, job.id, query.state, after, query.limit)
    cursor = str(items[-1]["line_no"]) if len(items) == query.limit else None
    return {"items": items, "next_cursor": cursor}


@registry.route(bp, "/<job_ref>/output", "GET", "The output manifest (JSON Lines), once the job has ended",
                auth="requester", responses={200: "JSON Lines", 404: "No such job", 409: "Not written yet"})
@requester_required
def output_manifest(job_ref: str) -> Any:
    d = deps()
    with d.sessions() as session:
        job = jobs.get_job(session, g.requester_id, job_ref)
        if job.export_state != "done":
            raise Conflict(f"the output manifest is written when the job ends; the job is {job.status}", "job")
        uri = JobLayout.for_job(job.output_uri, job.name).output_manifest
    try:
        blocks = d.blobs.iter_blocks(uri)
        first = next(blocks, b"")
    except BlobNotFound as exc:
        return error_response(404, "not_found", str(exc), "job")

    def stream() -> Any:
        yield first
        yield from blocks

    return Response(stream_with_context(stream()), mimetype="application/jsonlines",
                    headers={"X-Output-Manifest-Uri": uri})


@registry.route(bp, "/<job_ref>/labelers", "GET",
                "Per labeler: answers, gold answers and accuracy, and whether and why they were removed",
                auth="requester", responses={200: "OK", 404: "No such job"})
@requester_required
def labelers(job_ref: str) -> Any:
    d = deps()
    with d.sessions() as session:
        job = jobs.get_job(session, g.requester_id, job_ref)
        return {"items": gold.labeler_report(session, job)}


@registry.route(bp, "/<job_ref>/audit", "GET", "The job's audit trail (append-only)", auth="requester",
                query=Page, responses={200: "OK", 404: "No such job"})
@requester_required
def audit_trail(job_ref: str, query: Page) -> Any:
    d = deps()
    with d.sessions() as session:
        job = jobs.get_job(session, g.requester_id, job_ref)
        items = queries.audit_events(session, job.id, int(query.cursor or 0), query.limit)
    return {"items": items, "next_cursor": str(items[-1]["id"]) if len(items) == query.limit else None}
