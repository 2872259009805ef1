"""Read side for the API: job summaries with counters, cost, queue depth and ETA; object listings.

Reads go straight to the tables (no domain objects); the ledger is the only source of cost figures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.domain.counters import LabelCounters, label_counters
from shared.domain.money import micros_to_usd
from shared.domain.states import AssignmentState, ObjectState
from shared.metrics import DatabaseCounts
from shared.persistence.tables import (
    AnswerRow,
    Assignment,
    AuditEvent,
    ConsolidatedLabel,
    DataObject,
    Job,
    LedgerEntry,
    Workteam,
)
from shared.services import automated_labeling

RATE_WINDOW = timedelta(minutes=5)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat() + "Z"


def object_states(session: Session, job_id: int) -> dict[str, int]:
    rows = session.execute(select(DataObject.state, func.count()).where(DataObject.job_id == job_id)
                           .group_by(DataObject.state)).all()
    return {state: n for state, n in rows}


def cost_of(session: Session, job_id: int) -> dict[str, Any]:
    by_kind = dict(session.execute(select(LedgerEntry.kind, func.sum(LedgerEntry.amount_micros))
                                   .where(LedgerEntry.job_id == job_id).group_by(LedgerEntry.kind)).all())
    from shared.persistence.tables import Labeler, Workforce  # names for the console (issue 5)

    by_workforce = session.execute(
        select(LedgerEntry.workforce_id, func.sum(LedgerEntry.amount_micros), Workforce.name)
        .outerjoin(Workforce, Workforce.id == LedgerEntry.workforce_id)
        .where(LedgerEntry.job_id == job_id, LedgerEntry.workforce_id.is_not(None))
        .group_by(LedgerEntry.workforce_id, Workforce.name)).all()
    by_labeler = session.execute(
        select(LedgerEntry.labeler_id, func.sum(LedgerEntry.amount_micros), func.count(), Labeler.name)
        .outerjoin(Labeler, Labeler.id == LedgerEntry.labeler_id)
        .where(LedgerEntry.job_id == job_id, LedgerEntry.labeler_id.is_not(None))
        .group_by(LedgerEntry.labeler_id, Labeler.name).order_by(LedgerEntry.labeler_id)).all()
    total = sum(int(v or 0) for v in by_kind.values())
    return {
        "total_usd": micros_to_usd(total),
        "total_micros": total,
        "by_kind": {k: micros_to_usd(int(v or 0)) for k, v in by_kind.items()},
        "by_workforce": [{"workforce_id": w, "name": name, "usd": micros_to_usd(int(v))}
                         for w, v, name in by_workforce],
        "by_labeler": [{"labeler_id": lab, "name": name, "usd": micros_to_usd(int(v)), "tasks_paid": n}
                       for lab, v, n, name in by_labeler],
    }


def progress(session: Session, job: Job, now: datetime, states: dict[str, int]) -> dict[str, Any]:
    """Queue depth (answers still to buy) and an ETA from the last five minutes' answer rate."""
    open_slots = session.scalar(select(func.coalesce(func.sum(DataObject.remaining), 0))
                                .where(DataObject.job_id == job.id, DataObject.state == ObjectState.OPEN)) or 0
    leased = session.scalar(select(func.count()).select_from(Assignment)
                            .where(Assignment.job_id == job.id, Assignment.state == "leased")) or 0
    queued = states.get(ObjectState.QUEUED, 0)
    answers_left = int(open_slots) + leased + queued * job.workers_per_object
    recent = session.scalar(select(func.count()).select_from(AnswerRow)
                            .where(AnswerRow.job_id == job.id, AnswerRow.submitted_at >= now - RATE_WINDOW)) or 0
    rate = recent / RATE_WINDOW.total_seconds()
    eta = None if not answers_left else (round(answers_left / rate) if rate else None)
    return {"queue_depth": answers_left, "open_tasks": int(open_slots), "leased_tasks": leased,
            "queued_objects": queued, "answers_per_second": round(rate, 3), "eta_seconds": eta}


@dataclass(frozen=True)
class JobCounts:
    """A job's objects by state, how many the trainer's model labeled, and Ground Truth's LabelCounters."""

    states: dict[str, int]
    machine_labeled: int
    counters: LabelCounters


def job_counts(session: Session, job: Job) -> JobCounts:
    """Two queries at most: what LabelCounters and the SageMaker API's summaries need, without the rest of the
    job view (cost, progress, reports)."""
    states = object_states(session, job.id)
    machine = automated_labeling.machine_labeled_count(session, job.id) if job.auto_labeling_json else 0
    return JobCounts(states, machine, label_counters(states, machine))


def job_view(session: Session, job: Job, now: datetime, detail: bool = True) -> dict[str, Any]:
    counts = job_counts(session, job)
    states, machine, counters = counts.states, counts.machine_labeled, counts.counters
    view: dict[str, Any] = {
        "id": job.id, "name": job.name, "status": job.status, "failure_reason": job.failure_reason,
        "task_type": job.task_type, "label_attribute_name": job.label_attribute,
        "labels": json.loads(job.labels_json), "workteam_id": job.workteam_id,
        "workers_per_object": job.workers_per_object, "price_per_task_usd": micros_to_usd(job.price_micros),
        "service_fee_usd": micros_to_usd(job.fee_micros), "task_time_limit_seconds": job.task_time_limit_s,
        "task_availability_lifetime_seconds": job.availability_lifetime_s,
        "max_concurrent_task_count": job.max_concurrent, "manifest_uri": job.manifest_uri,
        "output_uri": job.output_uri, "created_at": _iso(job.created_at), "updated_at": _iso(job.updated_at),
        "ended_at": _iso(job.ended_at), "label_counters": counters.as_dict(),
        "objects_by_state": states, "dataset_lines": job.dataset_lines,
        "output_manifest_uri": None, "cost": cost_of(session, job.id),
    }
    if job.export_state == "done":
        from shared.domain.output import JobLayout

        view["output_manifest_uri"] = JobLayout.for_job(job.output_uri, job.name).output_manifest
    view.update(progress(session, job, now, states))
    view["consolidator"] = job.consolidator
    view["title"] = job.title
    view["instructions"] = {"short": job.short_instruction, "full": job.full_instruction,
                            "examples": json.loads(job.examples_json) if job.examples_json else []}
    view["custom_template"] = job.ui_template is not None
    view["gold"] = None if not job.gold_rate and job.gold_min_accuracy is None else {
        "items": states.get("gold", 0), "rate": job.gold_rate, "min_accuracy": job.gold_min_accuracy,
        "min_answers": job.gold_min_answers}
    view["automated_labeling"] = automated_labeling.job_report(session, job, machine)
    view["dynamic_overlap"] = None if job.target_confidence is None else {
        "min_workers": job.min_workers, "target_confidence": job.target_confidence, **overlap_savings(session, job)}
    return view


def overlap_savings(session: Session, job: Job) -> dict[str, Any]:
    """Answers bought for the dataset's decided objects against buying workers_per_object for each, and the
    worker pay that saved."""
    decided = (ObjectState.ANSWERED, ObjectState.LABELED)
    bought, objects = session.execute(
        select(func.coalesce(func.sum(DataObject.answers_count), 0), func.count())
        .where(DataObject.job_id == job.id, DataObject.state.in_(decided))).one()
    full = int(objects) * job.workers_per_object
    saved = max(full - int(bought), 0)
    return {"answers_bought": int(bought), "answers_at_full_overlap": full, "answers_saved": saved,
            "money_saved_usd": micros_to_usd(saved * job.price_micros)}


def list_jobs(session: Session, requester_id: int, after_id: int, limit: int) -> list[Job]:
    return list(session.scalars(select(Job).where(Job.requester_id == requester_id, Job.id > after_id)
                                .order_by(Job.id).limit(limit)))


def list_objects(session: Session, job_id: int, state: str | None, after_line: int, limit: int) -> list[dict[str, Any]]:
    query = (select(DataObject, ConsolidatedLabel)
             .outerjoin(ConsolidatedLabel, ConsolidatedLabel.object_id == DataObject.id)
             .where(DataObject.job_id == job_id, DataObject.line_no > after_line))
    if state:
        query = query.where(DataObject.state == state)
    rows = session.execute(query.order_by(DataObject.line_no).limit(limit)).all()
    answers: dict[int, list[dict[str, Any]]] = {}
    ids = [obj.id for obj, _ in rows]
    if ids:
        for a in session.scalars(select(AnswerRow).where(AnswerRow.object_id.in_(ids)).order_by(AnswerRow.id)):
            answers.setdefault(a.object_id, []).append(
                {"labeler_id": a.labeler_id, "answer": json.loads(a.content), "submitted_at": _iso(a.submitted_at)})
    return [{
        "line_no": obj.line_no, "dataset_object_id": str(obj.line_no), "state": obj.state,
        "source": obj.source, "source_ref": obj.source_ref, "failure_reason": obj.failure_reason,
        "answers": answers.get(obj.id, []),
        "label": None if label is None else {
            "class_index": label.class_index, "class_name": label.class_name, "confidence": label.confidence,
            "votes": label.votes, "algorithm": label.algorithm,
            "value": json.loads(label.value_json) if label.value_json else label.class_index,
            "metadata": json.loads(label.meta_json) if label.meta_json else {}},
    } for obj, label in rows]


def metric_counts(session: Session) -> DatabaseCounts:
    """Scrape-time counts: objects per job and state, jobs per status, machine labels per job, and task events and
    time spent per workteam (from the assignments, which outlive any process's counters)."""
    objects = session.execute(select(Job.name, DataObject.state, func.count()).join(Job, Job.id == DataObject.job_id)
                              .group_by(Job.name, DataObject.state)).all()
    jobs = session.execute(select(Job.status, func.count()).group_by(Job.status)).all()
    machine = session.execute(select(Job.name, func.count()).select_from(ConsolidatedLabel)
                              .join(Job, Job.id == ConsolidatedLabel.job_id)
                              .where(ConsolidatedLabel.human.is_(False)).group_by(Job.name)).all()
    by_team = (select(Workteam.name, Assignment.state, func.count()).select_from(Assignment)
               .join(Job, Job.id == Assignment.job_id)
               .join(Workteam, Workteam.id == Job.workteam_id).group_by(Workteam.name, Assignment.state))
    if session.get_bind().dialect.name == "postgresql":
        seconds = func.extract("epoch", Assignment.ended_at - Assignment.leased_at)
    else:
        seconds = (func.julianday(Assignment.ended_at) - func.julianday(Assignment.leased_at)) * 86400.0
    spent = (select(Workteam.name, func.coalesce(func.sum(seconds), 0)).select_from(Assignment)
             .join(Job, Job.id == Assignment.job_id)
             .join(Workteam, Workteam.id == Job.workteam_id)
             .where(Assignment.state == AssignmentState.SUBMITTED, Assignment.ended_at.is_not(None))
             .group_by(Workteam.name))
    return DatabaseCounts(
        objects=[(n, s, c) for n, s, c in objects], jobs=[(s, c) for s, c in jobs],
        machine_labeled=[(n, c) for n, c in machine],
        tasks=[(t, s, c) for t, s, c in session.execute(by_team).all()],
        time_spent=[(t, float(v)) for t, v in session.execute(spent).all()],
    )


def audit_events(session: Session, job_id: int, after_id: int, limit: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(AuditEvent).where(AuditEvent.job_id == job_id, AuditEvent.id > after_id)
                           .order_by(AuditEvent.id).limit(limit))
    return [{"id": e.id, "at": _iso(e.at), "kind": e.kind, "actor": e.actor, "object_id": e.object_id,
             "assignment_id": e.assignment_id, "from_state": e.from_state, "to_state": e.to_state,
             "detail": json.loads(e.detail)} for e in rows]
