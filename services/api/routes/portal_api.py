"""Worker-portal and console endpoints: vendor sign-in, the public workforce's qualification, a labeler's own
earnings and accuracy, and the requester's gallery of consolidated results."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, request

from services.api.auth import deps, labeler_required, requester_required
from services.api.registry import registry
from services.api.schemas_portal import GalleryQuery, QualificationAnswers, QualificationSet, VendorSignin
from shared.services import accounts, jobs, portal

bp = Blueprint("portal_api", __name__, url_prefix="/api/v1")


def absolute(url: str) -> str:
    """A signed path becomes a URL on GW_PUBLIC_BASE_URL, or on the host this request reached; presigned S3
    URLs are absolute already."""
    if not url.startswith("/"):
        return url
    return (deps().settings.public_base_url or request.host_url.rstrip("/")) + url


@registry.route(bp, "/portal/vendor-signin", "POST",
                "A vendor's labeler signs in with the vendor's key: found by email or created; a new token once",
                body=VendorSignin, responses={200: "Signed in (existing labeler)", 201: "Labeler created",
                                              401: "Unknown vendor key", 403: "Labeler deactivated"})
def vendor_signin(body: VendorSignin) -> Any:
    d = deps()
    with d.sessions.begin() as session:
        lab, teams, token, created = accounts.vendor_signin(session, d.clock, body.vendor_key, body.name,
                                                            str(body.email))
        return {**accounts.labeler_view(lab, teams), "token": token}, 201 if created else 200


@registry.route(bp, "/workforces/<int:workforce_id>/vendor-key", "POST",
                "Issue a new key for a vendor workforce (returned once); the previous key stops working",
                auth="requester", responses={201: "Issued", 404: "No such workforce", 422: "Not a vendor workforce"})
@requester_required
def rotate_vendor_key(workforce_id: int) -> Any:
    d = deps()
    with d.sessions.begin() as session:
        wf = accounts.get_workforce(session, g.requester_id, workforce_id)
        return {"workforce_id": wf.id, "vendor_key": accounts.issue_vendor_key(session, wf)}, 201


@registry.route(bp, "/workforces/<int:workforce_id>/qualification", "PUT",
                "Set a public workforce's qualification: gold items a self-signed-up labeler must pass first",
                auth="requester", body=QualificationSet,
                responses={200: "Stored", 404: "No such public workforce", 422: "Invalid item or label"})
@requester_required
def set_qualification(workforce_id: int, body: QualificationSet) -> Any:
    d = deps()
    with d.sessions.begin() as session:
        return portal.set_qualification(session, g.requester_id, workforce_id, body.task_type.value, body.labels,
                                        body.items, body.pass_ratio, body.max_attempts)


@registry.route(bp, "/workforces/<int:workforce_id>/qualification", "GET",
                "A public workforce's qualification, with the known answers", auth="requester",
                responses={200: "OK", 404: "No such public workforce"})
@requester_required
def get_qualification(workforce_id: int) -> Any:
    with deps().sessions() as session:
        return portal.get_qualification(session, g.requester_id, workforce_id)


@registry.route(bp, "/work/qualification", "GET",
                "The labeler's qualification: status, attempts left and the items to answer", auth="labeler")
@labeler_required
def my_qualification() -> Any:
    return portal.labeler_qualification(deps(), g.labeler_id, absolute)


@registry.route(bp, "/work/qualification", "POST", "Answer the qualification (one attempt)", auth="labeler",
                body=QualificationAnswers,
                responses={200: "Graded", 404: "No qualification", 409: "Passed already or no attempts left",
                           422: "A malformed answer (no attempt used)"})
@labeler_required
def take_qualification(body: QualificationAnswers) -> Any:
    return portal.take_qualification(deps(), g.labeler_id, body.answers)


@registry.route(bp, "/work/me", "GET", "The labeler, their qualification, earnings and per-job accuracy",
                auth="labeler")
@labeler_required
def me() -> Any:
    return portal.me(deps(), g.labeler_id)


@registry.route(bp, "/jobs/<job_ref>/gallery", "GET",
                "A page of consolidated results: signed image and mask links with each object's label",
                auth="requester", query=GalleryQuery, responses={200: "OK", 404: "No such job"})
@requester_required
def gallery(job_ref: str, query: GalleryQuery) -> Any:
    d = deps()
    with d.sessions() as session:
        job = jobs.get_job(session, g.requester_id, job_ref)
        after = int(query.cursor) if query.cursor is not None else -1
        items = portal.gallery(d, session, job, query.state, after, query.limit, absolute)
    cursor = str(items[-1]["line_no"]) if len(items) == query.limit else None
    return {"items": items, "next_cursor": cursor}
