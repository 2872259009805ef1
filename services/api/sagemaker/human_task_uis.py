"""SageMaker's HumanTaskUi operations: a worker task template stored under a name, for labeling jobs and flow
definitions to name by ARN (shared/services/human_task_uis.py keeps them).

The template is checked to parse as Groundwork renders it (Liquid and Ground Truth's filters) when it is created,
not when a labeler first opens a task. DescribeHumanTaskUi's `UiTemplate.Url` is the template's copy in the blob
store (`<GW_BLOB_URL>/human-task-uis/<account>/<name>.liquid.html`), readable with the same S3 client a Ground
Truth user reads output with.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.api.sagemaker import calls, errors
from services.api.sagemaker.calls import Call, domain_errors
from services.api.sagemaker.json_protocol import operation
from services.api.sagemaker.shapes import to_datetime
from services.api.web import task_ui
from shared.domain import arns
from shared.domain.task_types import TaskType
from shared.persistence.tables import HumanTaskUi
from shared.services import human_task_uis

RESOURCE = human_task_uis.RESOURCE
_NAME_FIELDS = {"name": "HumanTaskUiName"}


def _arn(call: Call, name: str) -> str:
    return call.arn(RESOURCE, name)


@operation("CreateHumanTaskUi")
def create_human_task_ui(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """ResourceInUse for a name in use; ValidationException naming `UiTemplate.Content` for a template that
    does not parse."""
    content = params["UiTemplate"]["Content"]
    with domain_errors():
        task_ui.check_template(content, "UiTemplate.Content")
    with call.deps.sessions.begin() as session, domain_errors(_NAME_FIELDS):
        row = human_task_uis.create(call.deps, session, call.requester_id, call.account, params["HumanTaskUiName"],
                                    content, params.get("Tags"))
        return {"HumanTaskUiArn": _arn(call, row.name)}


@operation("DescribeHumanTaskUi")
def describe_human_task_ui(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    with call.deps.sessions() as session, domain_errors(_NAME_FIELDS):
        row = human_task_uis.get(session, call.requester_id, params["HumanTaskUiName"])
        return {
            "HumanTaskUiArn": _arn(call, row.name), "HumanTaskUiName": row.name, "HumanTaskUiStatus": "Active",
            "CreationTime": row.created_at,
            "UiTemplate": {"Url": human_task_uis.template_uri(call.deps, call.account, row.name),
                           "ContentSha256": human_task_uis.content_sha256(row.content)},
        }


@operation("ListHumanTaskUis")
def list_human_task_uis(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """By creation time, Ascending unless SortOrder says Descending; NextToken/MaxResults page the result."""
    after = to_datetime(params["CreationTimeAfter"]) if params.get("CreationTimeAfter") is not None else None
    before = to_datetime(params["CreationTimeBefore"]) if params.get("CreationTimeBefore") is not None else None
    with call.deps.sessions() as session:
        rows = human_task_uis.list_all(session, call.requester_id, after, before,
                                       descending=params.get("SortOrder") == "Descending")
        chunk, token = calls.page(rows, params)
        return calls.with_token({"HumanTaskUiSummaries": [_summary(call, row) for row in chunk]}, token)


def _summary(call: Call, row: HumanTaskUi) -> dict[str, Any]:
    return {"HumanTaskUiName": row.name, "HumanTaskUiArn": _arn(call, row.name), "CreationTime": row.created_at}


@operation("DeleteHumanTaskUi")
def delete_human_task_ui(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    with call.deps.sessions.begin() as session, domain_errors(_NAME_FIELDS):
        human_task_uis.delete(session, call.requester_id, params["HumanTaskUiName"])
    return {}


def resolve_ui_arn(call: Call, session: Session, arn: str, member: str) -> tuple[str | None, TaskType | None]:
    """The template a `HumanTaskUiArn` names, for labeling jobs and flow definitions.

    Returns (template text, None) for the caller's own HumanTaskUi, and (None, task type) for one of Ground
    Truth's fixed UIs (account 394669845002), whose template is the task type's built-in one. Another account's
    UI is AccessDeniedException, an unknown one ResourceNotFound, a fixed UI of a type Groundwork does not label
    (point clouds, video) ValidationException, each naming `member`."""
    parsed = arns.parse_arn(arn)
    fixed = human_task_uis.fixed_ui(parsed) if parsed is not None else None
    if fixed is not None:
        task_type = human_task_uis.FIXED_UIS[fixed]
        if task_type is None:
            raise errors.validation(f"{member}: Groundwork does not label {fixed} tasks (point clouds and video "
                                    "are not supported)")
        return None, task_type
    call.own_arn(arn, RESOURCE, member)
    with domain_errors({"human_task_ui_arn": member}):
        return human_task_uis.template_for_arn(session, call.requester_id, call.account, arn), None
