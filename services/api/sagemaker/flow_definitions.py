"""SageMaker's FlowDefinition operations, mapped onto Groundwork's flow definitions (shared/services/human_review):
the same flows the REST API and the A2I runtime's human loops use.

What a flow labels comes from its HumanTaskUi: the template's Crowd HTML labeling element gives the task type
(`<crowd-classifier>` is text classification, `<crowd-bounding-box>` boxes, ...) and the flow's labels are the
categories the template lists *literally* (`categories="['cat', 'dog']"`, or `labels=` for entities). Groundwork
checks every answer against a flow's labels and consolidates over them, and a CreateFlowDefinition request has
nowhere else to say them, so a template that takes its categories from `task.input` (a Liquid expression) is
refused with a ValidationException that says to list them in the template. The labelers' page renders the template
itself, with the loop's InputContent as `task.input`.

Groundwork runs custom flows only: a HumanLoopRequestSource (Textract, Rekognition) is refused. The activation
condition is Groundwork's own condition object written as the JSON string A2I's member carries, e.g.
`{"confidence_below": 0.8, "predicted_in": ["cat"], "combine": "or"}`; without one every loop goes to people.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.api.sagemaker import calls, errors
from services.api.sagemaker.calls import Call, domain_errors
from services.api.sagemaker.human_task_uis import resolve_ui_arn
from services.api.sagemaker.json_protocol import operation
from services.api.sagemaker.workforces import resolve_workteam_arn, workteam_arn
from shared.domain import arns, template_kind
from shared.domain import human_review as hr
from shared.domain.pricing import WorkforceKind
from shared.domain.task_types import TaskType, spec_for
from shared.persistence.tables import FlowDefinition, Job, Workforce, Workteam
from shared.services import human_review

RESOURCE = "flow-definition"
UI_MEMBER = "HumanLoopConfig.HumanTaskUiArn"
TEAM_MEMBER = "HumanLoopConfig.WorkteamArn"
CONDITION_MEMBER = "HumanLoopActivationConfig.HumanLoopActivationConditionsConfig.HumanLoopActivationConditions"
DEFAULT_TIME_LIMIT_S = 3600
DEFAULT_LIFETIME_S = 864000  # 10 days; the public crowd allows 12 hours
PUBLIC_LIFETIME_S = 43200
FIELDS = {
    "name": "FlowDefinitionName", "flow_definition_name": "FlowDefinitionName", "task_type": UI_MEMBER,
    "labels": UI_MEMBER, "workteam_id": TEAM_MEMBER, "task_count": "HumanLoopConfig.TaskCount",
    "price_per_task_usd": "HumanLoopConfig.PublicWorkforceTaskPrice",
    "task_time_limit_seconds": "HumanLoopConfig.TaskTimeLimitInSeconds",
    "task_availability_lifetime_seconds": "HumanLoopConfig.TaskAvailabilityLifetimeInSeconds",
    "output_path": "OutputConfig.S3OutputPath", "output_uri": "OutputConfig.S3OutputPath",
    "activation_conditions": CONDITION_MEMBER,
}


# --- translating the request ------------------------------------------------------------------------------------

def _unsupported_element_message() -> str:
    return ("the template has no labeling element Groundwork can check answers against; use one of "
            + ", ".join(f"<{name}>" for name in template_kind.ELEMENT_TYPES))


def task_kind(template: str | None, fixed: TaskType | None) -> tuple[TaskType, list[str]]:
    """The flow's task type and labels from its template (see the module's rule: literal labels only)."""
    if template is None:
        raise errors.validation(
            f"{UI_MEMBER}: Ground Truth's fixed UI for {fixed} takes its labels from a labeling job's label "
            "category file, which a flow definition does not have; create a HumanTaskUi of your own that lists "
            "its labels literally")
    kind = template_kind.infer(template)
    if kind is None:
        raise errors.validation(f"{UI_MEMBER}: {_unsupported_element_message()}")
    if kind.labels is None:
        element = spec_for(kind.task_type).element
        attribute = template_kind.label_attribute(element)
        raise errors.validation(
            f"{UI_MEMBER}: the template's <{element}> takes its {attribute} from task.input; Groundwork checks and "
            f"consolidates a flow's answers against its labels, so list them in the template literally, e.g. "
            f"{attribute}=\"['cat', 'dog']\"")
    return kind.task_type, list(kind.labels)


def _condition(params: dict[str, Any]) -> dict[str, Any] | None:
    """The activation condition JSON string as Groundwork's condition object (checked here to name the member)."""
    raw = (params.get("HumanLoopActivationConfig") or {}).get("HumanLoopActivationConditionsConfig", {}).get(
        "HumanLoopActivationConditions")
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise errors.validation(f"{CONDITION_MEMBER}: not valid JSON; give an object such as "
                                '{"confidence_below": 0.8}') from None
    with domain_errors():
        hr.parse_condition(value, CONDITION_MEMBER)
    return value  # type: ignore[no-any-return]


def price_micros(price: dict[str, Any] | None) -> int | None:
    """PublicWorkforceTaskPrice.AmountInUsd as micro-dollars (Groundwork's money unit)."""
    if not price or "AmountInUsd" not in price:
        return None
    usd = price["AmountInUsd"]
    return (int(usd.get("Dollars", 0)) * 1_000_000 + int(usd.get("Cents", 0)) * 10_000
            + int(usd.get("TenthFractionsOfACent", 0)) * 1_000)


def usd_amount(micros: int) -> dict[str, int]:
    dollars, rest = divmod(micros, 1_000_000)
    cents, rest = divmod(rest, 10_000)
    return {"Dollars": dollars, "Cents": cents, "TenthFractionsOfACent": rest // 1_000}


def _spec(name: str, config: dict[str, Any], team: Workteam, workforce_kind: str, template: str,
          task_type: TaskType, labels: list[str], condition: dict[str, Any] | None,
          output_path: str) -> human_review.FlowSpec:
    public = workforce_kind == WorkforceKind.PUBLIC
    return human_review.FlowSpec(
        name=name, task_type=task_type.value, workteam_id=team.id, title=config["TaskTitle"],
        description=config["TaskDescription"], labels=labels, task_count=config["TaskCount"],
        price_per_task_micros=price_micros(config.get("PublicWorkforceTaskPrice")),
        task_time_limit_seconds=config.get("TaskTimeLimitInSeconds", DEFAULT_TIME_LIMIT_S),
        task_availability_lifetime_seconds=config.get("TaskAvailabilityLifetimeInSeconds",
                                                      PUBLIC_LIFETIME_S if public else DEFAULT_LIFETIME_S),
        activation_conditions=condition, output_path=output_path, ui_template=template)


# --- operations -------------------------------------------------------------------------------------------------

@operation("CreateFlowDefinition")
def create_flow_definition(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """ResourceInUse for a name in use; ValidationException for an AWS-managed request source, a template
    without a supported labeling element or literal labels, or an activation condition that is not Groundwork's
    condition object. The request is kept as given, for DescribeFlowDefinition to echo."""
    if params.get("HumanLoopRequestSource"):
        raise errors.validation("HumanLoopRequestSource: Groundwork runs custom flows only (no Textract or "
                                "Rekognition integration); leave it out and start loops with StartHumanLoop")
    config = params.get("HumanLoopConfig")
    if config is None:
        raise errors.validation("HumanLoopConfig: Groundwork needs the flow's workteam, task UI and task settings")
    condition = _condition(params)
    with call.deps.sessions.begin() as session:
        team = resolve_workteam_arn(call, session, config["WorkteamArn"], TEAM_MEMBER)
        workforce = session.get(Workforce, team.workforce_id)
        assert workforce is not None
        template, fixed = resolve_ui_arn(call, session, config["HumanTaskUiArn"], UI_MEMBER)
        task_type, labels = task_kind(template, fixed)
        assert template is not None
        spec = _spec(params["FlowDefinitionName"], config, team, workforce.kind, template, task_type, labels,
                     condition, params["OutputConfig"]["S3OutputPath"])
        with domain_errors(FIELDS):
            flow = human_review.create_flow(call.deps, session, call.requester_id, spec)
        flow.sagemaker_json = json.dumps(params, ensure_ascii=False)
        return {"FlowDefinitionArn": call.arn(RESOURCE, flow.name)}


def _team_arn(call: Call, session: Session, team_id: int) -> str:
    team = session.get(Workteam, team_id)
    assert team is not None
    return workteam_arn(call, team)


def _loop_config(call: Call, session: Session, flow: FlowDefinition, job: Job) -> dict[str, Any]:
    """HumanLoopConfig as the request gave it, with the effective time limits; for a flow made through the REST
    API, what its job says (a HumanTaskUiArn only where there is one: Ground Truth's fixed NER UI)."""
    given = json.loads(flow.sagemaker_json).get("HumanLoopConfig", {}) if flow.sagemaker_json else {}
    config: dict[str, Any] = {
        "WorkteamArn": _team_arn(call, session, job.workteam_id), "TaskTitle": job.title,
        "TaskDescription": job.short_instruction, "TaskCount": job.workers_per_object,
    }
    if flow.ui_template is None and job.task_type == TaskType.NAMED_ENTITY_RECOGNITION:
        config["HumanTaskUiArn"] = arns.sagemaker_arn(call.region, arns.AWS_WORKFORCE_ACCOUNT, "human-task-ui",
                                                      "NamedEntityRecognition")
    if job.price_micros:
        config["PublicWorkforceTaskPrice"] = {"AmountInUsd": usd_amount(job.price_micros)}
    config.update(given)
    config["TaskTimeLimitInSeconds"] = job.task_time_limit_s
    config["TaskAvailabilityLifetimeInSeconds"] = job.availability_lifetime_s
    return config


def describe(call: Call, session: Session, flow: FlowDefinition) -> dict[str, Any]:
    job = session.get(Job, flow.job_id)
    assert job is not None
    status, reason = human_review.flow_status(job)
    given = json.loads(flow.sagemaker_json) if flow.sagemaker_json else {}
    out: dict[str, Any] = {
        "FlowDefinitionArn": call.arn(RESOURCE, flow.name), "FlowDefinitionName": flow.name,
        "FlowDefinitionStatus": status, "CreationTime": flow.created_at,
        "HumanLoopConfig": _loop_config(call, session, flow, job),
        "OutputConfig": given.get("OutputConfig") or {"S3OutputPath": flow.output_path},
        "RoleArn": given.get("RoleArn") or arns.default_role_arn(call.account),
    }
    if given.get("HumanLoopActivationConfig"):
        out["HumanLoopActivationConfig"] = given["HumanLoopActivationConfig"]
    elif flow.activation_json:
        out["HumanLoopActivationConfig"] = {"HumanLoopActivationConditionsConfig": {
            "HumanLoopActivationConditions": flow.activation_json}}
    if reason:
        out["FailureReason"] = reason[:1024]
    return out


@operation("DescribeFlowDefinition")
def describe_flow_definition(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    with call.deps.sessions() as session, domain_errors(FIELDS):
        flow = human_review.get_flow(session, call.requester_id, params["FlowDefinitionName"],
                                     "flow_definition_name")
        return describe(call, session, flow)


@operation("ListFlowDefinitions")
def list_flow_definitions(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """By creation time, Ascending unless SortOrder says Descending; NextToken/MaxResults page the result."""
    with call.deps.sessions() as session:
        flows = list(session.scalars(select(FlowDefinition).where(FlowDefinition.requester_id == call.requester_id)
                                     .order_by(FlowDefinition.created_at, FlowDefinition.id)))
        flows = calls.time_window(flows, params, lambda f: f.created_at, "CreationTimeAfter", "CreationTimeBefore")
        if params.get("SortOrder") == "Descending":
            flows.reverse()
        chunk, token = calls.page(flows, params)
        summaries = []
        for flow in chunk:
            job = session.get(Job, flow.job_id)
            assert job is not None
            status, reason = human_review.flow_status(job)
            summary = {"FlowDefinitionName": flow.name, "FlowDefinitionArn": call.arn(RESOURCE, flow.name),
                       "FlowDefinitionStatus": status, "CreationTime": flow.created_at}
            if reason:
                summary["FailureReason"] = reason[:1024]
            summaries.append(summary)
    return calls.with_token({"FlowDefinitionSummaries": summaries}, token)


@operation("DeleteFlowDefinition")
def delete_flow_definition(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """ResourceInUse while a loop of the flow is in progress (stop them first); its ended loops go with it."""
    with call.deps.sessions.begin() as session, domain_errors(FIELDS):
        human_review.delete_flow(call.deps, session, call.requester_id, params["FlowDefinitionName"])
    return {}
