"""Labeler endpoints: pull a task, submit, extend, decline; and the media behind a task."""

from __future__ import annotations

import calendar
import mimetypes
from typing import Any

from flask import Blueprint, Response, g, request
from sqlalchemy import select

from services.api.auth import deps, labeler_required
from services.api.registry import registry
from services.api.schemas import NextTask, Submission
from shared.domain.errors import Forbidden, NotFound
from shared.domain.states import JobStatus
from shared.persistence.tables import Assignment, DataObject, Job, WorkteamMember
from shared.services import labeling
from shared.services.media import check_blob_signature, check_media_signature
from shared.storage import BlobNotFound

bp = Blueprint("work", __name__, url_prefix="/api/v1")
# A signed link is its own credential, so any origin may read it: the portal's task frame is sandboxed (an opaque
# origin), and the segmentation element reads a prior mask's pixels, which needs CORS (as Ground Truth asks of
# S3 buckets).
SIGNED_MEDIA_HEADERS = {"Cache-Control": "private, max-age=300", "Access-Control-Allow-Origin": "*"}


def _absolute(task: dict[str, Any]) -> dict[str, Any]:
    """Signed media paths become URLs on GW_PUBLIC_BASE_URL, or on the host this request reached."""
    url = task["input"].get("taskObject", "")
    if "source_ref_url" in task["input"] and url.startswith("/"):
        base = deps().settings.public_base_url or request.host_url.rstrip("/")
        task["input"]["taskObject"] = task["input"]["source_ref_url"] = base + url
    return task


@registry.route(bp, "/work/jobs", "GET", "Jobs this labeler may work on (its workteams' running jobs)",
                auth="labeler")
@labeler_required
def my_jobs() -> Any:
    with deps().sessions() as session:
        rows = session.execute(
            select(Job.id, Job.name, Job.title, Job.task_type, Job.status)
            .join(WorkteamMember, WorkteamMember.workteam_id == Job.workteam_id)
            .where(WorkteamMember.labeler_id == g.labeler_id, Job.status == JobStatus.IN_PROGRESS)
            .order_by(Job.id)
        ).all()
    return {"items": [{"id": i, "name": n, "title": t, "task_type": tt, "status": s} for i, n, t, tt, s in rows]}


@registry.route(bp, "/work/next", "POST", "Lease the next task (204 when there is none)", auth="labeler",
                body=NextTask, responses={200: "A task and its lease", 204: "No task available",
                                          403: "Pass the workforce's qualification first"})
@labeler_required
def next_task(body: NextTask) -> Any:
    task = labeling.claim_next(deps(), g.labeler_id, body.job_id)
    if task is None:
        return Response(status=204)
    return _absolute(task)


@registry.route(bp, "/work/<int:assignment_id>/submit", "POST", "Submit an answer (idempotent)",
                auth="labeler", body=Submission,
                responses={200: "Recorded (or already recorded)", 404: "Not your task", 409: "Lease over"})
@labeler_required
def submit(assignment_id: int, body: Submission) -> Any:
    return labeling.submit(deps(), g.labeler_id, assignment_id, body.answer)


@registry.route(bp, "/work/<int:assignment_id>/extend", "POST", "Renew the lease", auth="labeler",
                responses={200: "Renewed", 404: "Not your task", 409: "Lease over"})
@labeler_required
def extend(assignment_id: int) -> Any:
    return labeling.extend(deps(), g.labeler_id, assignment_id)


@registry.route(bp, "/work/<int:assignment_id>/decline", "POST", "Give the task back", auth="labeler",
                responses={200: "Declined", 404: "Not your task", 409: "Not leased"})
@labeler_required
def decline(assignment_id: int) -> Any:
    return labeling.decline(deps(), g.labeler_id, assignment_id)


@registry.route(bp, "/work/<int:assignment_id>/release", "POST",
                "Give back a task you did not work on (a prefetched one); it may come back to you later",
                auth="labeler", responses={200: "Released", 404: "Not your task", 409: "Not leased"})
@labeler_required
def release(assignment_id: int) -> Any:
    return labeling.release(deps(), g.labeler_id, assignment_id)


@registry.route(bp, "/media/<int:assignment_id>", "GET", "A task's image, through a short-lived signed link",
                responses={200: "The bytes", 403: "Bad or expired signature", 404: "No such media"})
def media(assignment_id: int) -> Any:
    d = deps()
    exp, sig = request.args.get("exp", ""), request.args.get("sig", "")
    if not exp.isdigit() or not check_media_signature(d.settings.secret_key, assignment_id, int(exp), sig,
                                                     calendar.timegm(d.clock.now().timetuple())):
        raise Forbidden("this media link is invalid or has expired", "sig")
    with d.sessions() as session:
        ref = session.scalar(select(DataObject.source_ref).join(Assignment, Assignment.object_id == DataObject.id)
                             .where(Assignment.id == assignment_id))
    if not ref:
        raise NotFound("no media for this task", "assignment_id")
    return _stored_file(ref, "the task's file is missing from storage", "assignment_id")


@registry.route(bp, "/blob", "GET", "A stored file (an image, an example, a mask) through a short-lived signed link",
                responses={200: "The bytes", 403: "Bad or expired signature", 404: "No such file"})
def blob() -> Any:
    d = deps()
    ref, exp, sig = request.args.get("ref", ""), request.args.get("exp", ""), request.args.get("sig", "")
    if not ref or not exp.isdigit() or not check_blob_signature(
            d.settings.secret_key, ref, int(exp), sig, calendar.timegm(d.clock.now().timetuple())):
        raise Forbidden("this link is invalid or has expired", "sig")
    return _stored_file(ref, "the file is missing from storage", "ref")


def _stored_file(ref: str, missing: str, field: str) -> Response:
    """The bytes behind a signed link, typed by the file's name."""
    try:
        data = deps().blobs.read_bytes(ref)
    except BlobNotFound:
        raise NotFound(missing, field) from None
    kind = mimetypes.guess_type(ref)[0] or "application/octet-stream"
    return Response(data, mimetype=kind, headers=SIGNED_MEDIA_HEADERS)
