"""Worker task templates stored under a name (SageMaker's HumanTaskUi).

A labeling job or a flow definition may name its template by ARN (`HumanTaskUiArn`) instead of carrying it.
Groundwork keeps the template's text in the `human_task_ui` table (that is what jobs and flows read) and a copy in
the blob store, because DescribeHumanTaskUi answers with a URL the template can be fetched from. Ground Truth's
own fixed UIs (account 394669845002, e.g. `human-task-ui/NamedEntityRecognition`) need no row: they are the task
types' built-in templates.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.bootstrap import Deps
from shared.domain import arns
from shared.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.domain.task_types import TaskType
from shared.persistence.tables import HumanTaskUi

RESOURCE = "human-task-ui"
# Ground Truth's fixed UIs and the task type each one labels (None: a type Groundwork does not label).
FIXED_UIS: dict[str, TaskType | None] = {
    "NamedEntityRecognition": TaskType.NAMED_ENTITY_RECOGNITION,
    "PointCloudObjectDetection": None,
    "PointCloudObjectTracking": None,
    "PointCloudSemanticSegmentation": None,
    "VideoObjectDetection": None,
    "VideoObjectTracking": None,
}


def template_uri(deps: Deps, account: str, name: str) -> str:
    """Where the template's copy lives: `<GW_BLOB_URL>/human-task-uis/<account>/<name>.liquid.html`."""
    return f"{deps.settings.effective_blob_url.rstrip('/')}/human-task-uis/{account}/{name}.liquid.html"


def content_sha256(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def create(deps: Deps, session: Session, requester_id: int, account: str, name: str, content: str,
           tags: list[dict[str, str]] | None = None) -> HumanTaskUi:
    """Store a template (the caller has checked that it parses); a name in use is a Conflict. The blob copy is
    written after the row is flushed, so a refused duplicate never overwrites the existing template's copy."""
    if session.scalar(select(HumanTaskUi.id).where(HumanTaskUi.requester_id == requester_id,
                                                   HumanTaskUi.name == name)) is not None:
        raise Conflict(f"a human task UI named '{name}' exists already", "name")
    row = HumanTaskUi(requester_id=requester_id, name=name, content=content,
                      tags_json=json.dumps(tags) if tags else None, created_at=deps.clock.now())
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a human task UI named '{name}' exists already", "name") from None
    deps.blobs.write_bytes(template_uri(deps, account, name), content.encode("utf-8"), "text/html")
    return row


def get(session: Session, requester_id: int, name: str, field: str = "name") -> HumanTaskUi:
    row = session.scalar(select(HumanTaskUi).where(HumanTaskUi.requester_id == requester_id,
                                                   HumanTaskUi.name == name))
    if row is None:
        raise NotFound(f"no human task UI '{name[:80]}'", field)
    return row


def list_all(session: Session, requester_id: int, after: datetime | None = None,
             before: datetime | None = None, descending: bool = False) -> list[HumanTaskUi]:
    """The requester's templates created strictly inside (after, before), by creation time."""
    query = select(HumanTaskUi).where(HumanTaskUi.requester_id == requester_id)
    if after is not None:
        query = query.where(HumanTaskUi.created_at > after)
    if before is not None:
        query = query.where(HumanTaskUi.created_at < before)
    order = (HumanTaskUi.created_at.desc(), HumanTaskUi.id.desc()) if descending else (HumanTaskUi.created_at,
                                                                                         HumanTaskUi.id)
    return list(session.scalars(query.order_by(*order)))


def delete(session: Session, requester_id: int, name: str, field: str = "name") -> None:
    """Flows and jobs that named the template keep their own copy of its text, so deleting it breaks none."""
    session.delete(get(session, requester_id, name, field))
    session.flush()


def fixed_ui(arn: arns.Arn) -> str | None:
    """The fixed UI's name (`NamedEntityRecognition`) when the ARN is one of Ground Truth's own, else None."""
    if arn.service == "sagemaker" and arn.account == arns.AWS_WORKFORCE_ACCOUNT and arn.resource_type == RESOURCE \
            and arn.name in FIXED_UIS:
        return arn.name
    return None


def template_for_arn(session: Session, requester_id: int, account: str, arn_value: str,
                     field: str = "human_task_ui_arn") -> str | None:
    """The template a HumanTaskUiArn names: the requester's own template's text, or None for one of Ground
    Truth's fixed UIs (the task type's built-in template). Another account's UI is Forbidden, an unknown one
    NotFound; the SageMaker layer checks ownership first with its own AWS wording."""
    arn = arns.parse_arn(arn_value)
    if arn is None or arn.resource_type != RESOURCE or not arn.name:
        raise ValidationFailed(f"'{str(arn_value)[:200]}' is not a human-task-ui ARN", field)
    if fixed_ui(arn) is not None:
        return None
    if arn.account != account:
        raise Forbidden(f"{arn_value[:200]} belongs to another account", field)
    return get(session, requester_id, arn.name, field).content
