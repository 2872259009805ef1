"""Real-time human review (Augmented AI): flow definitions, human loops, and the sweep step that finishes loops.

One system, not two: a flow definition is backed by a *standing* labeling job (`job.standing`) that takes one
data object per activated human loop and is never completed by the sweep while the flow exists. Releasing,
claiming, submitting, paying and consolidating are the jobs' own machinery; this module only adds the loop rows,
the activation condition, stopping, and writing each finished loop's A2I-shaped output.json.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.bootstrap import Deps
from shared.domain import arns, template_kind
from shared.domain import human_review as hr
from shared.domain.errors import Conflict, NotFound, ValidationFailed
from shared.domain.manifest import BadLine, check_record
from shared.domain.money import micros_to_usd
from shared.domain.states import AssignmentState, JobStatus, ObjectState
from shared.domain.task_types import TaskType, spec_for
from shared.persistence.tables import (
    AnswerRow,
    Assignment,
    ConsolidatedLabel,
    DataObject,
    FlowDefinition,
    HumanLoop,
    Job,
)
from shared.services import audit, jobs
from shared.services.job_states import transition_job
from shared.services.release import top_up

ISSUER = "groundwork"
FINALIZE_BATCH = 500
# The label attribute of a flow's job: loops have no manifest of their own, so one fixed name (with the `-ref`
# suffix for the mask types, which Ground Truth's rules require).
LABEL_ATTRIBUTE = "human-review"


@dataclass(frozen=True)
class FlowSpec:
    """A validated create-flow-definition request (the API's pydantic model maps onto this)."""

    name: str
    task_type: str
    workteam_id: int
    title: str
    description: str
    labels: list[str] | None = None
    label_category_config: dict[str, Any] | None = None
    label_category_config_uri: str | None = None
    task_count: int = 1
    full_instruction: str = ""
    price_per_task_micros: int | None = None
    task_time_limit_seconds: int = 3600
    task_availability_lifetime_seconds: int = 864000
    max_concurrent_task_count: int = 1000
    activation_conditions: dict[str, Any] | None = None
    output_path: str | None = None
    ui_template: str | None = None
    consolidator: str = "default"


@dataclass(frozen=True)
class LoopSpec:
    flow_definition_name: str
    human_loop_name: str
    input: dict[str, Any]
    prediction_label: Any = None
    prediction_confidence: float | None = None
    has_prediction: bool = False
    # The input member that holds the object when the input has neither `source` nor `source-ref`: Augmented
    # AI's custom templates call it `taskObject` (the A2I front door sets this; None keeps the manifest rule).
    object_key: str | None = None


def _actor(requester_id: int) -> str:
    return f"requester:{requester_id}"


def _account(deps: Deps, requester_id: int) -> str:
    """The requester's own AWS-style account, so the REST API and the boto3 front door show the same ARNs."""
    return arns.requester_account(deps.settings.aws_account, requester_id)


def flow_arn(deps: Deps, flow: FlowDefinition) -> str:
    return hr.flow_definition_arn(deps.settings.aws_region, _account(deps, flow.requester_id), flow.name)


def loop_arn(deps: Deps, loop: HumanLoop) -> str:
    return hr.human_loop_arn(deps.settings.aws_region, _account(deps, loop.requester_id), loop.name)


def _job_name(name: str) -> str:
    """The standing job's name: the flow's name (cut to fit 63 characters) and a random suffix, since job names
    stay taken after a flow is deleted and a new flow may reuse its name."""
    return f"flow-{name[:49].rstrip('-')}-{secrets.token_hex(4)}"


# --- flow definitions -----------------------------------------------------------------------------------------

def create_flow(deps: Deps, session: Session, requester_id: int, spec: FlowSpec) -> FlowDefinition:
    """Validate, store the flow and its standing job (InProgress at once: there is no manifest to ingest)."""
    hr.check_review_name(spec.name, "name")
    try:
        type_spec = spec_for(spec.task_type)
    except ValueError:
        raise ValidationFailed(f"one of {', '.join(t.value for t in TaskType)}", "task_type") from None
    if type_spec.needs_prior:
        raise ValidationFailed("verification and adjustment types review an earlier job's label and are not "
                               "available for human loops", "task_type")
    if not 1 <= spec.task_count <= hr.MAX_TASK_COUNT:
        raise ValidationFailed(f"must be 1-{hr.MAX_TASK_COUNT}", "task_count")
    condition = hr.parse_condition(spec.activation_conditions)
    output_path = (spec.output_path or deps.settings.effective_blob_url.rstrip("/") + "/human-review").rstrip("/")
    if not output_path.startswith(("s3://", "file://")):
        raise ValidationFailed("must be an s3:// or file:// URI", "output_path")
    if session.scalar(select(FlowDefinition.id).where(FlowDefinition.requester_id == requester_id,
                                                      FlowDefinition.name == spec.name)) is not None:
        raise Conflict(f"a flow definition named '{spec.name}' exists already", "name")
    now = deps.clock.now()
    attribute = LABEL_ATTRIBUTE + ("-ref" if type_spec.needs_ref_suffix else "")
    job_spec = jobs.JobSpec(
        name=_job_name(spec.name), task_type=spec.task_type, label_attribute_name=attribute,
        labels=spec.labels, label_category_config=spec.label_category_config,
        label_category_config_uri=spec.label_category_config_uri, manifest_uri=None, output_uri=output_path,
        workteam_id=spec.workteam_id, workers_per_object=spec.task_count,
        price_per_task_micros=spec.price_per_task_micros, task_time_limit_seconds=spec.task_time_limit_seconds,
        task_availability_lifetime_seconds=spec.task_availability_lifetime_seconds,
        max_concurrent_task_count=spec.max_concurrent_task_count, title=spec.title,
        short_instruction=spec.description, full_instruction=spec.full_instruction, consolidator=spec.consolidator,
        ui_template=spec.ui_template,  # the labelers' task page renders the flow's own template, if it has one
    )
    # An empty upload: the job's manifest exists (and is empty), so nothing about a job needs a special case.
    job = jobs.create_job(deps, session, requester_id, job_spec, b"")
    job.standing = True
    job.chunks_total, job.dataset_lines = 0, 0
    session.flush()
    transition_job(session, job, JobStatus.IN_PROGRESS, now, _actor(requester_id))
    flow = FlowDefinition(requester_id=requester_id, name=spec.name, job_id=job.id,
                          activation_json=json.dumps(condition.as_dict()) if condition else None,
                          output_path=output_path, ui_template=spec.ui_template, created_at=now)
    session.add(flow)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a flow definition named '{spec.name}' exists already", "name") from None
    return flow


def get_flow(session: Session, requester_id: int, name: str, field: str = "flow_definition") -> FlowDefinition:
    flow = session.scalar(select(FlowDefinition).where(FlowDefinition.requester_id == requester_id,
                                                       FlowDefinition.name == name))
    if flow is None:
        raise NotFound(f"no flow definition '{name[:80]}'", field)
    return flow


def _flow_job(session: Session, flow: FlowDefinition) -> Job:
    job = session.get(Job, flow.job_id)
    assert job is not None, "a flow definition always has its job"
    return job


def flow_status(job: Job) -> tuple[str, str | None]:
    """Active while its job runs; Failed (with the reason) once the job was stopped or failed some other way."""
    if job.status == JobStatus.IN_PROGRESS:
        return hr.FlowDefinitionStatus.ACTIVE.value, None
    return hr.FlowDefinitionStatus.FAILED.value, job.failure_reason or f"its labeling job is {job.status}"


def flow_view(deps: Deps, session: Session, flow: FlowDefinition) -> dict[str, Any]:
    job = _flow_job(session, flow)
    status, reason = flow_status(job)
    return {
        "name": flow.name,
        "flow_definition_arn": flow_arn(deps, flow),
        "status": status, "failure_reason": reason,
        "task_type": job.task_type, "labels": json.loads(job.labels_json), "workteam_id": job.workteam_id,
        "task_count": job.workers_per_object, "title": job.title, "description": job.short_instruction,
        "price_per_task_usd": micros_to_usd(job.price_micros),
        "task_time_limit_seconds": job.task_time_limit_s,
        "task_availability_lifetime_seconds": job.availability_lifetime_s,
        "max_concurrent_task_count": job.max_concurrent,
        "activation_conditions": json.loads(flow.activation_json) if flow.activation_json else None,
        "output_path": flow.output_path, "ui_template": flow.ui_template,
        "job_id": job.id, "job_name": job.name, "created_at": flow.created_at.isoformat() + "Z",
    }


def list_flows(session: Session, requester_id: int, after_id: int, limit: int) -> list[FlowDefinition]:
    return list(session.scalars(select(FlowDefinition).where(FlowDefinition.requester_id == requester_id,
                                                             FlowDefinition.id > after_id)
                                .order_by(FlowDefinition.id).limit(limit)))


def delete_flow(deps: Deps, session: Session, requester_id: int, name: str) -> None:
    """Only with no loop in progress (409 otherwise). Its ended loops go with it (their output.json stays in the
    blob store) and its standing job is stopped, so the job's own output manifest is written as for any job."""
    flow = get_flow(session, requester_id, name, "flow_definition_name")
    live = session.scalar(select(func.count()).select_from(HumanLoop).where(
        HumanLoop.flow_id == flow.id, HumanLoop.status.in_([s.value for s in hr.LIVE_LOOP_STATES]))) or 0
    if live:
        raise Conflict(f"the flow has {live} human loop(s) in progress; stop them first", "flow_definition_name")
    job = _flow_job(session, flow)
    session.execute(delete(HumanLoop).where(HumanLoop.flow_id == flow.id))
    session.delete(flow)
    session.flush()
    if job.status in (JobStatus.IN_PROGRESS, JobStatus.INITIALIZING):
        jobs.stop_job(deps, session, job, _actor(requester_id))


# --- human loops ----------------------------------------------------------------------------------------------

def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _next_line(session: Session, job_id: int) -> int:
    """Loops append to the job's object list (gold items, with negative numbers, stay outside it)."""
    last = session.scalar(select(func.max(DataObject.line_no)).where(DataObject.job_id == job_id,
                                                                      DataObject.line_no >= 0))
    return 0 if last is None else last + 1


def start_loop(deps: Deps, session: Session, requester_id: int, spec: LoopSpec) -> HumanLoop:
    """Check the input and the activation condition; send the input to people as one object of the flow's job,
    or complete the loop at once with the model's prediction (its output.json is written before this commits,
    so a Completed loop always has its output)."""
    hr.check_review_name(spec.human_loop_name, "human_loop_name")
    flow = get_flow(session, requester_id, spec.flow_definition_name, "flow_definition_name")
    job = _flow_job(session, flow)
    status, reason = flow_status(job)
    if status != hr.FlowDefinitionStatus.ACTIVE:
        raise Conflict(f"the flow definition is {status}: {reason}", "flow_definition_name")
    if session.scalar(select(HumanLoop.id).where(HumanLoop.requester_id == requester_id,
                                                 HumanLoop.name == spec.human_loop_name)) is not None:
        raise Conflict(f"a human loop named '{spec.human_loop_name}' exists already", "human_loop_name")
    input_text = _compact(spec.input)
    source_key = spec_for(job.task_type).source_key
    record = spec.input
    if spec.object_key and isinstance(record, dict) and "source" not in record and "source-ref" not in record \
            and spec.object_key in record:
        record = {**record, source_key: record[spec.object_key]}  # checked as that key; stored as given
    try:
        parsed = check_record(record, input_text, source_key)
    except BadLine as exc:
        raise ValidationFailed(str(exc), "input") from None
    condition = hr.parse_condition(json.loads(flow.activation_json)) if flow.activation_json else None
    activated = hr.needs_humans(condition, spec.prediction_label, spec.prediction_confidence, spec.has_prediction)
    prediction = ({"label": spec.prediction_label, "confidence": spec.prediction_confidence}
                  if spec.has_prediction else None)
    now = deps.clock.now()
    status_now = hr.HumanLoopStatus.IN_PROGRESS if activated else hr.HumanLoopStatus.COMPLETED
    loop = HumanLoop(
        requester_id=requester_id, flow_id=flow.id, name=spec.human_loop_name, status=status_now.value,
        activated=activated, input_json=input_text, prediction_json=_compact(prediction) if prediction else None,
        object_id=None, output_uri=hr.output_key(flow.output_path, flow.name, now, spec.human_loop_name),
        created_at=now, updated_at=now, ended_at=None if activated else now,
    )
    session.add(loop)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a human loop named '{spec.human_loop_name}' exists already", "human_loop_name") from None
    actor = _actor(requester_id)
    if activated:
        # The job row lock serialises loop starts on one flow, so each gets the next line number.
        session.execute(select(Job.id).where(Job.id == job.id).with_for_update(key_share=True))
        obj = DataObject(job_id=job.id, line_no=_next_line(session, job.id), raw=input_text, source=parsed.source,
                         source_ref=parsed.source_ref, state=ObjectState.QUEUED.value, remaining=0, answers_count=0)
        session.add(obj)
        session.flush()
        loop.object_id = obj.id
        session.execute(update(Job).where(Job.id == job.id)
                        .values(dataset_lines=func.coalesce(Job.dataset_lines, 0) + 1))
        top_up(session, job, now)  # real time: open it now rather than at the next sweep
    else:
        document = hr.output_document(
            flow_arn(deps, flow), loop.name, spec.input, [],
            hr.model_answer(spec.prediction_label, spec.prediction_confidence), ISSUER)
        deps.blobs.write_bytes(loop.output_uri, hr.output_bytes(document), "application/json")
    audit.record(session, now, "human_loop", actor, job_id=job.id, object_id=loop.object_id,
                 to_state=loop.status, detail={"human_loop": loop.name, "activated": activated})
    session.flush()
    return loop


def get_loop(session: Session, requester_id: int, name: str) -> HumanLoop:
    loop = session.scalar(select(HumanLoop).where(HumanLoop.requester_id == requester_id, HumanLoop.name == name))
    if loop is None:
        raise NotFound(f"no human loop '{name[:80]}'", "human_loop_name")
    return loop


def list_loops(session: Session, requester_id: int, flow_name: str | None, after_id: int,
               limit: int) -> list[tuple[HumanLoop, str]]:
    query = (select(HumanLoop, FlowDefinition.name).join(FlowDefinition, FlowDefinition.id == HumanLoop.flow_id)
             .where(HumanLoop.requester_id == requester_id, HumanLoop.id > after_id))
    if flow_name is not None:
        query = query.where(HumanLoop.flow_id == get_flow(session, requester_id, flow_name,
                                                          "flow_definition_name").id)
    return [(loop, name) for loop, name in session.execute(query.order_by(HumanLoop.id).limit(limit)).all()]


def loops_of_flow(session: Session, flow: FlowDefinition, created_after: datetime | None,
                  created_before: datetime | None, descending: bool, offset: int, limit: int) -> list[HumanLoop]:
    """A flow's loops created strictly inside (after, before), by creation time, one page by offset (A2I's
    ListHumanLoops pages with an opaque token over this order)."""
    query = select(HumanLoop).where(HumanLoop.flow_id == flow.id)
    if created_after is not None:
        query = query.where(HumanLoop.created_at > created_after)
    if created_before is not None:
        query = query.where(HumanLoop.created_at < created_before)
    order = (HumanLoop.created_at.desc(), HumanLoop.id.desc()) if descending else (HumanLoop.created_at, HumanLoop.id)
    return list(session.scalars(query.order_by(*order).offset(offset).limit(limit)))


def loop_view(deps: Deps, loop: HumanLoop, flow_name: str) -> dict[str, Any]:
    region, account = deps.settings.aws_region, _account(deps, loop.requester_id)
    done = loop.status == hr.HumanLoopStatus.COMPLETED
    return {
        "name": loop.name, "status": loop.status,
        "human_loop_arn": hr.human_loop_arn(region, account, loop.name),
        "flow_definition_name": flow_name, "flow_definition_arn": hr.flow_definition_arn(region, account, flow_name),
        "activated": loop.activated, "input": json.loads(loop.input_json),
        "prediction": json.loads(loop.prediction_json) if loop.prediction_json else None,
        "object_id": loop.object_id, "output_uri": loop.output_uri if done else None,
        "failure_code": loop.failure_code, "failure_reason": loop.failure_reason,
        "created_at": loop.created_at.isoformat() + "Z", "updated_at": loop.updated_at.isoformat() + "Z",
        "ended_at": loop.ended_at.isoformat() + "Z" if loop.ended_at else None,
    }


def flow_name_of(session: Session, loop: HumanLoop) -> str:
    return session.scalar(select(FlowDefinition.name).where(FlowDefinition.id == loop.flow_id)) or ""


def _move(session: Session, loop: HumanLoop, target: hr.HumanLoopStatus, now: datetime, actor: str,
          code: str | None = None, reason: str | None = None) -> bool:
    """Move a loop from its current status unless another process moved it first; audited."""
    current = loop.status
    values: dict[str, Any] = {"status": target.value, "updated_at": now}
    if target not in hr.LIVE_LOOP_STATES:
        values["ended_at"] = now
    if code is not None:
        values["failure_code"], values["failure_reason"] = code, (reason or "")[:2000]
    moved = session.execute(update(HumanLoop).where(HumanLoop.id == loop.id, HumanLoop.status == current)
                            .values(**values)).rowcount
    if moved:
        job_id = session.scalar(select(FlowDefinition.job_id).where(FlowDefinition.id == loop.flow_id))
        audit.record(session, now, "human_loop", actor, job_id=job_id, object_id=loop.object_id,
                     from_state=current, to_state=target.value, detail={"human_loop": loop.name})
    session.refresh(loop)
    return bool(moved)


def _try_stop(session: Session, loop: HumanLoop, now: datetime, actor: str) -> None:
    """A Stopping loop: no new leases on its object; once no labeler holds it, take it out of the queue and
    stop the loop (a live lease drains first, as a stopping job's do)."""
    object_id = loop.object_id
    if object_id is not None:
        session.execute(update(DataObject).where(DataObject.id == object_id, DataObject.state == ObjectState.OPEN)
                        .values(remaining=0))
        leased = session.scalar(select(func.count()).select_from(Assignment).where(
            Assignment.object_id == object_id, Assignment.state == AssignmentState.LEASED)) or 0
        if leased:
            return
        taken = session.execute(update(DataObject).where(
            DataObject.id == object_id, DataObject.state.in_([ObjectState.QUEUED, ObjectState.OPEN])
        ).values(state=ObjectState.UNLABELED, remaining=0)).rowcount
        job = session.scalar(select(Job).join(DataObject, DataObject.job_id == Job.id)
                             .where(DataObject.id == object_id))
        if taken and job is not None and job.status == JobStatus.IN_PROGRESS:
            top_up(session, job, now)  # its open slot goes to the next queued loop
    _move(session, loop, hr.HumanLoopStatus.STOPPED, now, actor)


def stop_loop(deps: Deps, session: Session, requester_id: int, name: str) -> HumanLoop:
    """InProgress -> Stopping (-> Stopped at once when no labeler holds its task); repeating it changes nothing."""
    loop = get_loop(session, requester_id, name)
    if loop.status in (hr.HumanLoopStatus.STOPPING, hr.HumanLoopStatus.STOPPED):
        return loop
    if loop.status != hr.HumanLoopStatus.IN_PROGRESS:
        raise Conflict(f"a {loop.status} human loop cannot be stopped", "human_loop_name")
    now = deps.clock.now()
    if _move(session, loop, hr.HumanLoopStatus.STOPPING, now, _actor(requester_id)):
        _try_stop(session, loop, now, _actor(requester_id))
    return loop


def delete_loop(deps: Deps, session: Session, requester_id: int, name: str) -> None:
    """Only an ended loop (Completed, Stopped, Failed); afterwards it is gone from lists and lookups."""
    loop = get_loop(session, requester_id, name)
    if loop.status not in hr.DELETABLE_LOOP_STATES:
        raise Conflict(f"a {loop.status} human loop cannot be deleted; stop it first", "human_loop_name")
    job_id = session.scalar(select(FlowDefinition.job_id).where(FlowDefinition.id == loop.flow_id))
    audit.record(session, deps.clock.now(), "human_loop", _actor(requester_id), job_id=job_id,
                 object_id=loop.object_id, from_state=loop.status, to_state="Deleted", detail={"human_loop": name})
    session.delete(loop)


# --- the sweep step -------------------------------------------------------------------------------------------

def _output_for(deps: Deps, session: Session, loop: HumanLoop) -> tuple[str, bytes]:
    """A labeled loop's output.json, from rows only (never the clock), so every rewrite has the same bytes."""
    flow = session.get(FlowDefinition, loop.flow_id)
    assert flow is not None
    job = session.get(Job, flow.job_id)
    assert job is not None
    element = template_kind.answer_key(spec_for(job.task_type).element, job.ui_template)
    answers = [hr.HumanAnswer({element: json.loads(content)}, accepted, submitted, labeler)
               for content, accepted, submitted, labeler in session.execute(
                   select(AnswerRow.content, AnswerRow.accepted_at, AnswerRow.submitted_at, AnswerRow.labeler_id)
                   .where(AnswerRow.object_id == loop.object_id).order_by(AnswerRow.id))]
    label = session.get(ConsolidatedLabel, loop.object_id)
    assert label is not None
    value = label.class_name if label.class_name is not None else (
        json.loads(label.value_json) if label.value_json else None)
    consolidated = hr.human_consolidated_answer(value, label.confidence, label.votes, label.algorithm,
                                                json.loads(label.meta_json) if label.meta_json else None)
    document = hr.output_document(flow_arn(deps, flow), loop.name, json.loads(loop.input_json), answers,
                                  consolidated, ISSUER)
    return loop.output_uri, hr.output_bytes(document)


def finalize_loops(deps: Deps) -> int:
    """Finish loops whose object has ended: labeled -> output.json written, then Completed; failed (nobody
    answered within the availability lifetime, or a hook failed) -> Failed; taken out of the queue while still
    InProgress (the flow's job was stopped) -> Failed. Stopping loops stop once no labeler holds their task.

    Idempotent: the output is written before the loop is marked, from stored rows only, so a crash between the
    two, or a repeated sweep, rewrites the same bytes. Returns how many loops ended."""
    now = deps.clock.now()
    ended = 0
    with deps.sessions() as session:
        stopping = list(session.scalars(select(HumanLoop.id).where(HumanLoop.status == hr.HumanLoopStatus.STOPPING)
                                        .limit(FINALIZE_BATCH)))
        due = session.execute(
            select(HumanLoop.id, DataObject.state, DataObject.failure_reason)
            .join(DataObject, DataObject.id == HumanLoop.object_id)
            .where(HumanLoop.status == hr.HumanLoopStatus.IN_PROGRESS,
                   DataObject.state.in_([ObjectState.LABELED, ObjectState.FAILED, ObjectState.UNLABELED]))
            .order_by(HumanLoop.id).limit(FINALIZE_BATCH)).all()
    for loop_id in stopping:
        with deps.sessions.begin() as session:
            loop = session.get(HumanLoop, loop_id, with_for_update=True)
            if loop is not None and loop.status == hr.HumanLoopStatus.STOPPING:
                _try_stop(session, loop, now, "sweep")
                ended += loop.status == hr.HumanLoopStatus.STOPPED
    for loop_id, state, failure in due:
        if state == ObjectState.LABELED:
            with deps.sessions() as session:
                loop = session.get(HumanLoop, loop_id)
                if loop is None or loop.status != hr.HumanLoopStatus.IN_PROGRESS:
                    continue
                uri, data = _output_for(deps, session, loop)
            deps.blobs.write_bytes(uri, data, "application/json")
        with deps.sessions.begin() as session:
            loop = session.get(HumanLoop, loop_id)
            if loop is None or loop.status != hr.HumanLoopStatus.IN_PROGRESS:
                continue
            if state == ObjectState.LABELED:
                moved = _move(session, loop, hr.HumanLoopStatus.COMPLETED, now, "sweep")
            elif state == ObjectState.FAILED:
                code = (hr.FailureCode.EXPIRED if "TaskAvailabilityLifetime" in (failure or "")
                        else hr.FailureCode.INTERNAL_ERROR)
                moved = _move(session, loop, hr.HumanLoopStatus.FAILED, now, "sweep", code.value,
                              failure or "the task failed")
            else:
                moved = _move(session, loop, hr.HumanLoopStatus.FAILED, now, "sweep",
                              hr.FailureCode.INTERNAL_ERROR.value,
                              "the flow definition's labeling job was stopped before people answered")
            ended += moved
    return ended
