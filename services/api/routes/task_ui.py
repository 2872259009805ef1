"""A task's UI: the job's Liquid template (custom, or the task type's built-in one) rendered for one lease, and a
preview of a template for the requester's create-job form."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, g, request
from sqlalchemy import select

from services.api.auth import deps, labeler_required, requester_required
from services.api.registry import registry
from services.api.schemas import TemplatePreview
from services.api.web import task_ui
from shared.bootstrap import Deps
from shared.persistence.tables import Job
from shared.services import labeling

bp = Blueprint("task_ui", __name__, url_prefix="/api/v1")

_JOB_UI_CACHE_MAX = 2_000


def _base_url() -> str:
    return deps().settings.public_base_url or request.host_url.rstrip("/")


def _job_ui(d: Deps, job_id: int) -> tuple[str | None, list[dict[str, Any]]]:
    """A job's custom template and instruction examples: fixed at creation, so cached per process."""
    cache: dict[int, tuple[str | None, list[dict[str, Any]]]] = d.cache.setdefault("job_ui", {})
    hit = cache.get(job_id)
    if hit is None:
        with d.sessions() as session:
            template, examples = session.execute(
                select(Job.ui_template, Job.examples_json).where(Job.id == job_id)).one()
        hit = (template, json.loads(examples) if examples else [])
        if len(cache) >= _JOB_UI_CACHE_MAX:
            cache.clear()
        cache[job_id] = hit
    return hit


def _html(page: str) -> Response:
    return Response(page, mimetype="text/html", headers={"Cache-Control": "no-store"})


@registry.route(bp, "/work/<int:assignment_id>/ui", "GET",
                "The task's page: the job's template rendered with task.input (text/html)", auth="labeler",
                responses={200: "The task page (text/html)", 404: "Not your task", 409: "Lease over",
                           500: "The job's template failed to render"})
@labeler_required
def task_page(assignment_id: int) -> Any:
    d = deps()
    view = labeling.lease_view(d, g.labeler_id, assignment_id)
    template, examples = _job_ui(d, view["job_id"])
    base = _base_url()
    signer = task_ui.blob_signer(d, base)
    source = template if template is not None else task_ui.builtin_template(view["task_type"])
    data = task_ui.task_input(view, examples, signer, builtin=template is None)
    return _html(task_ui.render(source, data, signer))


@registry.route(bp, "/templates/render", "POST",
                "Preview a task template with a sample manifest line (text/html)", auth="requester",
                body=TemplatePreview,
                responses={200: "The rendered page (text/html)", 400: "The template does not parse or render"})
@requester_required
def preview(body: TemplatePreview) -> Any:
    """Render a custom template (or a task type's built-in one) with `input` as task.input.

    Trust: the requester wrote both the template and the input, so grant_read_access here signs any URI the blob
    store can read (`readable_only`), the same files a requester may already name in a manifest; a URI the store
    cannot read is left unsigned rather than turned into a link to nothing. Render failures are the requester's
    to fix, so they are a 400 naming `template`, never a 500.
    """
    d = deps()
    field = "template" if body.template is not None else "task_type"
    source = body.template if body.template is not None else task_ui.builtin_template(str(body.task_type))
    signer = task_ui.blob_signer(d, _base_url(), readable_only=True)
    try:
        page = task_ui.render(source, task_ui.preview_input(body.input), signer, field=field)
    except task_ui.TemplateFailed as exc:
        raise task_ui.TemplateInvalid(exc.message, field) from None
    return _html(page)
