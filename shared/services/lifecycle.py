"""The periodic sweep: the loop that makes lost, repeated or late messages harmless.

Each step reads the database for work that is due and does it idempotently: expire leases, end objects whose
availability ran out, re-drive ingest chunks and exports nobody finished, open more objects, consolidate what is
answered (a message to the consolidation queue), and complete or stop jobs.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from shared import metrics
from shared.bootstrap import Deps
from shared.domain.automated_labeling.plan import AutoLabelingSettings, stopping_reason
from shared.domain.counters import dataset_objects
from shared.domain.states import AssignmentState, JobStatus, ObjectState
from shared.messaging import TaskNames
from shared.persistence.tables import Assignment, DataObject, IngestChunk, Job
from shared.services import audit, automated_labeling, gold, human_review, overlap
from shared.services.job_states import transition_job
from shared.services.release import top_up

ACTIVE = (JobStatus.INITIALIZING, JobStatus.IN_PROGRESS, JobStatus.STOPPING)


def _expire(session: Session, where: object, now: object, actor: str) -> dict[int, int]:
    """Move matching leased assignments to expired, reopen their slots, audit each; returns count per job."""
    rows = session.execute(
        update(Assignment).where(Assignment.state == AssignmentState.LEASED, where)
        .values(state=AssignmentState.EXPIRED, ended_at=now)
        .returning(Assignment.id, Assignment.job_id, Assignment.object_id, Assignment.labeler_id)
    ).all()
    per_object: dict[int, int] = {}
    per_job: dict[int, int] = {}
    for _, job_id, object_id, _ in rows:
        per_object[object_id] = per_object.get(object_id, 0) + 1
        per_job[job_id] = per_job.get(job_id, 0) + 1
    for object_id, n in per_object.items():
        session.execute(update(DataObject).where(DataObject.id == object_id, DataObject.state == ObjectState.OPEN)
                        .values(remaining=DataObject.remaining + n))
    audit.record_many(session, (
        {"at": now, "kind": "assignment", "actor": actor, "job_id": job_id, "object_id": object_id,
         "assignment_id": aid, "from_state": AssignmentState.LEASED.value, "to_state": AssignmentState.EXPIRED.value}
        for aid, job_id, object_id, _ in rows
    ))
    return per_job


def expire_leases(deps: Deps) -> int:
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        per_job = _expire(session, Assignment.expires_at < now, now, "sweep:lease-timeout")
        names = dict(session.execute(select(Job.id, Job.name).where(Job.id.in_(per_job))).all()) if per_job else {}
    for job_id, n in per_job.items():
        metrics.LEASES_EXPIRED.labels(names[job_id]).inc(n)
    return sum(per_job.values())


def end_unavailable_objects(deps: Deps, session: Session, job: Job) -> None:
    """TaskAvailabilityLifetimeInSeconds passed: consolidate what has answers, fail what nobody answered."""
    now = deps.clock.now()
    cutoff = now - timedelta(seconds=job.availability_lifetime_s)
    stale = select(DataObject.id).where(DataObject.job_id == job.id, DataObject.state == ObjectState.OPEN,
                                        DataObject.released_at < cutoff)
    per_job = _expire(session, Assignment.object_id.in_(stale), now, "sweep:availability-lifetime")
    if per_job:
        metrics.LEASES_EXPIRED.labels(job.name).inc(sum(per_job.values()))
    session.execute(
        update(DataObject).where(DataObject.id.in_(stale.scalar_subquery()))
        .values(
            state=case((DataObject.answers_count > 0, ObjectState.ANSWERED.value), else_=ObjectState.FAILED.value),
            remaining=0,
            failure_reason=case((DataObject.answers_count > 0, None),
                                else_="no labeler answered within TaskAvailabilityLifetimeInSeconds"),
        ),
        execution_options={"synchronize_session": False},
    )


def redrive_ingest(deps: Deps, session: Session, job: Job) -> list[int]:
    """Chunks sent long ago and still not done: their message was lost or their worker died."""
    now = deps.clock.now()
    stale_before = now - timedelta(seconds=deps.settings.redrive_seconds)
    chunks = list(session.scalars(
        select(IngestChunk.chunk_no).where(IngestChunk.job_id == job.id, IngestChunk.done.is_(False),
                                           or_(IngestChunk.dispatched_at.is_(None),
                                               IngestChunk.dispatched_at < stale_before))
    ))
    if chunks:
        session.execute(update(IngestChunk).where(IngestChunk.job_id == job.id, IngestChunk.chunk_no.in_(chunks))
                        .values(dispatched_at=now))
    return chunks


def _pending_work(session: Session, job: Job) -> dict[str, int]:
    rows = session.execute(
        select(DataObject.state, func.count()).where(DataObject.job_id == job.id).group_by(DataObject.state)
    ).all()
    return {state: n for state, n in rows}


def _stopping_condition(job: Job, states: dict[str, int]) -> str | None:
    """Ground Truth's StoppingConditions on a job without automated labeling (which applies them per round):
    the condition a created-through-SageMaker job has met, once its whole manifest is ingested."""
    given = json.loads(job.sagemaker_json).get("StoppingConditions") if job.sagemaker_json else None
    if not given or job.auto_labeling_json:
        return None
    conditions = AutoLabelingSettings(max_human_labeled=given.get("MaxHumanLabeledObjectCount"),
                                      max_percent_labeled=given.get("MaxPercentageOfInputDatasetLabeled"))
    labeled = states.get(ObjectState.LABELED, 0)
    return stopping_reason(conditions, labeled, labeled, dataset_objects(states))


def finish_job(deps: Deps, session: Session, job: Job) -> None:
    """Complete a job with nothing left to do, or stop it once a stopping condition holds; stop a Stopping job
    once its leases have drained."""
    now = deps.clock.now()
    chunks_left = session.scalar(select(func.count()).select_from(IngestChunk)
                                 .where(IngestChunk.job_id == job.id, IngestChunk.done.is_(False))) or 0
    # A flow definition's standing job takes objects as human loops arrive: it never completes on its own.
    if job.status == JobStatus.IN_PROGRESS and chunks_left == 0 and job.chunks_total is not None and not job.standing:
        states = _pending_work(session, job)
        reason = _stopping_condition(job, states)
        if reason is not None:
            transition_job(session, job, JobStatus.STOPPING, now, f"sweep:{reason}")
            return
        pending = (ObjectState.POOL, ObjectState.QUEUED, ObjectState.OPEN, ObjectState.ANSWERED)
        if not any(states.get(s, 0) for s in pending):
            transition_job(session, job, JobStatus.COMPLETED, now, "sweep")
    elif job.status == JobStatus.STOPPING:
        leased = session.scalar(select(func.count()).select_from(Assignment).where(
            Assignment.job_id == job.id, Assignment.state == AssignmentState.LEASED)) or 0
        if leased or chunks_left:
            return
        session.execute(update(DataObject).where(
            DataObject.job_id == job.id, DataObject.state == ObjectState.OPEN, DataObject.answers_count > 0
        ).values(state=ObjectState.ANSWERED, remaining=0))
        if _pending_work(session, job).get(ObjectState.ANSWERED, 0):
            return  # consolidate first; the next sweep stops it
        session.execute(update(DataObject).where(
            DataObject.job_id == job.id, DataObject.state.in_([ObjectState.POOL, ObjectState.QUEUED, ObjectState.OPEN])
        ).values(state=ObjectState.UNLABELED, remaining=0))
        transition_job(session, job, JobStatus.STOPPED, now, "sweep")


def sweep(deps: Deps) -> dict[str, int]:
    """Run every due step once; safe to run concurrently on several workers."""
    report = {"expired": expire_leases(deps), "chunks_redriven": 0, "exports": 0}
    to_send: list[tuple[str, dict[str, int]]] = []
    with deps.sessions() as session:
        job_ids = list(session.scalars(select(Job.id).where(Job.status.in_(ACTIVE))))
    for job_id in job_ids:
        with deps.sessions.begin() as session:
            job = session.get(Job, job_id)
            if job is None:
                continue
            if job.status == JobStatus.INITIALIZING and job.updated_at < deps.clock.now() - timedelta(
                    seconds=deps.settings.redrive_seconds):
                to_send.append((TaskNames.PLAN_INGEST, {"job_id": job.id}))
            for chunk_no in redrive_ingest(deps, session, job):
                to_send.append((TaskNames.INGEST_CHUNK, {"job_id": job.id, "chunk_no": chunk_no}))
                report["chunks_redriven"] += 1
            if job.status in (JobStatus.IN_PROGRESS, JobStatus.STOPPING):
                end_unavailable_objects(deps, session, job)
            if job.status == JobStatus.IN_PROGRESS:
                overlap.sweep_open_objects(deps, session, job)
                top_up(session, job, deps.clock.now())
    report["gold_scored"] = gold.score_unscored(deps)
    for job_id in job_ids:
        with deps.sessions.begin() as session:
            job = session.get(Job, job_id)
            if job is not None and job.status in ACTIVE:
                finish_job(deps, session, job)
    report["human_loops_ended"] = human_review.finalize_loops(deps)
    # Consolidation runs on its own queue, one message per job with answered objects (never one per object), so
    # a large EM batch never holds up the sweep; a lost or repeated message only means the next sweep asks again.
    with deps.sessions() as session:
        ready = list(session.scalars(select(DataObject.job_id).where(DataObject.state == ObjectState.ANSWERED)
                                     .distinct()))
    for job_id in ready:
        to_send.append((TaskNames.CONSOLIDATE, {"job_id": job_id}))
    report["consolidations_sent"] = len(ready)
    with deps.sessions() as session:
        stale = deps.clock.now() - timedelta(seconds=deps.settings.redrive_seconds)
        exports = list(session.scalars(select(Job.id).where(or_(
            Job.export_state == "pending",
            and_(Job.export_state == "running", Job.export_claimed_at < stale)))))
    # Automated labeling: a round is due when a job's human batch has been consolidated (or a round was lost).
    for job_id, round_no in automated_labeling.due_rounds(deps):
        to_send.append((TaskNames.TRAIN_ROUND, {"job_id": job_id, "round_no": round_no}))
    for job_id in exports:
        to_send.append((TaskNames.EXPORT_JOB, {"job_id": job_id}))
    report["exports"] = len(exports)
    for name, kwargs in to_send:
        deps.queue.send(name, **kwargs)
    return report
